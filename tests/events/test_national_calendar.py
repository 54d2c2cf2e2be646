"""China's statutory holidays and 调休 days seeded into the work calendar: known dates, the
city's own days kept, deadlines across a holiday, a year with no published arrangement."""

from __future__ import annotations

from datetime import date, datetime

import httpx
from structlog.testing import capture_logs

from api import clock
from api.domains.events import holidays
from api.domains.events.enums import CalendarSource
from api.domains.events.models import CalendarDay, Event
from api.flows.calendar import LOCAL
from tests import factories
from tests.events.helpers import REPORT, report_input, run
from tests.events.test_calendar import SET_DAY, SET_RULE
from tests.factories import gql
from workers.events import seed_national_calendar

DAYS = """
query($start: Date!, $end: Date!) {
  calendarDays(start: $start, end: $end) { day isWorkday name source }
}"""
REMOVE = """
mutation($day: Date!) {
  removeCalendarDay(day: $day) { __typename ... on Error { code field } }
}"""
DASHBOARD = """
query($scope: String!) {
  dashboard(scope: $scope) { ... on Dashboard { warnings { code message } } }
}"""


async def _days(client: httpx.AsyncClient, token: str, start: str, end: str) -> dict[str, tuple]:
    body = await gql(client, DAYS, {"start": start, "end": end}, token=token)
    return {
        row["day"]: (row["isWorkday"], row["name"], row["source"])
        for row in body["data"]["calendarDays"]
    }


async def test_the_2026_spring_festival_is_seeded_and_the_citys_own_days_are_kept(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    # the city works the Friday of the festival week and has a day of its own in March
    await gql(client, SET_DAY, {"day": "2026-02-20", "work": True, "name": "本市值班"}, token=admin)
    await gql(
        client, SET_DAY, {"day": "2026-03-02", "work": False, "name": "本市假日"}, token=admin
    )

    first = await holidays.seed([2026])
    again = await holidays.seed([2026])
    days = await _days(client, admin, "2026-02-01", "2026-03-31")

    assert first.seeded == again.seeded == {2026: first.seeded[2026]}
    assert first.unpublished == []
    # 春节 2026: Sunday 15 to Monday 23 off, the Saturdays 14 and 28 worked (调休)
    assert days == {
        "2026-02-14": (True, "调休上班", "NATIONAL"),
        "2026-02-16": (False, "农历除夕", "NATIONAL"),
        "2026-02-17": (False, "春节", "NATIONAL"),
        "2026-02-18": (False, "春节", "NATIONAL"),
        "2026-02-19": (False, "春节", "NATIONAL"),
        "2026-02-20": (True, "本市值班", "LOCAL"),
        "2026-02-23": (False, "休息日（由 2026-02-28 调休）", "NATIONAL"),
        "2026-02-28": (True, "调休上班", "NATIONAL"),
        "2026-03-02": (False, "本市假日", "LOCAL"),
    }
    national_days = await CalendarDay.filter(source=CalendarSource.NATIONAL).count()
    assert national_days == first.seeded[2026] - 1  # all but the day the city kept for itself


async def test_a_national_day_is_overridden_not_removed(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    await holidays.seed([2026])

    refused = await gql(client, REMOVE, {"day": "2026-10-01"}, token=admin)
    await gql(
        client, SET_DAY, {"day": "2026-10-08", "work": False, "name": "本市假日"}, token=admin
    )
    removed = await gql(client, REMOVE, {"day": "2026-10-08"}, token=admin)

    assert refused["data"]["removeCalendarDay"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "day",
    }
    assert (await CalendarDay.get(day=date(2026, 10, 1))).source == CalendarSource.NATIONAL
    assert removed["data"]["removeCalendarDay"]["__typename"] == "CalendarDayPayload"
    assert not await CalendarDay.exists(day=date(2026, 10, 8))


async def test_three_working_days_from_the_eve_of_national_day(client: httpx.AsyncClient) -> None:
    """Wednesday 30 September 2026, 10:00: 1–7 October are off (5 October in place of the
    Saturday holiday, 6 and 7 exchanged for Sundays 20 September and Saturday 10 October), so
    the third working day is that Saturday the 10th, not Monday the 5th as on a bare week."""
    await factories.region_tree()
    await holidays.seed([2026])
    clock.move(datetime(2026, 9, 30, 10, 0, tzinfo=LOCAL) - clock.now())
    _, admin = await factories.signed_in("admin", "4106")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    await gql(
        client,
        SET_RULE,
        {"category": "city.0502", "amount": 3, "unit": "WORKING_DAYS", "share": 0.5},
        token=admin,
    )

    reported = await run(client, REPORT, worker, input=report_input(categoryKey="city.0502"))

    event = await Event.get(id=reported["event"]["uuid"])
    due = event.due_at.astimezone(LOCAL).replace(microsecond=0)  # the clock ran on a little
    assert due == datetime(2026, 10, 10, 10, 0, tzinfo=LOCAL)


async def test_a_year_without_a_published_arrangement_is_left_unseeded_and_warned(
    client: httpx.AsyncClient,
) -> None:
    """The installed library projects 2035's festivals by rule but knows no 调休 for it: seeding
    it would put deadlines around 春节 off by days, so the year stays out, logged and shown."""
    await factories.region_tree()
    clock.move(datetime(2035, 6, 1, 9, 0, tzinfo=LOCAL) - clock.now())
    _, command = await factories.signed_in("city_command", "4106")

    with capture_logs() as logs:
        report = await holidays.seed([2035])
    before = await gql(client, DASHBOARD, {"scope": "4106"}, token=command)
    # a city that enters 2035's days itself (or a later library) silences that year's warning
    await CalendarDay.create(
        day=date(2035, 10, 1), is_workday=False, name="国庆节", source=CalendarSource.NATIONAL
    )
    after = await gql(client, DASHBOARD, {"scope": "4106"}, token=command)

    assert report.seeded == {} and report.unpublished == [2035]
    assert await CalendarDay.all().count() == 1
    assert [entry["year"] for entry in logs if entry["event"] == "calendar.unpublished"] == [2035]
    warned = before["data"]["dashboard"]["warnings"]
    assert [warning["code"] for warning in warned] == ["CALENDAR_NOT_SEEDED"] * 2
    assert "2035" in warned[0]["message"] and "2036" in warned[1]["message"]
    assert [w["message"][-60:] for w in after["data"]["dashboard"]["warnings"]] == [
        warned[1]["message"][-60:]
    ]


async def test_the_worker_seeds_this_year_and_the_next(db: None) -> None:
    clock.move(datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL) - clock.now())

    result = await seed_national_calendar({})

    assert list(result["seeded"]) == [2026] or list(result["seeded"]) == [2026, 2027]
    assert 2026 not in result["unpublished"]
    assert await CalendarDay.filter(day=date(2026, 10, 1), source=CalendarSource.NATIONAL).exists()
