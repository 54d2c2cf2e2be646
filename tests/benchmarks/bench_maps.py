"""Map queries over a city with 1M located events: p50/p99 of a city-wide cluster query at a
middle zoom and of bounding-box and nearby pages, through GraphQL over HTTP (in-process ASGI),
on the plain path (latitude/longitude and tile columns) and, where the server has PostGIS, on
the PostGIS path.

    python -m tests.benchmarks.bench_maps [--events 1000000] [--runs 30]

Needs DATABASE_URL and REDIS_URL (or runs embedded servers, which have no PostGIS); makes a
scratch database (tests/benchmarks/datagen.py), fills it with the bench-data generator, places
each grid's events around a point of the grid, and drops it afterwards. Prints a table;
nothing here is asserted (targets are read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from tests.benchmarks import datagen

# The generated city's 2,000 grids are placed in a 0.5° × 0.6° box around 鹤壁 (35.75 N,
# 114.3 E); each grid's events lie within ~500 m of the grid's point.
PLACE_EVENTS = """
UPDATE events SET
  lat = 35.5 + (abs(hashtext(region_code)) % 10000) / 10000.0 * 0.5 + (random() - 0.5) * 0.01,
  lng = 114.0 + (abs(hashtext(region_code || '/lng')) % 10000) / 10000.0 * 0.6
        + (random() - 0.5) * 0.01
"""
CITY_BOX = {"box": {"south": 35.49, "west": 113.99, "north": 36.01, "east": 114.61}}
STREET_BOX = {"box": {"south": 35.74, "west": 114.29, "north": 35.76, "east": 114.31}}
DISTRICT_BOX = {"box": {"south": 35.65, "west": 114.2, "north": 35.85, "east": 114.4}}
NEAR = {"near": {"lat": 35.75, "lng": 114.3, "radius": 1000}}
CLUSTERS = """query($zoom: Int!, $area: MapAreaInput!, $filter: EventFilterInput) {
  eventClusters(zoom: $zoom, area: $area, filter: $filter) {
    __typename ... on EventClusters { total cells { x y count byStatus { status count } } } } }"""
PAGE = """query($area: MapAreaInput!) {
  mapEvents(area: $area, first: 50) {
    __typename ... on MapEventPage { events { edges { node { location { lat lng }
      event { caseNumber status } } } } } } }"""
EVENTS = """query($area: MapAreaInput!) {
  events(filter: {area: $area}, first: 50) { edges { node { caseNumber location { lat lng } } } } }"""

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("clusters, city, zoom 11", CLUSTERS, {"zoom": 11, "area": CITY_BOX}),
    (
        "clusters, city, zoom 11, open only",
        CLUSTERS,
        {"zoom": 11, "area": CITY_BOX, "filter": {"statuses": ["ASSIGNED", "IN_PROGRESS"]}},
    ),
    ("clusters, district box, zoom 13", CLUSTERS, {"zoom": 13, "area": DISTRICT_BOX}),
    ("mapEvents page, street box (2 km)", PAGE, {"area": STREET_BOX}),
    ("mapEvents page, district box", PAGE, {"area": DISTRICT_BOX}),
    ("events page, street box", EVENTS, {"area": STREET_BOX}),
    ("mapEvents page, 1 km around a point", PAGE, {"area": NEAR}),
]


def _size(data: dict[str, Any]) -> int:
    result = next(iter(data.values()))
    if "cells" in result:
        return len(result["cells"])
    if "events" in result and isinstance(result["events"], dict):
        return len(result["events"]["edges"])
    return len(result.get("edges", []))


async def measure(url: str, runs: int) -> list[tuple[str, str, float, float, int]]:
    from tests.conftest import TEST_SECRET

    os.environ.update(
        {"DATABASE_URL": url, "GRIDGOV_ENV": "test", "GRIDGOV_SECRET_KEY": TEST_SECRET}
    )
    from tortoise import connections

    from api import geo
    from api.app import create_app
    from api.db import close_database, open_database
    from api.settings import get_settings
    from tests import factories

    get_settings.cache_clear()
    settings = get_settings()
    await open_database(url, pool_size=4)
    results = []
    try:
        command = await factories.user("city_command", "4106", username=f"bench-{time.time_ns()}")
        token = await factories.token_for(command, ttl=timedelta(hours=2))
        geo.use_postgis(None)
        paths = ["plain"]
        if await geo.detect_postgis(connections.get("default")):
            paths.append("postgis")
        app = create_app(settings)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            for path in paths:
                for name, query, variables in CASES:
                    geo.use_postgis(path == "postgis")
                    timings: list[float] = []
                    size = 0
                    for attempt in range(runs + 3):
                        started = time.perf_counter()
                        response = await client.post(
                            "/graphql",
                            json={"query": query, "variables": variables},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        elapsed = time.perf_counter() - started
                        body = response.json()
                        assert "errors" not in body, body
                        if attempt >= 3:
                            timings.append(elapsed * 1000)
                        size = _size(body["data"])
                    timings.sort()
                    p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
                    results.append((path, name, statistics.median(timings), p99, size))
        return results
    finally:
        geo.use_postgis(None)
        await close_database()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--database", help="measure a database this benchmark filled before (kept), no generation"
    )
    arguments = parser.parse_args()
    if arguments.database:
        from tests.urls import with_database

        server = os.environ.get("DATABASE_URL")
        if not server:
            raise SystemExit("set DATABASE_URL (the server holding --database)")
        print_results(await measure(with_database(server, arguments.database), arguments.runs))
        return
    async with datagen.scratch_database() as url:
        started = time.perf_counter()
        await datagen.apply_migrations(url)
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            counts = await datagen.generate(connection, events=arguments.events, due=10_000)
            await connection.execute("SELECT setseed(0.2)")
            # one recount after, instead of a million row-trigger upserts
            await connection.execute("ALTER TABLE events DISABLE TRIGGER events_map_cells_change")
            await connection.execute(PLACE_EVENTS)
            await connection.execute("ALTER TABLE events ENABLE TRIGGER events_map_cells_change")
            await connection.execute("SELECT event_map_cells_rebuild()")
            await connection.execute("VACUUM ANALYZE events")
            await connection.execute("VACUUM ANALYZE event_map_cells")
        finally:
            await connection.close()
        print(f"generated in {time.perf_counter() - started:.0f} s: {counts}")
        results = await measure(url, arguments.runs)
    print_results(results)


def print_results(results: list[tuple[str, str, float, float, int]]) -> None:
    print(f"\n{'path':<8} {'question':<40} {'p50 ms':>8} {'p99 ms':>8} {'size':>6}")
    for path, name, p50, p99, size in results:
        print(f"{path:<8} {name:<40} {p50:>8.1f} {p99:>8.1f} {size:>6}")


if __name__ == "__main__":
    asyncio.run(main())
