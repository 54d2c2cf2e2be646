"""The work calendar: time limits in working hours, working days or natural time.

Working time is Monday–Friday 08:30–12:00 and 13:30–17:30 China time, except the calendar's
holidays, plus its weekend days made working days (调休). Pure functions (no clock), except
`calendar_from`, which reads the calendar's exceptions (table `calendar_days`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tortoise import connections

LOCAL = ZoneInfo("Asia/Shanghai")
WORK_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
WORKING_MINUTES_PER_DAY = sum(
    (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
    for start, end in WORK_PERIODS
)
MAX_SEARCH_DAYS = 3660  # a limit can't be found further than ten years ahead: the calendar is wrong
CALENDAR_REACH_DAYS = 400  # how far ahead a stage's limit may fall: the exceptions read at once


class DeadlineUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    NATURAL_DAYS = "natural_days"
    NATURAL_HOURS = "natural_hours"


@dataclass(frozen=True)
class WorkCalendar:
    exceptions: Mapping[date, bool] = field(default_factory=dict)  # day → is it a working day

    def is_workday(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)


@dataclass(frozen=True)
class LimitPoints:
    remind_at: datetime
    due_at: datetime
    red_at: datetime


def _periods(day: date) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.combine(day, start, LOCAL), datetime.combine(day, end, LOCAL))
        for start, end in WORK_PERIODS
    ]


def add_working_minutes(start: datetime, minutes: float, calendar: WorkCalendar) -> datetime:
    """The moment when `minutes` of working time have passed after `start`."""
    remaining = timedelta(minutes=minutes)
    cursor = start.astimezone(LOCAL)
    day = cursor.date()
    for _ in range(MAX_SEARCH_DAYS):
        if calendar.is_workday(day):
            for period_start, period_end in _periods(day):
                begin = max(cursor, period_start)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min, LOCAL)
    raise ValueError("no working time found within ten years: check the work calendar")


def add_working_days(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """The same time of day on the `days`-th working day after `start` (counted from the next
    working day's opening when `start` falls on a day off)."""
    local = start.astimezone(LOCAL)
    day = local.date()
    clock_time = local.timetz().replace(tzinfo=None)
    if not calendar.is_workday(day):
        # Reported on a day off: the clock starts at the next working day's opening.
        for _ in range(MAX_SEARCH_DAYS):
            day += timedelta(days=1)
            if calendar.is_workday(day):
                break
        clock_time = WORK_PERIODS[0][0]
    counted = 0
    for _ in range(MAX_SEARCH_DAYS):
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
            if counted == days:
                return datetime.combine(day, clock_time, LOCAL).astimezone(start.tzinfo)
    raise ValueError("no working day found within ten years: check the work calendar")


def add_limit(
    start: datetime, amount: float, unit: DeadlineUnit, calendar: WorkCalendar
) -> datetime:
    """`start` plus `amount` of `unit`; fractional working days count in working minutes."""
    if amount < 0:
        raise ValueError("a time limit cannot be negative")
    if unit is DeadlineUnit.NATURAL_DAYS:
        return start + timedelta(days=amount)
    if unit is DeadlineUnit.NATURAL_HOURS:
        return start + timedelta(hours=amount)
    if unit is DeadlineUnit.WORKING_HOURS:
        return add_working_minutes(start, amount * 60, calendar)
    if float(amount).is_integer():
        return add_working_days(start, int(amount), calendar)
    return add_working_minutes(start, amount * WORKING_MINUTES_PER_DAY, calendar)


def limit_points(
    start: datetime,
    *,
    amount: int,
    unit: DeadlineUnit,
    reminder_share: float,
    red_share: float,
    calendar: WorkCalendar,
) -> LimitPoints:
    """When to remind, when the yellow card falls (the deadline) and when the red one does."""
    return LimitPoints(
        remind_at=add_limit(start, amount * reminder_share, unit, calendar),
        due_at=add_limit(start, amount, unit, calendar),
        red_at=add_limit(start, amount * red_share, unit, calendar),
    )


async def calendar_from(start: date, days: int = CALENDAR_REACH_DAYS) -> WorkCalendar:
    """The calendar's exceptions for the period a limit can reach."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT day, is_workday FROM calendar_days WHERE day BETWEEN $1 AND $2",
        [start, start + timedelta(days=days)],
    )
    return WorkCalendar({row["day"]: row["is_workday"] for row in rows})
