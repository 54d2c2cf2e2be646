"""Nightly frozen points periods (双岗双争考核存档)."""

from __future__ import annotations

from typing import Any

from api import clock
from api.domains.points.assessment import freeze_due
from api.domains.points.attendance import credit_attended_meetings
from api.domains.points.reports import credit_reported_events


async def freeze_points_periods(ctx: dict[str, Any]) -> int:
    """Freeze the last ended quarter of every community with members (idempotent: a frozen
    period is never recomputed)."""
    return await freeze_due()


async def credit_meeting_points(ctx: dict[str, Any]) -> int:
    """Credit members' sign-ins to held meetings (idempotent: once per meeting and member)."""
    return await credit_attended_meetings(now=clock.now())


async def credit_event_points(ctx: dict[str, Any]) -> int:
    """Credit events members reported that were closed (idempotent: once per event)."""
    return await credit_reported_events(now=clock.now())
