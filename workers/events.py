"""Deadline enforcement every minute, and the dispute investigation rounds (DESIGN.md §6)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api import clock, metrics
from api.domains.announcements.flow import ANNOUNCEMENTS
from api.domains.events.flow import EVENTS
from api.domains.notices import rounds
from api.flows.calendar import LOCAL
from api.flows.sweep import sweep
from api.settings import get_settings

# The flows whose deadlines the sweep enforces: each is registered where it is declared, and
# importing it here is what puts it in the worker.
SWEPT = (EVENTS, ANNOUNCEMENTS)


async def enforce_deadlines(ctx: dict[str, Any]) -> dict[str, int]:
    """Remind, card and escalate whatever is due in every registered flow (events and any
    other: the sweep is the kernel's); safe to run twice or on two workers at once."""
    with metrics.sweep_timer() as enforced:
        return dict(enforced(asdict(await sweep())))


async def investigation_reminders(ctx: dict[str, Any]) -> int:
    """Start today's dispute investigation rounds (idempotent: once per round and user)."""
    settings = get_settings()
    return await rounds.remind(
        clock.now().astimezone(LOCAL).date(),
        community_weekday=settings.gridgov_community_investigation_weekday,
        township_days=settings.gridgov_township_investigation_days,
    )
