"""Working-time arithmetic across weekends, lunch breaks, holidays and make-up working days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from api.domains.events.enums import DeadlineUnit
from api.flows.calendar import LOCAL, WorkCalendar, add_limit, limit_points

# 2026: National Day holiday 1–8 October, Sunday 27 September and Saturday 10 October worked.
NATIONAL_DAY = WorkCalendar(
    {
        **{date(2026, 10, d): False for d in range(1, 9)},
        date(2026, 9, 27): True,
        date(2026, 10, 10): True,
    }
)
PLAIN = WorkCalendar()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        # within a morning
        (local(2026, 11, 23, 9, 0), 2, DeadlineUnit.WORKING_HOURS, local(2026, 11, 23, 11, 0)),
        # across lunch: 11:00 + 2h = 12:00, lunch, 13:30 + 1h
        (local(2026, 11, 23, 11, 0), 2, DeadlineUnit.WORKING_HOURS, local(2026, 11, 23, 14, 30)),
        # Friday afternoon into Monday
        (local(2026, 11, 27, 16, 30), 2, DeadlineUnit.WORKING_HOURS, local(2026, 11, 30, 9, 30)),
        # reported on Saturday: the clock starts on Monday morning
        (local(2026, 11, 28, 10, 0), 1, DeadlineUnit.WORKING_HOURS, local(2026, 11, 30, 9, 30)),
        # reported in the evening: starts next morning
        (local(2026, 11, 24, 20, 0), 3, DeadlineUnit.WORKING_HOURS, local(2026, 11, 25, 11, 30)),
        # whole working days keep the time of day and skip the weekend
        (local(2026, 11, 26, 10, 0), 3, DeadlineUnit.WORKING_DAYS, local(2026, 12, 1, 10, 0)),
        # natural days ignore the calendar
        (local(2026, 11, 27, 10, 0), 3, DeadlineUnit.NATURAL_DAYS, local(2026, 11, 30, 10, 0)),
    ],
)
def test_plain_weeks(start: datetime, amount: int, unit: DeadlineUnit, expected: datetime) -> None:
    assert add_limit(start, amount, unit, PLAIN) == expected


def test_holidays_are_skipped_and_make_up_days_count() -> None:
    # Wednesday 30 September 16:00 + 3 working hours: 1.5 h that day, then the holiday week,
    # then Friday 9 October resumes (Saturday 10 October is a make-up working day).
    assert add_limit(
        local(2026, 9, 30, 16, 0), 3, DeadlineUnit.WORKING_HOURS, NATIONAL_DAY
    ) == local(2026, 10, 9, 10, 0)
    # two working days from Friday 25 September: Sunday 27th is worked, Monday 28th is the second
    assert add_limit(
        local(2026, 9, 25, 10, 0), 2, DeadlineUnit.WORKING_DAYS, NATIONAL_DAY
    ) == local(2026, 9, 28, 10, 0)
    # from Thursday 8 October (holiday) the clock starts Friday 9th at opening; two working days
    # later is Monday 12th (Saturday 10th, a make-up day, is the first)
    assert add_limit(
        local(2026, 10, 8, 15, 0), 2, DeadlineUnit.WORKING_DAYS, NATIONAL_DAY
    ) == local(2026, 10, 12, 8, 30)


def test_reminder_and_red_points_are_shares_of_working_time() -> None:
    points = limit_points(
        local(2026, 11, 23, 8, 30),
        amount=10,
        unit=DeadlineUnit.WORKING_HOURS,
        reminder_share=0.5,
        red_share=1.5,
        calendar=PLAIN,
    )

    assert points.remind_at == local(2026, 11, 23, 15, 0)  # 3.5 h before lunch + 1.5 h after
    assert points.due_at == local(2026, 11, 24, 11, 0)  # 7.5 on Monday, 2.5 on Tuesday
    assert points.red_at == local(2026, 11, 24, 17, 30)  # 15 working hours: two full days


def test_times_keep_the_callers_timezone() -> None:
    from datetime import UTC

    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in China
    assert add_limit(start, 1, DeadlineUnit.WORKING_HOURS, PLAIN) == datetime(
        2026, 11, 23, 2, 0, tzinfo=UTC
    )


def test_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_limit(local(2026, 11, 23, 9, 0), -1, DeadlineUnit.WORKING_HOURS, PLAIN)
