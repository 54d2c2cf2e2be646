"""Stage clocks: the time limit of the running stage, from the rules and the work calendar."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from api.domains.events import reference
from api.domains.events.enums import (
    Stage,
)
from api.domains.events.models import DeadlineRule, Event
from api.flows.calendar import LOCAL, WorkCalendar, limit_points


@dataclass(frozen=True, slots=True)
class Limits:
    """What starting stage clocks needs from the database: rules and the work calendar."""

    rules: Mapping[tuple[str, Stage], DeadlineRule]
    calendar: WorkCalendar


async def load_limits(needs: Iterable[tuple[str, Stage]], now: datetime) -> Limits:
    """The rules of these (category, stage) pairs, and the calendar from `now` on."""
    return Limits(
        rules=await reference.rules_for(needs),
        calendar=await reference.calendar_from(now.astimezone(LOCAL).date()),
    )


def run_clock(event: Event, stage: Stage | None, now: datetime, limits: Limits | None) -> None:
    """Start the clock of `stage` from `now` (or stop every clock, for no stage)."""
    event.stage = stage  # type: ignore[assignment]  # nullable column; tortoise types it non-null
    event.stage_started_at = now if stage else None
    event.warning_level = 0
    if stage is None:
        event.stage = None  # type: ignore[assignment]  # nullable column; tortoise types it non-null
        event.stage_started_at = None
        event.warning_level = 0
        event.due_at = event.remind_at = event.red_at = None
        return
    assert limits is not None
    rule = limits.rules[(event.category_key, stage)]
    points = limit_points(
        now,
        amount=rule.amount,
        unit=rule.unit,
        reminder_share=rule.reminder_share,
        red_share=rule.red_share,
        calendar=limits.calendar,
    )
    event.due_at, event.remind_at, event.red_at = points.due_at, points.remind_at, points.red_at
    event.due_by_stage = {**(event.due_by_stage or {}), stage.value: points.due_at.isoformat()}


async def start_stage(event: Event, stage: Stage | None, now: datetime) -> None:
    """Start the clock of `stage` (or stop every clock)."""
    limits = await load_limits([(event.category_key, stage)], now) if stage else None
    run_clock(event, stage, now, limits)
