"""What an idle live-feed subscriber costs the API process, by allocation site: the app runs in
this process under tracemalloc, the subscribers come from bench_fanout's load generator, and
the snapshot after 2N subscribers is compared with the one after N.

    python -m tests.benchmarks.fanout_memory [--subscribers 1000] [--top 30]

Uses DATABASE_URL / REDIS_URL (a database of its own is created and dropped)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import tracemalloc
import uuid

import asyncpg
import psutil

from tests.benchmarks.bench_fanout import FEED, prepare
from tests.benchmarks.fanout_load import GRAPHQL, Generators
from tests.realtime.servers import free_port


async def main(subscribers: int, top: int, frames: int) -> None:
    database_url = os.environ["DATABASE_URL"]  # REDIS_URL: read by the app
    name = f"gridgov_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    bench_url = database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        tokens = await prepare(bench_url)
        os.environ.update(
            DATABASE_URL=bench_url,
            GRIDGOV_ENV="test",
            GRIDGOV_SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256-0123456789",
        )
        import uvicorn

        from api.cli import WEBSOCKETS

        port = free_port()
        config = uvicorn.Config(
            "api.app:create_app", factory=True, port=port, log_level="warning", **WEBSOCKETS
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
            await asyncio.sleep(0.1)
        job = {
            "kind": GRAPHQL,
            "urls": [f"ws://127.0.0.1:{port}/graphql"],
            "token": tokens[0],
            "feed": FEED,
            "count": subscribers,
            "expected": 1,
        }
        process = psutil.Process()
        tracemalloc.start(frames)
        snapshots, rss = [], []
        loads = []
        for _ in range(2):
            load = Generators(1, job)
            loads.append(load)
            await load.ready()
            await asyncio.sleep(3)
            gc.collect()
            snapshots.append(tracemalloc.take_snapshot())
            rss.append(process.memory_info().rss)
        traced = sum(s.size_diff for s in snapshots[1].compare_to(snapshots[0], "filename"))
        print(
            f"\n{subscribers} more idle subscribers: RSS +{(rss[1] - rss[0]) / subscribers / 1024:.1f}"
            f" KiB each, traced Python allocations +{traced / subscribers / 1024:.1f} KiB each\n"
        )
        for stat in snapshots[1].compare_to(snapshots[0], "traceback")[:top]:
            print(f"{stat.size_diff / subscribers:8.0f} B/subscriber  {stat.count_diff:+7d} blocks")
            for line in stat.traceback.format()[-2 * frames :]:
                print("      " + line)
        tracemalloc.stop()
        for load in loads:
            await load.collect(0.1)
        server.should_exit = True
        await serving
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--frames", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.subscribers, arguments.top, arguments.frames))
