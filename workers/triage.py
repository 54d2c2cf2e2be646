"""Intake triage's scheduled work: retraining the category and department classifier, and
looking for spikes."""

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
