"""Subscription fan-out: commit → delivery latency, deliveries/s and memory per subscriber for
N concurrent `eventChanges` subscribers spread over two API processes (each a real websocket),
beside raw Redis pub/sub + websockets as the reference (as many bare forwarder processes, the
same subscribers, the same run).

    python -m tests.benchmarks.bench_fanout [--subscribers 1000 5000 10000] [--events 20]
                                            [--processes 2] [--generators N]
                                            [--uvicorn-option ...]

The subscribers come from `--generators` load-generator processes (tests.benchmarks.fanout_load:
a bare asyncio websocket client that reads only the commit time from a frame's bytes), the same
for gridgov and for the reference; this process writes the changes. Per size: first `--probes`
changes two seconds apart (latency of one change reaching everyone: p50/p99 from commit to
client), then `--events` changes 20 ms apart (deliveries/s while saturated). Memory is the
servers' RSS growth per connected, idle subscriber.

Uses DATABASE_URL / REDIS_URL when set, else embedded servers; creates and drops its own
database. Prints a table; nothing here is asserted (targets are read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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

from tests.benchmarks.fanout_load import GRAPHQL, REFERENCE, Generators, Tally, default_processes
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


FEED = 'subscription { eventChanges(scope: "410611") { sequence at event { title caseNumber status } } }'


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def _summary(
    name: str,
    receiver: Tally,
    subscribers: int,
    probes: int,
    events: int,
    rss_growth: int,
) -> dict[str, Any]:
    delivered = len(receiver.probe_latencies) + len(receiver.burst_latencies)
    span = max(receiver.last_at - receiver.first_at, 1e-9)
    return {
        "name": name,
        "subscribers": subscribers,
        "delivered": f"{delivered}/{subscribers * (probes + events)}",
        "p50_ms": _ms(receiver.probe_latencies, 0.50),
        "p99_ms": _ms(receiver.probe_latencies, 0.99),
        "burst_p99_ms": _ms(receiver.burst_latencies, 0.99),
        "deliveries_per_s": round(len(receiver.burst_latencies) / span),
        "kib_per_subscriber": round(rss_growth / subscribers / 1024, 1),
    }


def _rss(pids: list[int]) -> int:
    return sum(psutil.Process(pid).memory_info().rss for pid in pids)


async def run_gridgov(
    apis: list[Any],
    tokens: tuple[str, str],
    subscribers: int,
    probes: int,
    events: int,
    generators: int,
) -> dict[str, Any]:
    pids = [api.process.pid for api in apis]
    before = _rss(pids)
    load = Generators(
        generators,
        {
            "kind": GRAPHQL,
            "urls": [api.ws for api in apis],
            "token": tokens[0],
            "feed": FEED,
            "count": subscribers,
            "expected": probes + events,
        },
    )
    await load.ready()
    await asyncio.sleep(2.0)
    after = _rss(pids)
    mutation = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { __typename } }"
    async with httpx.AsyncClient(base_url=apis[0].http, timeout=30) as http:

        async def report(title: str) -> None:
            variables = {
                "i": {"title": title, "categoryKey": "city.0502", "regionCode": "410611001001001"}
            }
            for attempt in range(3):  # a keep-alive connection the busy server closed: again
                try:
                    await http.post(
                        "/graphql",
                        json={"query": mutation, "variables": variables},
                        headers={"Authorization": f"Bearer {tokens[1]}"},
                    )
                    return
                except httpx.TransportError:
                    if attempt == 2:
                        raise

        for i in range(probes):
            await report(f"probe {i}")
            await asyncio.sleep(2.0)
        for i in range(events):
            await report(f"bench {i}")
            await asyncio.sleep(0.02)
    receiver = await load.collect(120)
    return _summary("gridgov eventChanges", receiver, subscribers, probes, events, after - before)


async def run_reference(
    redis_url: str, processes: int, subscribers: int, probes: int, events: int, generators: int
) -> dict[str, Any]:
    from redis.asyncio import Redis

    ports = [free_port() for _ in range(processes)]
    servers = [
        subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
            [sys.executable, "-m", "tests.benchmarks.fanout_reference", str(port), redis_url],
            cwd=ROOT,
        )
        for port in ports
    ]
    try:
        for port in ports:  # until each forwarder listens
            for _ in range(300):
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        pids = [server.pid for server in servers]
        before = _rss(pids)
        load = Generators(
            generators,
            {
                "kind": REFERENCE,
                "urls": [f"ws://127.0.0.1:{port}" for port in ports],
                "token": "",
                "feed": "",
                "count": subscribers,
                "expected": probes + events,
            },
        )
        await load.ready()
        await asyncio.sleep(2.0)
        after = _rss(pids)
        redis = Redis.from_url(redis_url)
        for i in range(probes + events):
            probe = i < probes
            payload = {
                "sequence": i,
                "at": time.time(),
                "probe": probe,
                "event": {"caseNumber": f"bench {i}", "status": "REPORTED"},
            }
            await redis.publish("bench:fanout", json.dumps(payload))
            await asyncio.sleep(2.0 if probe else 0.02)
        receiver = await load.collect(120)
        await redis.aclose()
        return _summary(
            "raw Redis pub/sub + websockets", receiver, subscribers, probes, events, after - before
        )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


async def main(
    subscriber_counts: list[int],
    events: int,
    probes: int,
    processes: int,
    options: list[str],
    generators: int,
) -> None:
    # the machine may be shared: the figures are read beside its load (1-minute averages)
    load_at_start = os.getloadavg()[0]
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
            apis = [start_api(env, logs, *options) for _ in range(processes)]
            for api in apis:
                stack.callback(api.stop)
            rows = []
            for count in subscriber_counts:
                try:
                    rows.append(await run_gridgov(apis, tokens, count, probes, events, generators))
                except Exception:
                    for api in apis:  # what the servers said before it broke
                        print(
                            f"--- {api.log}: {api.process.poll()=}\n{api.log.read_text()[-3000:]}"
                        )
                    raise
                rows.append(
                    await run_reference(redis_url, processes, count, probes, events, generators)
                )
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    load = os.getloadavg()[0]
    print(
        f"\nfan-out over {processes} processes ({' '.join(options) or 'gridgov serve settings'}),"
        f" {generators} load generators: "
        f"{probes} probes 2 s apart, then {events} changes 20 ms apart; "
        f"{os.cpu_count()} cores, load average {load_at_start:.1f} at the start, {load:.1f} at the end\n"
    )
    header = [
        "name",
        "subscribers",
        "delivered",
        "p50_ms",
        "p99_ms",
        "burst_p99_ms",
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
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--probes", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--uvicorn-option",
        action="append",
        default=[],
        help="passed to every API process, e.g. --uvicorn-option=--ws=wsproto",
    )
    parser.add_argument(
        "--generators",
        type=int,
        default=default_processes(),
        help="load generator processes the subscribers are spread over (tests.benchmarks.fanout_load)",
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.subscribers,
            arguments.events,
            arguments.probes,
            arguments.processes,
            arguments.uvicorn_option,
            arguments.generators,
        )
    )
