"""A year of positions, simulated: does writing and reading "where are my workers now" stay
flat as the history grows month by month?

    python -m tests.benchmarks.bench_positions_year [--workers 2000] [--per-month 1000000]
                                                    [--months 12] [--batch 500]

For each simulated month the clock is set to that month, the worker's partition maintenance
runs (as its daily cron would), and `--per-month` fixes of `--workers` workers are written in
buffered tracks of `--batch` fixes with the statement `reportPositions` runs
(api/domains/positions/service.py, `_INSERT`: history rows and the latest-position upsert),
`--connections` batches in flight. After each month it times the latest position of every
worker under a township (`service.latest`'s query) and a month's partition count. A flat
inserts/s column and a flat read column are the claim; a growing one refutes it. With retention
(`--retention-days`, default 180) the oldest months are dropped as the year goes on, as in
production. Nothing is asserted; the figures are printed.

Uses DATABASE_URL when set, else an embedded server; creates and drops its own database."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.benchmarks.bench_registry import percentile
from tests.benchmarks.datagen import scratch_database

TOWNSHIP = "410611001"


def grid(worker: int) -> str:
    return f"{TOWNSHIP}{worker // 100 % 100 + 1:03d}{worker % 100 + 1:03d}"


async def month_of_writes(
    pool: Any, users: list[uuid.UUID], start: datetime, per_month: int, batch: int, connections: int
) -> float:
    """Write `per_month` fixes spread over the month; returns fixes per second."""
    from api.domains.positions.service import _INSERT

    batches = per_month // batch
    step = timedelta(days=28) / max(batches, 1)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(batches):
        queue.put_nowait(index)

    async def writer() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            worker = index % len(users)
            newest = start + step * index
            moments = [newest - timedelta(seconds=30 * i) for i in range(batch)]
            async with pool.acquire() as connection:
                await connection.fetch(
                    _INSERT,
                    users[worker],
                    grid(worker),
                    [35.7 + i * 1e-5 for i in range(batch)],
                    [114.3 + worker * 1e-5] * batch,
                    [5.0] * batch,
                    moments,
                    newest,
                )

    began = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(connections)))
    return batches * batch / (time.perf_counter() - began)


async def latest_reads(pool: Any, since: datetime, runs: int) -> tuple[float, float, int]:
    timings, found = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        async with pool.acquire() as connection:
            rows = await connection.fetch(
                "SELECT user_id, position_id, region_code, lat, lng, accuracy, at, received_at"
                " FROM worker_latest_positions WHERE region_code LIKE $1 AND at >= $2"
                " ORDER BY user_id LIMIT 5000",
                f"{TOWNSHIP}%",
                since,
            )
        timings.append((time.perf_counter() - began) * 1000)
        found = len(rows)
    return statistics.median(timings), percentile(timings, 0.99), found


async def run(url: str, arguments: argparse.Namespace) -> list[dict[str, Any]]:
    import asyncpg
    from tortoise import Tortoise

    from api import clock
    from api.db import apply_migrations, tortoise_config
    from api.domains.positions import service

    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url, pool_size=4), _enable_global_fallback=True)
    pool = await asyncpg.create_pool(
        url.replace("postgres://", "postgresql://", 1), min_size=2, max_size=arguments.connections
    )
    users = [uuid.uuid4() for _ in range(arguments.workers)]
    figures = []
    base = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    try:
        for month in range(arguments.months):
            start = (base + timedelta(days=32 * month)).replace(day=1)
            clock.reset()
            clock.move(start + timedelta(days=27) - clock.now())  # within even February
            _, dropped = await service.maintain_history(retention_days=arguments.retention_days)
            rate = await month_of_writes(
                pool, users, start, arguments.per_month, arguments.batch, arguments.connections
            )
            p50, p99, found = await latest_reads(pool, start, arguments.runs)
            async with pool.acquire() as connection:
                total = await connection.fetchval("SELECT count(*) FROM worker_positions")
                parts = await connection.fetchval(
                    "SELECT count(*) FROM pg_inherits JOIN pg_class p ON p.oid = inhparent"
                    " WHERE p.relname = 'worker_positions'"
                )
            figures.append(
                {
                    "month": f"{start:%Y-%m}",
                    "rows": total,
                    "partitions": parts,
                    "dropped": len(dropped),
                    "fixes_per_s": round(rate),
                    "latest_p50_ms": round(p50, 2),
                    "latest_p99_ms": round(p99, 2),
                    "workers_found": found,
                }
            )
            print(figures[-1], flush=True)
    finally:
        clock.reset()
        await pool.close()
        await Tortoise.close_connections()
    return figures


async def main(arguments: argparse.Namespace) -> None:
    async with scratch_database(redis=False) as url:
        figures = await run(url, arguments)
    print(
        f"\na year of positions: {arguments.workers:,} workers, {arguments.per_month:,} fixes a"
        f" month in batches of {arguments.batch}, retention {arguments.retention_days} days,"
        f" machine: {os.cpu_count()} cores\n"
    )
    print("month | rows held | partitions | fixes/s | latest p50 ms | latest p99 ms")
    for row in figures:
        print(
            f"{row['month']} | {row['rows']:,} | {row['partitions']} | {row['fixes_per_s']:,}"
            f" | {row['latest_p50_ms']} | {row['latest_p99_ms']}"
        )
    first, last = figures[0], figures[-1]
    print(
        f"\nlast month / first month: writes {last['fixes_per_s'] / first['fixes_per_s']:.2f}x,"
        f" latest read p50 {last['latest_p50_ms'] / max(first['latest_p50_ms'], 0.01):.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2000)
    parser.add_argument("--per-month", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--retention-days", type=int, default=180)
    asyncio.run(main(parser.parse_args()))
