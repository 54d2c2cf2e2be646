"""Intake triage's public surface: duplicate candidates, merge and un-merge, merged reports."""

from __future__ import annotations

from api.domains.triage.duplicates import (
    MAX_CANDIDATES,
    Candidate,
    candidates_for,
    rule_for,
    shown_with,
)
from api.domains.triage.merging import merge, merged_reports, unmerge

__all__ = [
    "MAX_CANDIDATES",
    "Candidate",
    "candidates_for",
    "merge",
    "merged_reports",
    "rule_for",
    "shown_with",
    "unmerge",
]
