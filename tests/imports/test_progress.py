"""Import progress through the outbox to the importProgress subscription of a real server."""

from __future__ import annotations

import uuid

from api.domains.imports import pipeline
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, queued_job
from tests.realtime.conftest import two_apis  # noqa: F401 - the fixture, shared
from tests.realtime.servers import ApiProcess, Feed

PROGRESS = """
subscription($jobId: ID!, $after: Int) {
  importProgress(jobId: $jobId, after: $after) {
    sequence jobId state rowsRead rowsValid rowsFailed rowsInserted rowsUpdated rowsUnchanged at
  }
}"""
ROWS = [["code", "name"], *[[f"410611001001{n:03d}", f"第{n}网格"] for n in range(2, 60)]]


async def _messages(feed: Feed) -> list[dict]:
    received = []
    while True:
        message = await feed.next(timeout=15)
        if message["type"] == "complete":
            return received
        assert message["type"] == "next" and "errors" not in message["payload"], message
        received.append(message["payload"]["data"]["importProgress"])


async def test_progress_arrives_live_and_the_feed_ends_with_the_job(
    db: None,
    import_settings: Settings,
    two_apis: tuple[ApiProcess, ApiProcess],  # noqa: F811
) -> None:
    await factories.region_tree()
    admin = await factories.user("admin", "410611", username="importer")
    token = await factories.token_for(admin)
    job_id = await queued_job("importer", csv_bytes([*ROWS, ["410602001001002", "外区"]]))
    feed = Feed(two_apis[1].ws, token)
    await feed.open(PROGRESS, {"jobId": job_id})
    first = await feed.next(timeout=15)  # the replayed "queued" message: subscribed
    assert first["payload"]["data"]["importProgress"]["state"] == "QUEUED", first

    await pipeline.run(uuid.UUID(job_id))
    rest = await _messages(feed)

    assert rest[0]["state"] == "RUNNING"
    last = rest[-1]
    assert last["state"] == "COMPLETED"
    # 410611001001010 is in the tree already; 410602… lies outside the import's region
    assert (last["rowsRead"], last["rowsInserted"], last["rowsUpdated"], last["rowsFailed"]) == (
        59,
        57,
        1,
        1,
    )
    assert all(m["jobId"] == job_id for m in rest)
    sequences = [first["payload"]["data"]["importProgress"]["sequence"]] + [
        m["sequence"] for m in rest
    ]
    assert sequences == sorted(set(sequences))
    await feed.close()

    # resuming after the first message replays the rest, then ends: the job is done
    again = Feed(two_apis[0].ws, token)
    await again.open(PROGRESS, {"jobId": job_id, "after": sequences[0]})
    assert [m["sequence"] for m in await _messages(again)] == sequences[1:]
    await again.close()


async def test_another_regions_job_is_not_found(
    db: None,
    import_settings: Settings,
    two_apis: tuple[ApiProcess, ApiProcess],  # noqa: F811
) -> None:
    await factories.region_tree()
    await factories.user("admin", "410611", username="importer")
    _, stranger = await factories.signed_in("admin", "410602")
    job_id = await queued_job("importer", csv_bytes(ROWS))

    feed = Feed(two_apis[0].ws, stranger)
    await feed.open(PROGRESS, {"jobId": job_id})
    message = await feed.next(timeout=15)

    assert message["type"] == "next" and message["payload"]["data"] is None, message
    assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    await feed.close()
