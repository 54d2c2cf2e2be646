"""A Redis restart mid-stream: the feed ends with an error, a resume loses nothing.

Its own Redis and its own two API processes (in a module of its own, so that no other API process
of the test run holds the relay lock while publishing to a different Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from tests import factories
from tests.realtime.conftest import api_env
from tests.realtime.servers import ApiProcess, Feed, RedisProcess, free_port, start_api
from tests.realtime.test_event_feed import CHANGES, _change, _report


async def test_a_redis_restart_ends_the_feed_and_a_resume_loses_nothing(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    redis = RedisProcess(free_port(), tmp_path)
    redis.start()
    first = start_api(api_env(settings, redis.url), tmp_path)
    second = start_api(api_env(settings, redis.url), tmp_path)
    try:
        await factories.region_tree()
        _, township = await factories.signed_in("township_centre", "410611001")
        _, worker = await factories.signed_in("grid_worker", "410611001001001")
        feed = Feed(second.ws, township)
        await feed.open(CHANGES, {"scope": "410611001"})
        await asyncio.sleep(0.3)
        reported = [(await _report(first, worker, title="before"))["uuid"]]
        delivered = [_change(await feed.next())]

        redis.stop()
        ended = await feed.next(timeout=15)
        assert ended["type"] in {"next", "error"}, ended
        errors = ended["payload"]["errors"] if ended["type"] == "next" else ended["payload"]
        assert errors[0]["extensions"]["code"] == "FEED_INTERRUPTED", errors
        await feed.close()
        reported += [
            (await _report(first, worker, title=f"during outage {i}"))["uuid"] for i in range(2)
        ]

        redis.start()
        await _wait_ready(second)
        resumed = Feed(second.ws, township)
        await resumed.open(CHANGES, {"scope": "410611001", "after": delivered[-1]["sequence"]})
        delivered += [_change(await resumed.next(timeout=15)) for _ in range(2)]
        reported.append((await _report(first, worker, title="after"))["uuid"])
        delivered.append(_change(await resumed.next(timeout=15)))
        with pytest.raises(TimeoutError):
            await resumed.next(timeout=0.5)
        await resumed.close()

        assert [c["event"]["uuid"] for c in delivered] == reported
        sequences = [c["sequence"] for c in delivered]
        assert sequences == sorted(set(sequences))
    finally:
        first.stop()
        second.stop()
        redis.stop()


async def _wait_ready(api: ApiProcess) -> None:
    """Until the process's live feed has reconnected (a subscription is accepted)."""
    async with httpx.AsyncClient(base_url=api.http) as http:
        for _ in range(100):
            if (await http.get("/readyz")).status_code == 200:
                await asyncio.sleep(1.5)  # the hub's watchdog reconnects within its backoff
                return
            await asyncio.sleep(0.2)
    raise AssertionError("API did not become ready after Redis returned")
