"""Every subscription in graphql_examples/ receives a message from a real server."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import pytest

from api import clock
from api.domains.imports import pipeline
from api.settings import Settings
from tests import factories
from tests.announcements.helpers import PUBLISH, notice_input
from tests.emergencies.helpers import OPEN as OPEN_INCIDENT
from tests.emergencies.helpers import phone_report
from tests.events.helpers import REPORT, SUPERVISE, report_input, run
from tests.imports.helpers import csv_bytes, queued_job
from tests.realtime.servers import ApiProcess, Feed
from tests.test_graphql_examples import ALL_FILES, EXAMPLES, header

SUBSCRIPTIONS = [path for path in ALL_FILES if path.name.endswith(".subscription.graphql")]


@pytest.mark.parametrize(
    "path", SUBSCRIPTIONS, ids=[str(p.relative_to(EXAMPLES)) for p in SUBSCRIPTIONS]
)
async def test_subscription_example_receives(
    db: None,
    two_apis: tuple[ApiProcess, ApiProcess],
    path: Path,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "gridgov_import_dir", tmp_path / "imports")
    first, second = two_apis
    text = path.read_text(encoding="utf-8")
    meta = header(text)
    await factories.region_tree()
    role, _, region = meta["as"].partition("@")
    _, token = await factories.signed_in(role, region)
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    raw_variables = meta.get("variables", "{}")
    if meta["trigger"] == "import":  # the job to follow must exist before subscribing
        await factories.user("admin", "4106", username="admin.city")
        job_id = await queued_job(
            "admin.city", csv_bytes([["code", "name"], ["410611001001002", "第2网格"]])
        )
        raw_variables = raw_variables.replace("<import_job_id>", job_id)
    feed = Feed(second.ws, token)
    await feed.open(text, json.loads(raw_variables))
    await asyncio.sleep(0.3)

    async with httpx.AsyncClient(base_url=first.http) as http:
        if meta["trigger"] == "event":
            await run(http, REPORT, worker, input=report_input())
        elif meta["trigger"] == "position":
            body = {
                "query": "mutation($at: DateTime!) { reportPosition(lat: 35.74, lng: 114.3, accuracy: 5, at: $at) { __typename } }",
                "variables": {"at": clock.now().isoformat()},
            }
            await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {worker}"})
        elif meta["trigger"] == "supervision":
            # the subscriber is the grid's leader: file an event there, then a leader supervises it
            event_id = (await run(http, REPORT, worker, input=report_input()))["event"]["uuid"]
            _, leader = await factories.signed_in("leader", "410611")
            await run(http, SUPERVISE, leader, id=event_id, note="请加快")
        elif meta["trigger"] == "import":
            await pipeline.run(uuid.UUID(job_id))
        elif meta["trigger"] == "emergency":
            _, centre = await factories.signed_in("district_command", "410611")
            await run(http, OPEN_INCIDENT, centre, input=phone_report())
        elif meta["trigger"] == "announcement":
            # the subscriber is a grid worker of 淇滨区: the district publishes to all of them
            _, centre = await factories.signed_in("district_command", "410611")
            published = await run(http, PUBLISH, centre, input=notice_input())
            assert published["__typename"] == "PublishNoticePayload", published
        else:
            raise AssertionError(f"unknown trigger {meta['trigger']}")

    message = await feed.next(timeout=15)
    assert message["type"] == "next" and "errors" not in message["payload"], message
    assert all(value is not None for value in message["payload"]["data"].values())
    if meta["trigger"] == "announcement":
        notice = message["payload"]["data"]["notices"]
        assert (notice["kind"], notice["title"]) == ("announcement", notice_input()["title"])
    await feed.close()
