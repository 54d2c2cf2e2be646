"""Subscription fan-out: commit → delivery latency, deliveries/s and memory per subscriber for
N concurrent `eventChanges` subscribers, beside raw Redis pub/sub + websockets as the reference.

    python -m tests.benchmarks.bench_fanout [--subscribers 1000 5000] [--events 20]

Uses DATABASE_URL / REDIS_URL when set, else embedded servers; creates and drops its own
database. Prints a table; nothing here is asserted (targets are read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import websockets

from tests.realtime.servers import free_port, start_api

ROOT = Path(__file__).resolve().parents[2]


async def prepare(database_url: str) -> tuple[str, str]:
    """A migrated database with the test city, a district command user and a grid worker."""
    from tortoise import Tortoise

    from api.db import apply_migrations, tortoise_config
    from tests import factories

    await apply_migrations(database_url)
    await Tortoise.init(
        config=tortoise_config(database_url, pool_size=2), _enable_global_fallback=True
    )
    try:
        await factories.region_tree()
        command = await factories.user("district_command", "410611")
        worker = await factories.user("grid_worker", "410611001001001")
        return await factories.token_for(command, ttl=_hour()), await factories.token_for(
            worker, ttl=_hour()
        )
    finally:
        await Tortoise.close_connections()


def _hour() -> Any:
    from datetime import timedelta

    return timedelta(hours=1)


class Receiver:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.last_at = 0.0
        self.first_at = float("inf")


async def graphql_subscriber(
    url: str, token: str, receiver: Receiver, ready: asyncio.Event, expected: int
) -> Any:
    socket = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=2**20)
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    await socket.recv()
    await socket.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": 'subscription { eventChanges(scope: "410611") { sequence at event { caseNumber status } } }'
                },
            }
        )
    )

    async def consume() -> None:
        got = 0
        while got < expected:
            message = json.loads(await socket.recv())
            if message.get("type") != "next":
                continue
            now = time.time()
            sent = _epoch(message["payload"]["data"]["eventChanges"]["at"])
            receiver.latencies.append(now - sent)
            receiver.first_at, receiver.last_at = (
                min(receiver.first_at, now),
                max(receiver.last_at, now),
            )
            got += 1

    return socket, asyncio.create_task(consume())


async def raw_subscriber(url: str, receiver: Receiver, expected: int) -> Any:
    socket = await websockets.connect(url, max_size=2**20)

    async def consume() -> None:
        for _ in range(expected):
            message = json.loads(await socket.recv())
            now = time.time()
            receiver.latencies.append(now - message["at"])
            receiver.first_at, receiver.last_at = (
                min(receiver.first_at, now),
                max(receiver.last_at, now),
            )

    return socket, asyncio.create_task(consume())


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


async def _connect_all(factory: Any, count: int) -> list[Any]:
    made: list[Any] = []
    for start in range(0, count, 200):
        made += await asyncio.gather(*(factory() for _ in range(min(200, count - start))))
    return made


def _summary(
    name: str, receiver: Receiver, subscribers: int, events: int, rss_before: int, rss_after: int
) -> dict[str, Any]:
    latencies = sorted(receiver.latencies)
    delivered = len(latencies)

    def p(q: float) -> float:
        return (
            latencies[min(delivered - 1, int(q * delivered))] * 1000 if delivered else float("nan")
        )

    span = max(receiver.last_at - receiver.first_at, 1e-9)
    return {
        "name": name,
        "subscribers": subscribers,
        "delivered": f"{delivered}/{subscribers * events}",
        "p50_ms": round(p(0.50), 1),
        "p99_ms": round(p(0.99), 1),
        "deliveries_per_s": round(delivered / span),
        "kib_per_subscriber": round((rss_after - rss_before) / subscribers / 1024, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


async def run_gridgov(
    api: Any, tokens: tuple[str, str], subscribers: int, events: int
) -> dict[str, Any]:
    process = psutil.Process(api.process.pid)
    before = process.memory_info().rss
    receiver, ready = Receiver(), asyncio.Event()
    connections = await _connect_all(
        lambda: graphql_subscriber(api.ws, tokens[0], receiver, ready, events), subscribers
    )
    await asyncio.sleep(1.0)
    after = process.memory_info().rss
    mutation = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { __typename } }"
    async with httpx.AsyncClient(base_url=api.http, timeout=30) as http:
        for i in range(events):
            variables = {
                "i": {
                    "title": f"bench {i}",
                    "categoryKey": "city.0502",
                    "regionCode": "410611001001001",
                }
            }
            await http.post(
                "/graphql",
                json={"query": mutation, "variables": variables},
                headers={"Authorization": f"Bearer {tokens[1]}"},
            )
            await asyncio.sleep(0.02)
    await asyncio.wait([task for _, task in connections], timeout=60)
    for socket, task in connections:
        task.cancel()
        await socket.close()
    return _summary("gridgov eventChanges", receiver, subscribers, events, before, after)


async def run_reference(redis_url: str, subscribers: int, events: int) -> dict[str, Any]:
    from redis.asyncio import Redis

    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [sys.executable, "-m", "tests.benchmarks.fanout_reference", str(port), redis_url], cwd=ROOT
    )
    try:
        await asyncio.sleep(1.5)
        process = psutil.Process(server.pid)
        before = process.memory_info().rss
        receiver = Receiver()
        connections = await _connect_all(
            lambda: raw_subscriber(f"ws://127.0.0.1:{port}", receiver, events), subscribers
        )
        await asyncio.sleep(1.0)
        after = process.memory_info().rss
        redis = Redis.from_url(redis_url)
        for i in range(events):
            payload = {
                "sequence": i,
                "at": time.time(),
                "event": {"caseNumber": f"bench {i}", "status": "REPORTED"},
            }
            await redis.publish("bench:fanout", json.dumps(payload))
            await asyncio.sleep(0.02)
        await asyncio.wait([task for _, task in connections], timeout=60)
        for socket, task in connections:
            task.cancel()
            await socket.close()
        await redis.aclose()
        return _summary(
            "raw Redis pub/sub + websockets", receiver, subscribers, events, before, after
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


async def main(subscriber_counts: list[int], events: int) -> None:
    with ExitStack() as stack:
        database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
        if not (database_url and redis_url):
            from api.embedded import embedded_services

            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            embedded = stack.enter_context(embedded_services(data, persist=False))
            database_url, redis_url = (
                database_url or embedded.database_url,
                redis_url or embedded.redis_url,
            )
        name = f"gridgov_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        await admin.execute(f'CREATE DATABASE "{name}"')
        bench_url = (
            database_url.rsplit("/", 1)[0] + f"/{name}"
            if "?" not in database_url
            else database_url.replace("/gridgov?", f"/{name}?")
        )
        try:
            tokens = await prepare(bench_url)
            env = {
                "DATABASE_URL": bench_url,
                "REDIS_URL": redis_url,
                "GRIDGOV_ENV": "test",
                "GRIDGOV_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256-0123456789",
            }
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            api = start_api(env, logs)
            stack.callback(api.stop)
            rows = []
            for count in subscriber_counts:
                rows.append(await run_gridgov(api, tokens, count, events))
                rows.append(await run_reference(redis_url, count, events))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    print(f"\nfan-out, {events} events, machine: {os.cpu_count()} cores\n")
    header = [
        "name",
        "subscribers",
        "delivered",
        "p50_ms",
        "p99_ms",
        "deliveries_per_s",
        "kib_per_subscriber",
    ]
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[key]) for key in header))
    for gridgov, reference in zip(rows[::2], rows[1::2], strict=True):
        ratio = gridgov["deliveries_per_s"] / max(reference["deliveries_per_s"], 1)
        print(
            f"{gridgov['subscribers']} subscribers: gridgov delivers at {ratio:.0%} of the reference rate; "
            f"p50 {gridgov['p50_ms']} ms vs {reference['p50_ms']} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--events", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.subscribers, arguments.events))
