"""A report is written by one statement against reference data cached in the process (category,
time limit, calendar); whatever changes in that data, or in the region, counts from the next
report on, in every process: the statement checks the cached copy and the region itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from api import clock
from api.domains.events.models import CaseCounter, Category, Event, TimelineEntry
from api.flows.calendar import LOCAL
from api.outbox import OutboxMessage
from tests import factories
from tests.events.helpers import REPORT, report_input, run
from tests.factories import gql

GRID = "410611001001001"
SET_DAY = """
mutation($day: Date!, $work: Boolean!) {
  setCalendarDay(day: $day, isWorkday: $work, name: "假日") { __typename }
}"""
SET_RULE = """
mutation($amount: Int!) {
  setDeadlineRule(categoryKey: "city.0601", stage: FILE, amount: $amount, unit: WORKING_HOURS,
                  reminderShare: 0.5) { __typename }
}"""
DEACTIVATE = "mutation($code: String!) { deactivateRegion(code: $code) { __typename } }"
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=LOCAL)
MONDAY = datetime(2026, 12, 7, tzinfo=LOCAL)


async def _at_saturday() -> tuple[str, str]:
    """(grid worker, city admin) tokens, the clock on a Saturday morning: a report's first
    deadline is then Monday 10:30 whenever in the test it is made (2 working hours from 08:30)."""
    clock.move(SATURDAY - clock.now())
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, admin = await factories.signed_in("admin", "4106")
    return worker, admin


async def _reported_twice(client: httpx.AsyncClient, worker: str) -> list[dict[str, Any]]:
    """Two reports: whatever an earlier test left cached, the second is made from a fresh copy."""
    return [await run(client, REPORT, worker, input=report_input()) for _ in range(2)]


async def _written(event_id: str) -> dict[str, Any]:
    """What a report wrote, less what differs from one report to the next."""
    event = await Event.get(id=event_id)
    steps = await TimelineEntry.filter(event_id=event_id).order_by("id")
    changes = [
        change
        for change in await OutboxMessage.filter(topic="event").order_by("id")
        if change.payload["event"]["id"] == event_id
    ]
    assert [change.payload["event"]["case_number"] for change in changes] == [event.case_number]
    row = {
        name: getattr(event, name)
        for name in event._meta.fields_db_projection
        if name not in {"id", "case_number", "reported_at", "stage_started_at", "updated_at"}
    }
    timeline = [
        {
            name: getattr(step, name)
            for name in step._meta.fields_db_projection
            if name not in {"id", "event_id", "at"}
        }
        for step in steps
    ]
    payload = dict(changes[0].payload)
    payload["event"] = {
        key: value for key, value in payload["event"].items() if key not in {"id", "case_number"}
    }
    del payload["at"]
    return {"event": row, "timeline": timeline, "outbox": payload, "region": changes[0].region_code}


async def test_reports_write_alike_whether_the_cached_terms_hold_or_not(
    client: httpx.AsyncClient,
) -> None:
    worker, admin = await _at_saturday()

    first = await run(client, REPORT, worker, input=report_input())
    # A holiday far ahead changes the calendar (so the cached copy no longer matches and the
    # next report is written step by step) without moving a Monday deadline.
    await gql(client, SET_DAY, {"day": "2027-06-01", "work": False}, token=admin)
    second = await run(client, REPORT, worker, input=report_input())
    third = await run(client, REPORT, worker, input=report_input())

    written = [await _written(r["event"]["uuid"]) for r in (first, second, third)]
    assert written[0] == written[1] == written[2]
    assert written[0]["event"]["due_at"] == MONDAY.replace(hour=10, minute=30)
    assert written[0]["event"]["remind_at"] == MONDAY.replace(hour=10, minute=6)
    assert written[0]["event"]["red_at"] == MONDAY.replace(hour=11, minute=30)
    assert [step["action"] for step in written[0]["timeline"]] == ["report"]
    assert written[0]["timeline"][0]["seconds_spent"] is None
    assert written[0]["outbox"]["action"] == "report"
    # no number is lost when the statement declines and the steps write the report instead
    assert [r["event"]["caseNumber"][-5:] for r in (first, second, third)] == [
        "00001",
        "00002",
        "00003",
    ]


async def test_a_category_disabled_after_use_is_refused_from_the_next_report(
    client: httpx.AsyncClient,
) -> None:
    worker, _ = await _at_saturday()
    await _reported_twice(client, worker)

    await Category.filter(key="city.0601").update(is_active=False)
    refused = await run(client, REPORT, worker, input=report_input())

    assert (refused["__typename"], refused["field"]) == ("ValidationError", "categoryKey")
    assert await Event.all().count() == 2
    assert [c.last_number for c in await CaseCounter.all()] == [2]


async def test_a_region_deactivated_after_use_is_refused_from_the_next_report(
    client: httpx.AsyncClient,
) -> None:
    worker, admin = await _at_saturday()
    await _reported_twice(client, worker)

    deactivated = await gql(client, DEACTIVATE, {"code": GRID}, token=admin)
    refused = await run(client, REPORT, worker, input=report_input())

    assert deactivated["data"]["deactivateRegion"]["__typename"] == "RegionPayload"
    assert (refused["__typename"], refused["field"]) == ("NotFoundError", "regionCode")
    assert await Event.all().count() == 2


async def test_a_new_holiday_or_limit_counts_from_the_next_report(
    client: httpx.AsyncClient,
) -> None:
    worker, admin = await _at_saturday()
    _, before = await _reported_twice(client, worker)

    await gql(client, SET_DAY, {"day": "2026-12-07", "work": False}, token=admin)
    after_holiday = await run(client, REPORT, worker, input=report_input())
    await gql(client, SET_RULE, {"amount": 4}, token=admin)
    after_rule = await run(client, REPORT, worker, input=report_input())

    due = [
        (await Event.get(id=r["event"]["uuid"])).due_at.astimezone(LOCAL)
        for r in (before, after_holiday, after_rule)
    ]
    tuesday = MONDAY.replace(day=8)
    assert due == [
        MONDAY.replace(hour=10, minute=30),
        tuesday.replace(hour=10, minute=30),
        tuesday.replace(hour=14, minute=0),
    ]


async def test_a_retried_report_is_the_same_event(client: httpx.AsyncClient) -> None:
    worker, _ = await _at_saturday()
    await _reported_twice(client, worker)
    chosen = "0b4f5a52-3c6e-4f3e-9a51-0c1a2b3c4d5e"

    first = await run(client, REPORT, worker, input=report_input(id=chosen))
    retried = await run(client, REPORT, worker, input=report_input(id=chosen))

    assert first["event"] == retried["event"]
    assert first["event"]["uuid"] == chosen
    assert await Event.filter(id=chosen).count() == 1
    assert await TimelineEntry.filter(event_id=chosen).count() == 1
    assert [c.last_number for c in await CaseCounter.all()] == [3]
