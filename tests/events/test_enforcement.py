"""Deadline enforcement: one reminder, one yellow card, one red card, one escalation per event."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from tortoise import connections

from api import clock
from api.domains.events.deadlines import LOCAL
from api.domains.events.enforcement import sweep
from api.domains.events.models import CardRecord, Event, TimelineEntry
from api.domains.notices.models import Notice
from api.settings import Settings
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


async def test_a_worker_killed_mid_sweep_leaves_nothing_to_do_twice(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    """A real worker process, SIGKILLed while it enforces; a second run finishes the job and no
    event gets anything twice."""
    ids = await _events(client, 3)
    await _many_overdue(600)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "GRIDGOV_SECRET_KEY": settings.secret_key(),
        "GRIDGOV_ENV": "test",
    }
    # the worker runs on the real clock: make the events overdue in real time instead
    await Event.all().update(
        remind_at=datetime.now(UTC) - timedelta(hours=3),
        due_at=datetime.now(UTC) - timedelta(hours=2),
        red_at=datetime.now(UTC) - timedelta(hours=1),
    )
    log = (tmp_path / "worker.log").open("wb")
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "worker", env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(600):  # until it is part-way through (start-up takes a few seconds)
            await asyncio.sleep(0.05)
            if await CardRecord.all().count() > 30:
                break
        worker.send_signal(signal.SIGKILL)
        await asyncio.wait_for(worker.wait(), timeout=10)
    finally:
        if worker.returncode is None:
            worker.kill()
    done_before = await CardRecord.filter(card="red").count()
    clock.reset()

    await sweep()

    total = await Event.all().count()
    assert 0 < done_before < total, (tmp_path / "worker.log").read_text()[-2000:]
    assert await CardRecord.filter(card="yellow").count() == total
    assert await CardRecord.filter(card="red").count() == total
    assert await TimelineEntry.filter(action="escalate").count() == total
    for event_id in ids:
        assert await _actions(event_id) == ["report", "yellow_card", "red_card", "escalate"]


async def _many_overdue(count: int) -> None:
    """`count` more open events in the grid, straight in SQL (the sweep's workload)."""
    connection = connections.get("default")
    await connection.execute_script(
        f"""
        INSERT INTO events (id, case_number, title, description, category_key, source, priority,
            status, region_code, city_code, district_code, township_code, community_code,
            handling_region_code, handling_level, due_by_stage, card, stage,
            rework_count, escalation_count, warning_level, version, reported_at, updated_at)
        SELECT gen_random_uuid(), 'LOAD-' || i, 'load ' || i, '', 'city.0502', 'grid_patrol', 'normal',
            'reported', '410611001001001', '4106', '410611', '410611001', '410611001001',
            '410611001001001', 'grid', '{{}}', 'none', 'file', 0, 0, 0, 1, now(), now()
        FROM generate_series(1, {count}) AS i;
        """
    )
