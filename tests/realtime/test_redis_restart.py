"""Redis killed mid-burst and restarted: every feed ends with FEED_INTERRUPTED (subscriptions
meanwhile are refused with it), and clients resuming from their last sequence lose nothing.

Its own Redis and its own two API processes (in a module of its own, so that no other API process
of the test run holds the relay lock while publishing to a different Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from api.settings import Settings
from tests import factories
from tests.realtime.conftest import api_env
from tests.realtime.servers import RedisProcess, ResumingClient, followed, free_port, start_api
from tests.realtime.test_resume import RUNS, SCOPE, burst, scope_sequences


@pytest.mark.parametrize("run", range(RUNS))
async def test_a_redis_restart_mid_burst_ends_feeds_and_resuming_loses_nothing(
    run: int, db: None, settings: Settings, tmp_path: Path
) -> None:
    redis = RedisProcess(free_port(), tmp_path)
    redis.start()
    apis = [start_api(api_env(settings, redis.url), tmp_path) for _ in range(2)]
    try:
        await factories.region_tree()
        _, township = await factories.signed_in("township_centre", SCOPE)
        workers = [
            (await factories.signed_in("grid_worker", "410611001001001"))[1] for _ in range(2)
        ]
        clients = [
            ResumingClient([apis[i % 2].ws, apis[(i + 1) % 2].ws], township, SCOPE)
            for i in range(3)
        ]

        async def work() -> list[int]:
            writing = asyncio.create_task(burst(apis, workers, per_writer=60))
            await asyncio.sleep(1.0)
            redis.stop()
            await asyncio.sleep(2.0)
            redis.start()
            await writing
            return await scope_sequences()

        expected = await followed(clients, work)

        assert len(expected) == 120
        for client in clients:
            assert "FEED_INTERRUPTED" in client.endings, client.endings
            assert client.seen == expected, (
                f"missing {sorted(set(expected) - set(client.seen))[:20]}, "
                f"{len(client.seen) - len(set(client.seen))} repeated"
            )
    finally:
        for api in apis:
            api.stop()
        redis.stop()
