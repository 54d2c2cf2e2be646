"""Intake triage's scheduled work: retraining the category and department classifier."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.domains.triage import service


async def train_classifier(ctx: dict[str, Any]) -> dict[str, Any]:
    """A new classifier version from the closed events (skipped while another process trains)."""
    return asdict(await service.train())
