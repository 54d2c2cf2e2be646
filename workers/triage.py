"""Intake triage's scheduled work: retraining the category and department classifier, looking
for spikes, and merging duplicates above a rule's score."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.domains.triage import service


async def train_classifier(ctx: dict[str, Any]) -> dict[str, Any]:
    """A new classifier version from the closed events (skipped while another process trains)."""
    return asdict(await service.train())


async def detect_spikes(ctx: dict[str, Any]) -> int:
    """预警: warn the centres of each community whose count of a category just spiked; returns
    the new warnings (a spike already warned within its window is not warned again)."""
    return len(await service.detect_spikes())


async def merge_duplicates(ctx: dict[str, Any]) -> int:
    """重复件合并 by rule: merge the recent reports whose best earlier candidate scores at least
    their category's `merge_score`; returns how many were merged (none while no rule sets one)."""
    return len(await service.merge_above_rules())
