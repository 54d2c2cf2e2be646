"""Stage clocks: the running stage's time limit on the work calendar, its reminder and cards.

A record with clocks carries the columns of `Clocked`. Starting a stage sets when to remind,
when the yellow card falls (the deadline) and when the red one does; `warning_level` records
how far the sweep has enforced the running stage (0 nothing, then REMINDED, YELLOW, RED) and
goes back to 0 whenever a stage's clock starts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from tortoise.expressions import Q

from api.flows.calendar import DeadlineUnit, WorkCalendar, limit_points

REMINDED, YELLOW, RED = 1, 2, 3


class Card(StrEnum):
    """The worst card a record has had (黄牌 at the deadline, 红牌 past the red threshold)."""

    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


class StageRule(Protocol):
    """The time limit of a stage: an amount of a unit, reminder and red card at shares of it."""

    @property
    def amount(self) -> int: ...
    @property
    def unit(self) -> DeadlineUnit: ...
    @property
    def reminder_share(self) -> float: ...
    @property
    def red_share(self) -> float: ...


class Clocked(Protocol):
    """The columns of a record with stage clocks (their types are the models' own)."""

    stage: Any
    stage_started_at: Any
    warning_level: Any
    due_at: Any
    remind_at: Any
    red_at: Any
    due_by_stage: Any


@dataclass(frozen=True, slots=True)
class Limits:
    """What starting stage clocks needs from the database: the rule of each (kind, stage)
    and the work calendar from the start on."""

    rules: Mapping[tuple[str, str], StageRule]
    calendar: WorkCalendar


Needs = Iterable[tuple[str, str]]


def run_clock(
    record: Clocked,
    *,
    kind: str,
    stage: str | None,
    now: datetime,
    limits: Limits | None,
    until: datetime | None = None,
) -> None:
    """Start the clock of `stage` from `now` by the rule of (`kind`, `stage`), or stop every
    clock (no stage). `until`: a deadline the record sets itself (an acknowledgement date), in
    natural time; the rule then gives only the reminder's and the red card's shares of it."""
    record.stage = stage
    record.stage_started_at = now if stage else None
    record.warning_level = 0
    if stage is None:
        record.due_at = record.remind_at = record.red_at = None
        return
    assert limits is not None
    rule = limits.rules[(kind, stage)]
    if until is not None:
        span = max(until - now, timedelta(0))
        record.due_at = until
        record.remind_at = now + span * rule.reminder_share
        record.red_at = now + span * rule.red_share
        record.due_by_stage = {**(record.due_by_stage or {}), str(stage): until.isoformat()}
        return
    points = limit_points(
        now,
        amount=rule.amount,
        unit=rule.unit,
        reminder_share=rule.reminder_share,
        red_share=rule.red_share,
        calendar=limits.calendar,
    )
    record.due_at, record.remind_at, record.red_at = points.due_at, points.remind_at, points.red_at
    record.due_by_stage = {**(record.due_by_stage or {}), str(stage): points.due_at.isoformat()}


def due(now: datetime, *, state_column: str, open_states: Iterable[str]) -> Q:
    """Open records with a reminder or card reached by `now` and not yet enforced."""
    is_open: dict[str, Any] = {f"{state_column}__in": list(open_states)}
    return Q(**is_open) & (
        Q(warning_level__lt=REMINDED, remind_at__lte=now)
        | Q(warning_level__lt=YELLOW, due_at__lte=now)
        | Q(warning_level__lt=RED, red_at__lte=now)
    )


def reached(record: Clocked, now: datetime) -> int:
    """How far the running stage's limit has come by `now` (0, REMINDED, YELLOW or RED)."""
    if record.red_at is not None and record.red_at <= now:
        return RED
    if record.due_at is not None and record.due_at <= now:
        return YELLOW
    if record.remind_at is not None and record.remind_at <= now:
        return REMINDED
    return 0
