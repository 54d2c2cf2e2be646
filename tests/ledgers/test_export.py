"""A ledger exported as XLSX by the worker job: a worker that dies mid-way leaves the export
retryable and offers no file, the next try writes it whole, only the requester downloads it
(for a day), and its progress arrives on the live feed."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from redis.asyncio import Redis

from api import clock
from api.domains.accounts.models import User
from api.domains.ledgers import service
from api.settings import get_settings
from tests import factories
from tests.factories import gql
from tests.ledgers.helpers import (
    EXPORT,
    EXPORT_STATE,
    OTHER_COMMUNITY_GRID,
    grid_events,
    variables,
)
from tests.realtime.conftest import two_apis  # noqa: F401 - the fixture, shared
from tests.realtime.servers import ApiProcess, Feed
from workers.ledgers import export_event_ledger, requeue_ledger_exports


class WorkerDied(Exception):
    """Stands for the worker process being killed while writing."""


def first(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_an_export_survives_a_dead_worker_and_is_the_requesters_alone(
    client: httpx.AsyncClient, db: None, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = await grid_events(client)
    staff = tokens["staff"]
    asked = first(await gql(client, EXPORT, variables("DISPUTES"), token=staff))
    export_id = asked["export"]["id"]
    assert asked["export"]["state"] == "QUEUED" and asked["export"]["downloadUrl"] is None
    outside = first(
        await gql(client, EXPORT, variables("DISPUTES", region=OTHER_COMMUNITY_GRID), token=staff)
    )
    assert outside["__typename"] == "ValidationError" and outside["code"] == "OUTSIDE_AREA"
    backwards = first(
        await gql(
            client,
            EXPORT,
            {**variables("DISPUTES"), "from": "2026-12-31", "to": "2026-01-01"},
            token=staff,
        )
    )
    assert backwards["__typename"] == "ValidationError" and backwards["field"] == "to"

    # an export whose enqueue was lost is queued again by the worker's cron, under its job id
    assert await service.requeue_stale(redis) == 0
    clock.move(timedelta(minutes=3))
    assert await requeue_ledger_exports({"redis": redis}) == 1

    # the worker dies after the first row's batch
    written: list[Any] = []
    cells = service.cells

    def dying(entry: Any, labels: Any) -> list[Any]:
        if written:
            raise WorkerDied
        written.append(entry)
        return cells(entry, labels)

    monkeypatch.setattr(service, "BATCH", 1)
    monkeypatch.setattr(service, "cells", dying)
    with pytest.raises(WorkerDied):
        await export_event_ledger({"job_try": 1}, export_id)
    progress = first(await gql(client, EXPORT_STATE, {"id": export_id}, token=staff))
    assert progress["state"] == "RUNNING" and progress["downloadUrl"] is None
    assert progress["rowsTotal"] == 2
    url = f"/exports/event-ledger/{export_id}"
    early = await client.get(url, headers={"Authorization": f"Bearer {staff}"})
    assert early.status_code == 404
    assert list(get_settings().attachment_dir.glob(".export-*")) == []

    monkeypatch.setattr(service, "cells", cells)
    assert await export_event_ledger({"job_try": 2}, export_id) == "done"
    assert await export_event_ledger({"job_try": 3}, export_id) == "done"  # a rerun: nothing
    done = first(await gql(client, EXPORT_STATE, {"id": export_id}, token=staff))
    assert done["state"] == "DONE" and done["rowsWritten"] == 2 and done["downloadUrl"] == url
    assert done["filename"].startswith("矛盾纠纷排查台账-")

    download = await client.get(url, headers={"Authorization": f"Bearer {staff}"})
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(download.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("类别分组", "事件类别", "案卷编号") and len(rows) == 3
    assert {row[7] for row in rows[1:]} == {"已上报", "已结案"}
    # a title that would run as a formula is written as text
    assert "'=HYPERLINK(1) 宅基地纠纷" in {row[6] for row in rows[1:]}

    others = await client.get(url, headers={"Authorization": f"Bearer {tokens['worker']}"})
    nobody = await client.get(url)
    unknown = await client.get(
        f"/exports/event-ledger/{uuid.uuid4()}", headers={"Authorization": f"Bearer {staff}"}
    )
    assert (others.status_code, nobody.status_code, unknown.status_code) == (404, 401, 404)
    assert first(await gql(client, EXPORT_STATE, {"id": export_id}, token=tokens["leader"])) is None

    clock.move(timedelta(days=2))  # the link lapses after a day (signed in afresh, the same)
    again = await factories.token_for(await User.get(username="ledger.staff"))
    lapsed = await client.get(url, headers={"Authorization": f"Bearer {again}"})
    assert lapsed.status_code == 404


PROGRESS = """
subscription($id: ID!, $after: Int) {
  eventLedgerExportProgress(exportId: $id, after: $after) {
    sequence exportId state rowsTotal rowsWritten at
  }
}"""


async def test_progress_arrives_live_and_the_feed_ends_with_the_export(
    client: httpx.AsyncClient,
    db: None,
    two_apis: tuple[ApiProcess, ApiProcess],  # noqa: F811
) -> None:
    tokens = await grid_events(client)
    asked = first(await gql(client, EXPORT, variables("PUBLIC_OPINION"), token=tokens["staff"]))
    export_id = asked["export"]["id"]

    stranger = Feed(two_apis[0].ws, tokens["worker"])  # not theirs: not found
    await stranger.open(PROGRESS, {"id": export_id})
    refused = await stranger.next(timeout=15)
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND", refused
    await stranger.close()

    feed = Feed(two_apis[1].ws, tokens["staff"])
    await feed.open(PROGRESS, {"id": export_id})
    queued = await feed.next(timeout=15)
    assert queued["payload"]["data"]["eventLedgerExportProgress"]["state"] == "QUEUED", queued
    await service.run(uuid.UUID(export_id))
    received = []
    while True:
        message = await feed.next(timeout=15)
        if message["type"] == "complete":
            break
        received.append(message["payload"]["data"]["eventLedgerExportProgress"])
    assert received[0]["state"] == "RUNNING" and received[0]["rowsTotal"] == 2
    assert received[-1]["state"] == "DONE" and received[-1]["rowsWritten"] == 2
    assert all(m["exportId"] == export_id for m in received)
    await feed.close()
