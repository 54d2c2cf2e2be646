"""Deadline enforcement: one reminder, one yellow card, one red card, one escalation per event."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from tortoise import connections

from api import clock, i18n
from api.domains.events.enforcement import BATCH, SYSTEM, sweep
from api.domains.events.enums import Action
from api.domains.events.models import CardRecord, Event, TimelineEntry
from api.domains.events.service import change_payload
from api.domains.notices.models import Notice
from api.flows.calendar import LOCAL
from api.outbox import OutboxMessage
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
    # Many batches, each its own transaction: the kill lands between two.
    await _many_overdue(10 * BATCH)
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


async def _mixed_backlog(client: httpx.AsyncClient, count: int) -> dict[str, list[str]]:
    """`count` reported events in the grid (a multiple of 3): a third only at their reminder, a
    third at their yellow card and assigned to a department of two, a third past the red
    threshold and assigned to a worker. The grid leader holds them; the community staff is
    the centre above."""
    await _events(client, 0)
    department = await factories.department()
    for _ in range(2):
        await factories.user("department_staff", "410611", department_id=department.id)
    worker = await factories.user("grid_worker", "410611001001001")
    await _many_overdue(count)
    ids = [str(i) for i in await Event.all().order_by("case_number").values_list("id", flat=True)]
    third = count // 3
    groups = {"reminder": ids[:third], "yellow": ids[third : 2 * third], "red": ids[2 * third :]}
    now, hour = clock.now(), timedelta(hours=1)
    await Event.filter(id__in=groups["reminder"]).update(
        remind_at=now - hour, due_at=now + hour, red_at=now + 2 * hour
    )
    await Event.filter(id__in=groups["yellow"]).update(
        remind_at=now - 2 * hour,
        due_at=now - hour,
        red_at=now + hour,
        assignee_department_id=department.id,
    )
    await Event.filter(id__in=groups["red"]).update(
        remind_at=now - 3 * hour,
        due_at=now - 2 * hour,
        red_at=now - hour,
        assignee_user_id=worker.id,
    )
    return groups


async def _traces() -> dict[str, int]:
    connection = connections.get("default")
    counted = {}
    for table in ("event_cards", "event_timeline", "notices", "outbox"):
        rows = await connection.execute_query_dict(f"SELECT count(*) AS n FROM {table}")
        counted[table] = rows[0]["n"]
    return counted


async def _rollup() -> list[dict[str, object]]:
    return list(
        await connections.get("default").execute_query_dict(
            "SELECT region_code, dimension, day, value, count, open_count, closed_count,"
            " yellow_count, red_count FROM event_daily_counts"
            " WHERE (count, open_count, closed_count, yellow_count, red_count) <> (0, 0, 0, 0, 0)"
            " ORDER BY region_code, dimension, day, value"
        )
    )


async def _assert_each_trace_once(groups: dict[str, list[str]], third: int) -> None:
    """Per third: reminder 1 step and a notice to the grid leader; yellow 1 card, 1 step and
    notices to the leader and the department's two; red 2 cards, yellow, red and escalation
    steps, notices to the leader and the worker per card and supervision to the community."""
    notices = {
        kind: await Notice.filter(kind=kind).count()
        for kind in ("reminder", "yellow_card", "red_card", "supervision")
    }
    assert notices == {
        "reminder": third,
        "yellow_card": 3 * third + 2 * third,
        "red_card": 2 * third,
        "supervision": third,
    }
    assert await CardRecord.filter(card="yellow").count() == 2 * third
    assert await CardRecord.filter(card="red").count() == third
    for group, actions in (
        ("reminder", ["remind"]),
        ("yellow", ["yellow_card"]),
        ("red", ["yellow_card", "red_card", "escalate"]),
    ):
        for event_id in groups[group]:
            assert await _actions(event_id) == actions
    assert await _traces() == {
        "event_cards": 3 * third,
        "event_timeline": 5 * third,
        "notices": 9 * third,
        "outbox": 9 * third + 5 * third,  # every notice pushed, every step on the event feed
    }
    levels = {
        group: set(await Event.filter(id__in=ids).values_list("warning_level", "card"))
        for group, ids in groups.items()
    }
    assert levels == {"reminder": {(1, "none")}, "yellow": {(2, "yellow")}, "red": {(0, "red")}}
    # The statistics rolled the changes up once: as a recount from the events says.
    counted = await _rollup()
    await connections.get("default").execute_query("SELECT event_daily_counts_rebuild()")
    assert counted == await _rollup()


async def test_a_large_batch_at_mixed_stages_leaves_each_trace_once(
    client: httpx.AsyncClient,
) -> None:
    groups = await _mixed_backlog(client, 300)
    before = await _traces()
    assert before == {"event_cards": 0, "event_timeline": 0, "notices": 0, "outbox": 0}

    report = await sweep(batch=BATCH)  # all 300 in one batch, one transaction
    again = await sweep(batch=BATCH)

    assert asdict(report) == {
        "reminders": 100,
        "yellow_cards": 200,
        "red_cards": 100,
        "escalations": 100,
    }
    assert asdict(again) == {"reminders": 0, "yellow_cards": 0, "red_cards": 0, "escalations": 0}
    await _assert_each_trace_once(groups, 100)
    red = await Event.get(id=groups["red"][0])
    assert (red.handling_region_code, red.status, red.version) == ("410611001001", "reported", 2)
    assert red.assignee_user_id is None and red.due_at > clock.now()
    # Subscribers get what the events service publishes: the event as it now is, and each
    # notice as stored.
    pushed = await OutboxMessage.filter(topic="event").order_by("-id").first()
    assert pushed is not None and pushed.payload["action"] == "escalate"
    escalated = await Event.get(id=pushed.payload["event"]["id"])
    assert pushed.payload == change_payload(
        escalated,
        action=Action.ESCALATE,
        actor=SYSTEM,
        at=datetime.fromisoformat(pushed.payload["at"]),
        note=i18n._("Red card overdue: reported to the level above for supervision"),
    )
    # webhooks' stable form of the note the system wrote, beside its text in the default language
    assert pushed.payload["note"] == "红牌超时，自动上报上级督办"
    assert pushed.payload["note_message"] == {
        "id": "Red card overdue: reported to the level above for supervision"
    }
    notice = await Notice.filter(kind="supervision").first()
    assert notice is not None
    message = await OutboxMessage.get(
        user_id=notice.user_id, payload__contains={"id": str(notice.id)}
    )
    assert message.payload == {
        "id": str(notice.id),
        "kind": "supervision",
        "title": notice.title,
        "body": notice.body,
        "title_msg": notice.title_msg,
        "body_msg": notice.body_msg,
        "event_id": str(notice.event_id),
        "region_code": notice.region_code,
        "created_at": notice.created_at.isoformat(),
    }


async def test_concurrent_sweeps_over_one_backlog_leave_each_trace_once(
    client: httpx.AsyncClient,
) -> None:
    groups = await _mixed_backlog(client, 300)

    results = await asyncio.gather(sweep(batch=40), sweep(batch=40), sweep(batch=70))

    assert sum(r.reminders for r in results) == 100
    assert sum(r.yellow_cards for r in results) == 200
    assert sum(r.red_cards for r in results) == 100
    assert sum(r.escalations for r in results) == 100
    await _assert_each_trace_once(groups, 100)
