"""Registry at district scale: latency of the area statistics and of people searches over a
district of 1M people (plus 333k households, 333k houses, 3.3k buildings and organisations),
each query sent as GraphQL over HTTP to the app in process.

    python -m tests.benchmarks.bench_registry [--people 1000000] [--runs 30]

Uses DATABASE_URL / REDIS_URL when set, else embedded servers; creates and drops its own database.
Prints a table; nothing here is asserted (targets are read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

import httpx

from tests.benchmarks.datagen import scratch_database

SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"
STATISTICS = (
    "query($c: String!) { registryStatistics(regionCode: $c) {"
    " ... on RegistryStatistics { children { count } } } }"
)
BREAKDOWN = (
    "query($c: String!, $by: [RegistryAttribute!], $per: Boolean!) {"
    " registryStatistics(regionCode: $c, by: $by, perChild: $per) {"
    " ... on RegistryStatistics { breakdown { regionCode values count } } } }"
)
SEARCH = """query($f: PersonFilterInput) {
  people(filter: $f, first: 20) { edges { node { uuid name idNumber regionCode } } } }"""


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(
    client: httpx.AsyncClient, token: str, query: str, variables: list[dict[str, Any]]
) -> dict[str, float]:
    timings = []
    for values in variables:
        started = time.perf_counter()
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": values},
            headers={"Authorization": f"Bearer {token}"},
        )
        timings.append((time.perf_counter() - started) * 1000)
        body = response.json()
        assert "errors" not in body, body
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
        "runs": len(timings),
    }


async def run(database_url: str, people: int, runs: int) -> list[tuple[str, dict[str, float]]]:
    from tortoise import Tortoise, connections

    from api.app import create_app
    from api.db import apply_migrations, tortoise_config
    from api.settings import get_settings
    from tests import factories
    from tests.registry import bulk

    await apply_migrations(database_url)
    await Tortoise.init(
        config=tortoise_config(database_url, pool_size=4), _enable_global_fallback=True
    )
    try:
        seconds = await bulk.generate(people)
        print(f"generated {people:,} people and their places in {seconds:.0f} s")
        from api.domains.registry import search

        started = time.perf_counter()
        await search.backfill()
        await connections.get("default").execute_script("VACUUM ANALYZE registry_search_keys")
        print(f"pinyin keys of every name (backfill) in {time.perf_counter() - started:.0f} s")
        district = await factories.user("district_command", bulk.DISTRICT)
        worker = await factories.user("grid_worker", f"{bulk.DISTRICT}101001001")
        from datetime import timedelta

        district_token = await factories.token_for(district, ttl=timedelta(hours=1))
        worker_token = await factories.token_for(worker, ttl=timedelta(hours=1))
        os.environ.update(
            {"DATABASE_URL": database_url, "GRIDGOV_ENV": "test", "GRIDGOV_SECRET_KEY": SECRET}
        )
        get_settings.cache_clear()
        app = create_app(get_settings())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await measure(client, district_token, STATISTICS, [{"c": bulk.DISTRICT}])  # warm
            names = [f"王某{8 * k + 1}" for k in range(1000, 1000 + runs)]
            return [
                (
                    "statistics: the district, per township",
                    await measure(
                        client, district_token, STATISTICS, [{"c": bulk.DISTRICT}] * runs
                    ),
                ),
                (
                    "statistics: one township, per community",
                    await measure(
                        client, district_token, STATISTICS, [{"c": f"{bulk.DISTRICT}101"}] * runs
                    ),
                ),
                (
                    "search: name prefix in the district",
                    await measure(
                        client,
                        district_token,
                        SEARCH,
                        [{"f": {"regionCode": bulk.DISTRICT, "text": name}} for name in names],
                    ),
                ),
                *[
                    (label, await measure(client, district_token, query, variables))
                    for label, query, variables in _pinyin_and_analysis(runs)
                ],
                (
                    "search: floating people aged 20-40 in the district",
                    await measure(
                        client,
                        district_token,
                        SEARCH,
                        [{"f": {"personType": "FLOATING", "ageFrom": 20, "ageTo": 40}}] * runs,
                    ),
                ),
                (
                    "search: a grid worker's grid, first page (unmasked, audited)",
                    await measure(client, worker_token, SEARCH, [{}] * runs),
                ),
                (
                    "search: by whole ID number in the district",
                    await measure(
                        client,
                        district_token,
                        SEARCH,
                        [
                            {"f": {"text": "41" + str(500_000 + k).rjust(15, "0") + "0"}}
                            for k in range(runs)
                        ],
                    ),
                ),
            ]
    finally:
        await Tortoise.close_connections()


def _pinyin_and_analysis(runs: int) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Pinyin searches (王某<n> are 1 in 8 people) and breakdowns of the district."""
    numbers = [8 * k + 1 for k in range(1000, 1000 + runs)]
    from tests.registry import bulk

    district = bulk.DISTRICT

    def texts(form: str) -> list[dict[str, Any]]:
        return [{"f": {"regionCode": district, "text": form.format(n)}} for n in numbers]

    def by(attributes: list[str], per_child: bool) -> list[dict[str, Any]]:
        return [{"c": district, "by": attributes, "per": per_child}] * runs

    return [
        ("search: pinyin initials prefix (wm80001…)", SEARCH, texts("wm{}")),
        ("search: full pinyin prefix (wangmou80001…)", SEARCH, texts("wangmou{}")),
        ("search: characters and pinyin mixed (王mou80001…)", SEARCH, texts("王mou{}")),
        (
            "search: a broad pinyin prefix (wm: 1 in 8 people)",
            SEARCH,
            [{"f": {"regionCode": district, "text": "wm"}}] * runs,
        ),
        ("analysis: the district by age band", BREAKDOWN, by(["AGE_BAND"], False)),
        ("analysis: by sex x age band, per township", BREAKDOWN, by(["SEX", "AGE_BAND"], True)),
        ("analysis: by person type x sex", BREAKDOWN, by(["PERSON_TYPE", "SEX"], False)),
    ]


async def main(people: int, runs: int) -> None:
    async with scratch_database() as url:
        rows = await run(url, people, runs)
    print(f"\nregistry, {people:,} people, machine: {os.cpu_count()} cores\n")
    print("query | runs | p50 ms | p99 ms")
    for label, figures in rows:
        print(f"{label} | {figures['runs']} | {figures['p50_ms']} | {figures['p99_ms']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.people, arguments.runs))
