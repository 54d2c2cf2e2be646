"""The hazard ledger exported as XLSX by the worker job: progress on the export, a worker that
dies mid-way leaves the export retryable and offers no file, the next try writes it whole, and
only the requester downloads it."""

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
from api.domains.care import exports
from api.flows.calendar import LOCAL
from api.settings import get_settings
from tests import factories
from tests.care.helpers import COMMUNITY, ERROR, GRID, first, house
from tests.care.test_inspections import RECORD, hazard_input, inspection_input
from tests.diaries.helpers import person
from tests.factories import gql
from workers.care import export_hazard_ledger, requeue_exports

EXPORT = (
    "mutation($r: String!, $from: Date!, $to: Date!) {"
    " exportHazardLedger(regionCode: $r, from: $from, to: $to) { __typename"
    f" ... on LedgerExportPayload {{ export {{ id state downloadUrl }} }} {ERROR} }} }}"
)
PROGRESS = (
    "query($id: ID!) { hazardLedgerExport(id: $id) {"
    " state rowsTotal rowsWritten downloadUrl filename } }"
)


class WorkerDied(Exception):
    """Stands for the worker process being killed while writing."""


async def test_an_export_survives_a_dead_worker_and_is_the_requesters_alone(
    client: httpx.AsyncClient, db: None, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    _, staff = await person("community_staff", COMMUNITY)
    _, other_staff = await person("community_staff", COMMUNITY)
    target = await house()
    recorded = first(
        await gql(
            client,
            RECORD,
            {"input": inspection_input(str(target.id), *(hazard_input(d) for d in (3, 5, 7)))},
            token=worker,
        )
    )
    assert recorded["__typename"] == "InspectionPayload"
    today = clock.now().astimezone(LOCAL).date()
    period = {"r": COMMUNITY, "from": str(today - timedelta(days=7)), "to": str(today)}

    asked = first(await gql(client, EXPORT, period, token=staff))
    export_id = asked["export"]["id"]
    assert asked["export"]["state"] == "QUEUED" and asked["export"]["downloadUrl"] is None
    outside = first(await gql(client, EXPORT, {**period, "r": "410611002"}, token=staff))
    assert outside["__typename"] == "ValidationError" and outside["code"] == "OUTSIDE_AREA"

    # an export whose enqueue was lost is queued again by the worker's cron, under its job id
    assert await exports.requeue_stale(redis) == 0
    clock.move(timedelta(minutes=3))
    assert await requeue_exports({"redis": redis}) == 1

    # the worker dies after the first row's batch
    written: list[Any] = []
    cells = exports._cells

    def dying(hazard: Any) -> list[Any]:
        if written:
            raise WorkerDied
        written.append(hazard)
        return cells(hazard)

    monkeypatch.setattr(exports, "BATCH", 1)
    monkeypatch.setattr(exports, "_cells", dying)
    with pytest.raises(WorkerDied):
        await export_hazard_ledger({"job_try": 1}, export_id)
    progress = first(await gql(client, PROGRESS, {"id": export_id}, token=staff))
    assert progress["state"] == "RUNNING" and progress["downloadUrl"] is None
    assert progress["rowsTotal"] == 3 and progress["rowsWritten"] == 1
    url = f"/exports/hazard-ledger/{export_id}"
    early = await client.get(url, headers={"Authorization": f"Bearer {staff}"})
    assert early.status_code == 404
    leftovers = list(get_settings().attachment_dir.glob(".export-*"))
    assert leftovers == []

    monkeypatch.setattr(exports, "_cells", cells)
    assert await export_hazard_ledger({"job_try": 2}, export_id) == "done"
    assert await export_hazard_ledger({"job_try": 3}, export_id) == "done"  # a rerun: nothing
    done = first(await gql(client, PROGRESS, {"id": export_id}, token=staff))
    assert done["state"] == "DONE" and done["rowsWritten"] == 3 and done["downloadUrl"] == url

    download = await client.get(url, headers={"Authorization": f"Bearer {staff}"})
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(download.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "发现时间" and len(rows) == 4
    assert {row[7] for row in rows[1:]} == {"整改中"}

    others = await client.get(url, headers={"Authorization": f"Bearer {other_staff}"})
    nobody = await client.get(url)
    unknown = await client.get(
        f"/exports/hazard-ledger/{uuid.uuid4()}", headers={"Authorization": f"Bearer {staff}"}
    )
    assert (others.status_code, nobody.status_code, unknown.status_code) == (404, 401, 404)
    assert first(await gql(client, PROGRESS, {"id": export_id}, token=other_staff)) is None

    clock.move(timedelta(days=2))  # the link lapses after a day
    lapsed = await client.get(url, headers={"Authorization": f"Bearer {staff}"})
    assert lapsed.status_code == 404
