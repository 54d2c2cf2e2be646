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
from api.domains.economy import indicators
from api.domains.economy.flow import INDICATOR_VALUES, MILESTONES, PROGRESS
from api.domains.emergencies.flow import INCIDENTS, TASKS
from api.domains.events import holidays
from api.domains.events.flow import EVENTS
from api.domains.meetings.flow import MEETINGS
from api.domains.points.flow import CLAIMS, PLEDGES
from api.domains.supervision.flow import PROPOSALS, REPORTS
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
    MEETINGS,
    CLAIMS,
    PLEDGES,
    MILESTONES,
    PROGRESS,
    INDICATOR_VALUES,
    HAZARDS,
    INSPECTIONS,
    REPORTS,
    PROPOSALS,
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


async def seed_national_calendar(ctx: dict[str, Any]) -> dict[str, Any]:
    """This year's and next year's statutory holidays and 调休 days into the work calendar
    (idempotent; the city's own days are kept); a year the installed library has no
    arrangement for is logged and left to the dashboard's warning."""
    report = await holidays.seed_current_years()
    return {"seeded": report.seeded, "unpublished": report.unpublished}


async def open_indicator_months(ctx: dict[str, Any]) -> int:
    """Open last month's value of every indicator for every region that reports it, so that a
    region that never reports is reminded and carded by the sweep (idempotent: once per
    indicator, region and month); returns the values opened."""
    return await indicators.open_last_month(clock.now().astimezone(LOCAL).date())
