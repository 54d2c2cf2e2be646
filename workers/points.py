"""Nightly frozen points periods (双岗双争考核存档)."""

from __future__ import annotations

from typing import Any

from api.domains.points.assessment import freeze_due


async def freeze_points_periods(ctx: dict[str, Any]) -> int:
    """Freeze the last ended quarter of every community with members (idempotent: a frozen
    period is never recomputed)."""
    return await freeze_due()
