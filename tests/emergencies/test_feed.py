"""The `emergencies` feed as a command centre's screen reads it: typed snapshots of the incident
and of its tasks, the shared sweep's cards included; another district's centre may not follow it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.flows import sweep
from tests import factories
from tests.emergencies.helpers import (
    ACTIVATE,
    FEED,
    OPEN,
    SAVE_PLAN,
    call,
    city,
    phone_report,
    plan_input,
)
from tests.realtime.conftest import two_apis  # noqa: F401 - two API processes, as the realtime tests use
from tests.realtime.servers import ApiProcess, Feed
from workers.events import SWEPT


async def test_the_city_feed_shows_incidents_tasks_and_cards(
    db: None,
    two_apis: tuple[ApiProcess, ApiProcess],  # noqa: F811
) -> None:
    first, second = two_apis
    assert {flow.name for flow in SWEPT} >= {"emergency", "emergency_task"}  # as the worker sweeps
    people = await city()
    feed = Feed(second.ws, people.city)
    await feed.open(FEED, {"scope": "4106"})
    await asyncio.sleep(0.3)  # live on the second process

    async with httpx.AsyncClient(base_url=first.http, timeout=30) as http:
        plan = (await call(http, SAVE_PLAN, people.district, input=plan_input(people)))["plan"]
        incident = (await call(http, OPEN, people.township, input=phone_report()))["incident"]
        await call(
            http,
            ACTIVATE,
            people.district,
            id=incident["id"],
            plan=plan["id"],
            level="III",
            commander=str(people.commander.id),
        )
    clock.move(timedelta(hours=3))
    try:
        swept = await sweep()
    finally:
        clock.move(-timedelta(hours=3))

    assert (swept.yellow_cards, swept.red_cards) == (2, 2), swept
    changes: list[dict[str, Any]] = []
    for _ in range(8):
        try:
            message = await feed.next(timeout=15)
        except TimeoutError:
            raise AssertionError(changes) from None
        assert message["type"] == "next" and "errors" not in message["payload"], message
        changes.append(message["payload"]["data"]["emergencies"])
    await feed.close()

    assert [c["action"] for c in changes[:4]] == ["open", "activate", "assign", "assign"]
    assert changes[0]["incident"] == {
        "number": incident["number"],
        "status": "VERIFYING",
        "level": None,
    }
    assert changes[1]["incident"]["level"] == "III" and changes[1]["task"] is None
    assert {c["task"]["title"] for c in changes[2:4]} == {"交通管制", "现场救援"}
    cards = sorted((c["task"]["title"], c["action"], c["task"]["card"]) for c in changes[4:])
    assert cards == [
        ("交通管制", "red_card", "RED"),
        ("交通管制", "yellow_card", "YELLOW"),
        ("现场救援", "red_card", "RED"),
        ("现场救援", "yellow_card", "YELLOW"),
    ]
    assert all(c["incident"] is None for c in changes[2:])


async def test_another_districts_centre_may_not_follow_this_one(
    db: None,
    two_apis: tuple[ApiProcess, ApiProcess],  # noqa: F811
) -> None:
    await factories.region_tree()
    _, other = await factories.signed_in("district_command", "410602")
    feed = Feed(two_apis[0].ws, other)
    await feed.open(FEED, {"scope": "410611"})

    refused = await feed.next()
    await feed.close()

    assert refused["type"] == "next" and refused["payload"]["data"] is None, refused
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
