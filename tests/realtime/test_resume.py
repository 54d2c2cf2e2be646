"""Resuming loses nothing and repeats nothing: clients that drop and resubscribe with `after`
every few hundred milliseconds, alternating between two API processes, while changes are
written through both (issue 23: 30–64 changes lost per run before the relay announced batches
and subscribers waited for Redis's confirmation)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import httpx
import pytest

from api.outbox import OutboxMessage
from tests import factories
from tests.events.helpers import REPORT, report_input
from tests.realtime.servers import ApiProcess, ResumingClient, followed

SCOPE = "410611001"
# GRIDGOV_RESUME_RUNS=20 repeats this test and the Redis-restart one (issue 23: 20 in a row)
RUNS = int(os.environ.get("GRIDGOV_RESUME_RUNS", "1"))


async def burst(
    apis: list[ApiProcess],
    tokens: list[str],
    per_writer: int,
    until: Callable[[], bool] = lambda: True,
    at_most: int = 0,
) -> None:
    """Each token reports `per_writer` events, alternating between the processes, all at once;
    then goes on, up to `at_most` each, until `until()` holds."""

    async def writer(token: str) -> None:
        clients = [httpx.AsyncClient(base_url=api.http, timeout=30) for api in apis]
        try:
            i = 0
            while i < per_writer or (i < at_most and not until()):
                response = await clients[i % len(clients)].post(
                    "/graphql",
                    json={"query": REPORT, "variables": {"input": report_input(title=f"b{i}")}},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.json()["data"]["reportEvent"]["__typename"] == "EventPayload"
                i += 1
        finally:
            for client in clients:
                await client.aclose()

    await asyncio.gather(*(writer(token) for token in tokens))


async def scope_sequences() -> list[int]:
    query = OutboxMessage.filter(topic="event", region_code__startswith=SCOPE).order_by("id")
    return list(await query.values_list("id", flat=True))


@pytest.mark.parametrize("run", range(RUNS))
async def test_clients_dropping_and_resuming_on_two_processes_see_every_change_once(
    run: int, db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    apis = list(two_apis)
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", SCOPE)
    workers = [(await factories.signed_in("grid_worker", "410611001001001"))[1] for _ in range(4)]
    clients = [
        ResumingClient(
            [api.ws for api in apis[i % 2 :] + apis[: i % 2]],
            township,
            SCOPE,
            drop_every=(0.1, 0.6),
            seed=run * 10 + i,
        )
        for i in range(4)
    ]

    during: list[int] = []

    async def work() -> list[int]:
        before = [client.subscriptions for client in clients]

        def resumed_enough() -> bool:
            return all(c.subscriptions - b >= 3 for c, b in zip(clients, before, strict=True))

        # however fast this machine writes, every client drops and resumes during the burst
        await burst(apis, workers, per_writer=50, until=resumed_enough, at_most=400)
        during.extend(c.subscriptions - b for c, b in zip(clients, before, strict=True))
        return await scope_sequences()

    expected = await followed(clients, work)

    assert len(expected) >= 200
    assert min(during) >= 3, during  # each dropped and resumed while changes were written
    for client in clients:
        assert client.seen == expected, (
            f"missing {sorted(set(expected) - set(client.seen))[:20]}, "
            f"{len(client.seen) - len(set(client.seen))} repeated"
        )
