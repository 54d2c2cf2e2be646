"""Deadline enforcement: one reminder, one yellow card, one red card, one escalation per event."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx

from api import clock
from api.domains.events.deadlines import LOCAL
from api.domains.events.enforcement import sweep
from api.domains.events.models import CardRecord, Event, TimelineEntry
from api.domains.notices.models import Notice
from tests import factories
from tests.events.helpers import REPORT, report_input, run
from workers.events import enforce_deadlines

MONDAY_0900 = datetime(2026, 11, 30, 9, 0, tzinfo=LOCAL)


async def _events(client: httpx.AsyncClient, count: int) -> list[str]:
    clock.move(MONDAY_0900 - clock.now())
    await factories.region_tree()
    await factories.user("grid_leader", "410611001001001")
    await factories.user("community_staff", "410611001001")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    return [
        (await run(client, REPORT, worker, input=report_input(title=f"e{i}")))["event"]["uuid"]
        for i in range(count)
    ]


def _at(hour: int, minute: int) -> None:
    clock.move(datetime(2026, 11, 30, hour, minute, tzinfo=LOCAL) - clock.now())


async def _actions(event_id: str) -> list[str]:
    return list(
        await TimelineEntry.filter(event_id=event_id)
        .order_by("id")
        .values_list("action", flat=True)
    )


async def test_each_stage_happens_once_per_event(client: httpx.AsyncClient) -> None:
    ids = await _events(
        client, 3
    )  # filing limit: 2 working hours → remind 10:36, due 11:00, red 12:00

    _at(10, 40)
    first = await enforce_deadlines({})
    again = await enforce_deadlines({})
    _at(11, 5)
    yellow = await sweep()
    _at(13, 35)
    red = await sweep()
    after = await sweep()

    assert first == {"reminders": 3, "yellow_cards": 0, "red_cards": 0, "escalations": 0}
    assert again == {"reminders": 0, "yellow_cards": 0, "red_cards": 0, "escalations": 0}
    assert (yellow.yellow_cards, yellow.red_cards) == (3, 0)
    assert (red.red_cards, red.escalations) == (3, 3)
    assert (after.reminders, after.yellow_cards, after.red_cards, after.escalations) == (0, 0, 0, 0)
    for event_id in ids:
        assert await _actions(event_id) == [
            "report",
            "remind",
            "yellow_card",
            "red_card",
            "escalate",
        ]
        event = await Event.get(id=event_id)
        assert event.card == "red" and event.handling_region_code == "410611001001"
        assert event.warning_level == 0 and event.due_at > clock.now()  # the community's clock runs
    assert await CardRecord.all().count() == 6
    assert await Notice.filter(kind="supervision").count() == 3  # the community staff, per event


async def test_two_workers_sweeping_at_once_do_everything_once(client: httpx.AsyncClient) -> None:
    ids = await _events(client, 8)
    _at(13, 35)  # everything at once: yellow, red and escalation due together

    results = await asyncio.gather(sweep(batch=3), sweep(batch=3), sweep(batch=5))

    assert sum(r.yellow_cards for r in results) == 8
    assert sum(r.red_cards for r in results) == 8
    assert sum(r.escalations for r in results) == 8
    for event_id in ids:
        assert await _actions(event_id) == ["report", "yellow_card", "red_card", "escalate"]
