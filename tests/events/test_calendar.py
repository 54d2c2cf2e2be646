"""The city edits its work calendar and time limits; new deadlines follow them."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from api import clock
from api.domains.events.models import CalendarDay, DeadlineRule, Event
from api.flows.calendar import LOCAL
from tests import factories
from tests.events.helpers import REPORT, report_input, run
from tests.factories import error_codes, gql

SET_DAY = """
mutation($day: Date!, $work: Boolean!, $name: String!) {
  setCalendarDay(day: $day, isWorkday: $work, name: $name) {
    __typename ... on CalendarDayPayload { day { day isWorkday name } } ... on Error { code field }
  }
}"""
SET_RULE = """
mutation($category: String, $amount: Int!, $unit: DeadlineUnit!, $share: Float!) {
  setDeadlineRule(categoryKey: $category, stage: FILE, amount: $amount, unit: $unit, reminderShare: $share) {
    __typename ... on DeadlineRulePayload { rule { categoryKey amount unit } } ... on Error { code field }
  }
}"""


async def test_a_holiday_and_a_category_rule_shape_new_deadlines(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    # Monday 09:00 China time; the Monday is declared a holiday
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=LOCAL)
    clock.move(monday - clock.now())
    _, admin = await factories.signed_in("admin", "4106")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")

    day = await gql(
        client, SET_DAY, {"day": "2026-11-30", "work": False, "name": "演练假日"}, token=admin
    )
    rule = await gql(
        client,
        SET_RULE,
        {"category": "city.0502", "amount": 1, "unit": "WORKING_DAYS", "share": 0.5},
        token=admin,
    )
    reported = await run(client, REPORT, worker, input=report_input(categoryKey="city.0502"))

    assert day["data"]["setCalendarDay"]["day"] == {
        "day": "2026-11-30",
        "isWorkday": False,
        "name": "演练假日",
    }
    assert rule["data"]["setDeadlineRule"]["rule"] == {
        "categoryKey": "city.0502",
        "amount": 1,
        "unit": "WORKING_DAYS",
    }
    event = await Event.get(id=reported["event"]["uuid"])
    # reported on a holiday: the clock starts on Tuesday's opening, one working day → Wednesday
    assert event.due_at.astimezone(LOCAL) == datetime(2026, 12, 2, 8, 30, tzinfo=LOCAL)
    # half a working day (3 h 45 min) after Tuesday's opening: 08:30 + 3:30 to noon, + 0:15
    assert event.remind_at.astimezone(LOCAL) == datetime(2026, 12, 1, 13, 45, tzinfo=LOCAL)


async def test_only_a_city_admin_edits_them(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, district_admin = await factories.signed_in("admin", "410611")
    _, command = await factories.signed_in("city_command", "4106")

    by_district = await gql(
        client, SET_DAY, {"day": "2026-12-01", "work": False, "name": "x"}, token=district_admin
    )
    by_command = await gql(
        client,
        SET_RULE,
        {"category": None, "amount": 1, "unit": "WORKING_DAYS", "share": 0.5},
        token=command,
    )

    assert error_codes(by_district) == ["FORBIDDEN"]
    assert error_codes(by_command) == ["FORBIDDEN"]
    assert await CalendarDay.all().count() == 0


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"category": None, "amount": 0, "unit": "WORKING_DAYS", "share": 0.5}, "amount"),
        ({"category": None, "amount": 2, "unit": "WORKING_DAYS", "share": 1.2}, "reminderShare"),
        (
            {"category": "city.9999", "amount": 2, "unit": "WORKING_DAYS", "share": 0.5},
            "categoryKey",
        ),
    ],
)
async def test_bad_rules_are_refused_and_change_nothing(
    client: httpx.AsyncClient, variables: dict, field: str
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    before = [(r.amount, r.reminder_share) for r in await DeadlineRule.all().order_by("id")]

    body = await gql(client, SET_RULE, variables, token=admin)

    assert body["data"]["setDeadlineRule"]["field"] == field
    assert [(r.amount, r.reminder_share) for r in await DeadlineRule.all().order_by("id")] == before
