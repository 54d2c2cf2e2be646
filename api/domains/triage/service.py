"""Intake triage's public surface: duplicate candidates, merge and un-merge, merged reports,
suggested categories and departments."""

from __future__ import annotations

from api.domains.triage.duplicates import (
    MAX_CANDIDATES,
    Candidate,
    Probe,
    candidates_for,
    forget_reference,
    rule_for,
    shown_with,
)
from api.domains.triage.merging import merge, merged_reports, unmerge
from api.domains.triage.suggestions import (
    Acceptance,
    Suggestions,
    Trained,
    acceptance,
    newest_classifier,
    suggestions_for,
    train,
)

__all__ = [
    "MAX_CANDIDATES",
    "Acceptance",
    "Candidate",
    "Probe",
    "Suggestions",
    "Trained",
    "acceptance",
    "candidates_for",
    "forget_reference",
    "merge",
    "merged_reports",
    "newest_classifier",
    "rule_for",
    "shown_with",
    "suggestions_for",
    "train",
    "unmerge",
]
