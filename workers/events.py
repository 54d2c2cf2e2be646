"""Deadline enforcement every minute, and the dispute investigation rounds (DESIGN.md §6)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api import clock, metrics
from api.domains.announcements.flow import ANNOUNCEMENTS
from api.domains.approvals.flow import APPLICATIONS, ASSESSMENTS
from api.domains.care.flow import HAZARDS, INSPECTIONS
from api.domains.diaries import rounds
from api.domains.diaries.flow import DIARIES, ROUNDS
from api.domains.emergencies.flow import INCIDENTS, TASKS
from api.domains.events.flow import EVENTS
from api.flows.calendar import LOCAL
from api.flows.sweep import sweep
from api.settings import get_settings

# The flows whose deadlines the sweep enforces: each is registered where it is declared, and
# importing it here is what puts it in the worker.
SWEPT = (
    EVENTS,
    INCIDENTS,
    TASKS,
    DIARIES,
    ROUNDS,
    APPLICATIONS,
    ASSESSMENTS,
    ANNOUNCEMENTS,
    HAZARDS,
    INSPECTIONS,
)


async def enforce_deadlines(ctx: dict[str, Any]) -> dict[str, int]:
    """Remind, card and escalate whatever is due in every registered flow (events and any
    other: the sweep is the kernel's); safe to run twice or on two workers at once."""
    with metrics.sweep_timer() as enforced:
        return dict(enforced(asdict(await sweep())))


async def investigation_reminders(ctx: dict[str, Any]) -> int:
    """Open today's dispute investigation rounds: a round record per community or township to
    fill in and submit, and the reminder notices (idempotent: once per round and region, and
    per round and user); returns the records opened."""
    settings = get_settings()
    return await rounds.open_rounds(
        clock.now().astimezone(LOCAL).date(),
        community_weekday=settings.gridgov_community_investigation_weekday,
        township_days=settings.gridgov_township_investigation_days,
    )
