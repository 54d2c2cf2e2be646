"""Approvals at district scale: latency of `myApprovalTasks` and of the applications list over
100k applications (70% closed, the rest waiting at the community, the township or the
district), each query sent as GraphQL over HTTP to the app in process.

    python -m tests.benchmarks.bench_approvals [--applications 100000] [--runs 50]

Uses DATABASE_URL / REDIS_URL when set, else embedded servers; creates and drops its own database.
Prints a table; nothing here is asserted (the target, p50 < 50 ms, is read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import timedelta

import httpx

from tests.benchmarks.bench_registry import SECRET, measure
from tests.benchmarks.datagen import scratch_database

TASKS = "{ myApprovalTasks(first: 20) { edges { node { uuid number dueAt status } } } }"
LIST = """query($status: ApplicationStatus, $overdue: Boolean, $c: String) {
  applications(status: $status, overdue: $overdue, regionCode: $c, first: 20) {
    edges { node { uuid number status holderRegionCode createdAt } } pageInfo { endCursor } } }"""


async def run(database_url: str, count: int, runs: int) -> list[tuple[str, dict[str, float]]]:
    from tortoise import Tortoise

    from api.app import create_app
    from api.db import apply_migrations, tortoise_config
    from api.settings import get_settings
    from tests import factories
    from tests.approvals import bulk

    await apply_migrations(database_url)
    await Tortoise.init(
        config=tortoise_config(database_url, pool_size=4), _enable_global_fallback=True
    )
    try:
        started = time.perf_counter()
        await bulk.generate(count)
        print(f"generated {count:,} applications in {time.perf_counter() - started:.0f} s")
        await factories.region_tree()
        district = await factories.user("district_command", "410611")
        township = await factories.user("township_centre", "410611001")
        tokens = {
            "district": await factories.token_for(district, ttl=timedelta(hours=1)),
            "township": await factories.token_for(township, ttl=timedelta(hours=1)),
        }
        os.environ.update(
            {"DATABASE_URL": database_url, "GRIDGOV_ENV": "test", "GRIDGOV_SECRET_KEY": SECRET}
        )
        get_settings.cache_clear()
        app = create_app(get_settings())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await measure(client, tokens["district"], TASKS, [{}])  # warm
            cases = [
                ("myApprovalTasks: district command", "district", TASKS, {}),
                ("myApprovalTasks: a township centre", "township", TASKS, {}),
                ("applications: the district, newest first", "district", LIST, {}),
                ("applications: one township", "district", LIST, {"c": "410611001"}),
                (
                    "applications: in review in the district",
                    "district",
                    LIST,
                    {"status": "IN_REVIEW"},
                ),
                ("applications: overdue in the district", "district", LIST, {"overdue": True}),
            ]
            return [
                (label, await measure(client, tokens[who], query, [variables] * runs))
                for label, who, query, variables in cases
            ]
    finally:
        await Tortoise.close_connections()


async def main(count: int, runs: int) -> None:
    async with scratch_database() as url:
        rows = await run(url, count, runs)
    print(f"\napprovals, {count:,} applications, machine: {os.cpu_count()} cores\n")
    print("query | runs | p50 ms | p99 ms")
    for label, figures in rows:
        print(f"{label} | {figures['runs']} | {figures['p50_ms']} | {figures['p99_ms']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.applications, arguments.runs))
