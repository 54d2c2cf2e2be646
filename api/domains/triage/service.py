"""Intake triage's public surface: duplicate candidates, merge (by the desk or by rule) and
un-merge, merged reports, suggested categories and departments, spike warnings."""

from __future__ import annotations

from api.domains.triage.automerge import AutoMerged, merge_above_rules
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
from api.domains.triage.spikes import acknowledge as acknowledge_spike
from api.domains.triage.spikes import detect as detect_spikes
from api.domains.triage.spikes import warnings as spike_warnings
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
    "AutoMerged",
    "Candidate",
    "Probe",
    "Suggestions",
    "Trained",
    "acceptance",
    "acknowledge_spike",
    "candidates_for",
    "detect_spikes",
    "forget_reference",
    "merge",
    "merge_above_rules",
    "merged_reports",
    "newest_classifier",
    "rule_for",
    "shown_with",
    "spike_warnings",
    "suggestions_for",
    "train",
    "unmerge",
]
