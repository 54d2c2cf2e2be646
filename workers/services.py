"""Appointment reminders (预约提醒)."""

from __future__ import annotations

from typing import Any

from api import clock
from api.domains.services.appointments import remind_due


async def remind_appointments(ctx: dict[str, Any]) -> int:
    """Tell bookers of tomorrow's slots (idempotent: each booking is reminded once)."""
    return await remind_due(now=clock.now())
