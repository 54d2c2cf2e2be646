"""Patrol tracks: positions written through `reportPosition` by many grid workers at once, and
one 8-hour patrol's track (960 fixes, one per 30 s) read back through `patrol(id) { track }`,
each request sent as GraphQL over HTTP to the app in process.

    python -m tests.benchmarks.bench_tracks [--workers 6000] [--points 20] [--clients 50]
                                            [--runs 200] [--batch 120]

A day of 6,000 workers at one fix per 30 s is 17.28M rows arriving at 200 rows/s on average;
the write phase measures the rate one API process sustains (each worker sends `--points`
fixes), which says how much of that day one process carries; then each worker sends a buffered
track of `--batch` fixes through `reportPositions` (the phone that was offline), the rate the
batch path sustains (target: >= 5,000 fixes/s through the API). The read phase times the packed
track of an ended patrol (target: p50 < 20 ms) and, for comparison, the same track of a
running patrol read from `worker_positions`. The app runs without its lifespan, so fixes are
stored but not pushed to Redis.

Uses DATABASE_URL / REDIS_URL when set, else embedded servers; creates and drops its own database.
Prints a table; nothing here is asserted (targets are read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.benchmarks.bench_registry import percentile
from tests.benchmarks.datagen import scratch_database

SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"
POSITION = (
    "mutation($lat: Float!, $lng: Float!, $at: DateTime!) {"
    " reportPosition(lat: $lat, lng: $lng, accuracy: 8, at: $at) { __typename } }"
)
BATCH = (
    "mutation($fixes: [PositionFixInput!]!) { reportPositions(fixes: $fixes) { __typename"
    " ... on PositionBatchPayload { stored rejected { index } } } }"
)
START = "mutation { startPatrol { ... on PatrolPayload { patrol { id } } } }"
END = "mutation($id: ID!) { endPatrol(id: $id) { ... on PatrolPayload { patrol { pointCount } } } }"
TRACK = "query($id: ID!) { patrol(id: $id) { pointCount track { at lat lng farOutside } } }"
LINE = "query($id: ID!) { patrol(id: $id) { pointCount trackLine } }"
BARE = "query($id: ID!) { patrol(id: $id) { pointCount } }"
CENTRE = (35.7480, 114.2970)


def grid_code(index: int) -> str:
    """6,000 grids: 100 per community, in communities of township 410611001 and onwards."""
    community, grid = divmod(index, 100)
    township, community = divmod(community, 100)
    return f"410611{township + 1:03d}{community + 1:03d}{grid + 1:03d}"


async def post(client: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def write_phase(
    client: httpx.AsyncClient, tokens: list[str], points: int, clients: int
) -> dict[str, float]:
    """Every worker reports `points` fixes; `clients` requests in flight at once."""
    from api import clock

    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for step in range(points):
        for worker in range(len(tokens)):
            queue.put_nowait((worker, step))
    timings: list[float] = []

    async def sender() -> None:
        while not queue.empty():
            worker, step = queue.get_nowait()
            started = time.perf_counter()
            result = await post(
                client,
                tokens[worker],
                POSITION,
                lat=CENTRE[0] + step * 0.0002,
                lng=CENTRE[1] + worker * 0.0001,
                at=clock.now().isoformat(),
            )
            assert result["__typename"] == "PositionPayload", result
            timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {
        "rows": len(timings),
        "seconds": round(seconds, 1),
        "rows_per_s": round(len(timings) / seconds),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
    }


async def batch_phase(
    client: httpx.AsyncClient, tokens: list[str], batch: int, clients: int
) -> dict[str, float]:
    """Every worker sends a buffered track of `batch` fixes (30 s apart, the last 2 min ago)
    through `reportPositions`; `clients` requests in flight at once."""
    from api import clock

    queue: asyncio.Queue[int] = asyncio.Queue()
    for worker in range(len(tokens)):
        queue.put_nowait(worker)
    timings: list[float] = []
    newest = clock.now().replace(microsecond=0) - timedelta(minutes=2)

    async def sender() -> None:
        while not queue.empty():
            worker = queue.get_nowait()
            fixes = [
                {
                    "lat": CENTRE[0] + step * 0.0002,
                    "lng": CENTRE[1] + worker * 0.0001,
                    "accuracy": 8,
                    "at": (newest - timedelta(seconds=30 * step)).isoformat(),
                }
                for step in range(batch)
            ]
            started = time.perf_counter()
            result = await post(client, tokens[worker], BATCH, fixes=fixes)
            assert result["__typename"] == "PositionBatchPayload", result
            assert result["stored"] == batch and not result["rejected"], result
            timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(clients)))
    seconds = time.perf_counter() - started
    rows = len(timings) * batch
    return {
        "rows": rows,
        "requests": len(timings),
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
    }


async def read(
    client: httpx.AsyncClient, token: str, patrol_id: str, runs: int, query: str = TRACK
) -> dict[str, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        patrol = await post(client, token, query, id=patrol_id)
        timings.append((time.perf_counter() - started) * 1000)
        if query == TRACK:
            assert len(patrol["track"]) == 960, patrol["pointCount"]
        elif query == LINE:
            assert len(patrol["trackLine"]["properties"]["seconds"]) == 960, patrol["pointCount"]
    return {
        "runs": runs,
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
    }


async def run(
    database_url: str, workers: int, points: int, clients: int, runs: int, batch: int
) -> dict[str, Any]:
    from tortoise import Tortoise

    from api import auth, clock
    from api.app import create_app
    from api.db import apply_migrations, tortoise_config
    from api.domains.accounts.models import RoleAssignment, User, UserSession
    from api.domains.diaries import patrols
    from api.domains.diaries.models import Patrol
    from api.domains.hierarchy.models import Region
    from api.regions import Level
    from api.settings import get_settings

    await apply_migrations(database_url)
    await Tortoise.init(
        config=tortoise_config(database_url, pool_size=8), _enable_global_fallback=True
    )
    try:
        grids = [grid_code(i) for i in range(workers + 1)]
        codes = sorted({"4106", "410611"} | {g[:n] for g in grids for n in (9, 12, 15)})
        await Region.bulk_create(
            [
                Region(
                    code=code,
                    parent_code=code[: Level.of_code(code).parent.code_length]  # type: ignore[union-attr]
                    if code != "4106"
                    else None,
                    name=code,
                    level=Level.of_code(code),
                )
                for code in codes
            ],
            batch_size=2000,
        )
        await Region.filter(code__in=grids).update(centre_lat=CENTRE[0], centre_lng=CENTRE[1])
        password = auth.hash_password("Gridgov-bench-2026")
        users = [
            User(
                id=uuid.uuid4(),
                username=f"gw-{i}",
                display_name=f"网格员{i}",
                password_hash=password,
            )
            for i in range(workers + 1)
        ]
        await User.bulk_create(users, batch_size=2000)
        await RoleAssignment.bulk_create(
            [
                RoleAssignment(
                    id=uuid.uuid4(), user_id=u.id, role="grid_worker", region_code=grid_code(i)
                )
                for i, u in enumerate(users)
            ],
            batch_size=2000,
        )
        sessions = [
            UserSession(
                id=uuid.uuid4(),
                user_id=u.id,
                refresh_token_hash=auth.token_digest(auth.new_refresh_token()),
                expires_at=clock.now() + timedelta(days=2),
            )
            for u in users
        ]
        await UserSession.bulk_create(sessions, batch_size=2000)
        tokens = [
            auth.issue_access_token(
                user_id=u.id, session_id=s.id, secret=SECRET, ttl=timedelta(days=2)
            )[0]
            for u, s in zip(users, sessions, strict=True)
        ]
        os.environ.update(
            {"DATABASE_URL": database_url, "GRIDGOV_ENV": "test", "GRIDGOV_SECRET_KEY": SECRET}
        )
        get_settings.cache_clear()
        app = create_app(get_settings())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            written = await write_phase(client, tokens[:workers], points, clients)
            batched = await batch_phase(client, tokens[:workers], batch, clients)
            # One worker's 8-hour patrol: 960 fixes 30 s apart, the clock moved along.
            patroller = tokens[workers]
            started_at: datetime = clock.now()
            patrol_id = (await post(client, patroller, START))["patrol"]["id"]
            for step in range(960):
                clock.move(timedelta(seconds=30))
                await post(
                    client,
                    patroller,
                    POSITION,
                    lat=CENTRE[0] + (step % 100) * 0.0002,
                    lng=CENTRE[1] + (step // 100) * 0.0002,
                    at=clock.now().isoformat(),
                )
            running = await read(client, patroller, patrol_id, runs)
            await post(client, patroller, END, id=patrol_id)
            ended = await read(client, patroller, patrol_id, runs)
            line = await read(client, patroller, patrol_id, runs, LINE)
            bare = await read(client, patroller, patrol_id, runs, BARE)
            packed = await Patrol.get(id=patrol_id)
            decode = []
            for _ in range(runs):
                began = time.perf_counter()
                await patrols.track(await Patrol.get(id=patrol_id))
                decode.append((time.perf_counter() - began) * 1000)
            return {
                "written": written,
                "batched": batched,
                "running": running,
                "ended": ended,
                "line": line,
                "bare": bare,
                "decode": {
                    "runs": runs,
                    "p50_ms": round(statistics.median(decode), 2),
                    "p99_ms": round(percentile(decode, 0.99), 2),
                },
                "track_bytes": len(bytes(packed.track or b"")),
                "hours": (clock.now() - started_at).total_seconds() / 3600,
            }
    finally:
        await Tortoise.close_connections()


async def main(workers: int, points: int, clients: int, runs: int, batch: int) -> None:
    async with scratch_database() as url:
        figures = await run(url, workers, points, clients, runs, batch)
    written = figures["written"]
    day = workers * 2880
    print(
        f"\npatrol tracks, {workers:,} workers × {points} fixes, machine: {os.cpu_count()} cores\n"
    )
    print(
        f"reportPosition: {written['rows']:,} rows in {written['seconds']} s ="
        f" {written['rows_per_s']:,} rows/s ({clients} in flight; p50 {written['p50_ms']} ms,"
        f" p99 {written['p99_ms']} ms); a day of {workers:,} workers is {day:,} rows,"
        f" {day / 86400:.0f} rows/s on average"
    )
    batched = figures["batched"]
    print(
        f"reportPositions: {batched['rows']:,} fixes in {batched['requests']:,} batches of"
        f" {batch} in {batched['seconds']} s = {batched['rows_per_s']:,} fixes/s (target"
        f" >= 5,000; {batched['rows_per_s'] / max(written['rows_per_s'], 1):.1f}x the single"
        f" fix; p50 {batched['p50_ms']} ms, p99 {batched['p99_ms']} ms a batch)"
    )
    print(
        f"8-hour patrol ({figures['hours']:.0f} h, 960 fixes): packed track {figures['track_bytes']:,}"
        " bytes"
    )
    print("read | runs | p50 ms | p99 ms")
    for label, field, source in (
        ("running", "track", "from worker_positions"),
        ("ended", "track", "packed"),
        ("line", "trackLine", "packed, one GeoJSON value"),
        ("bare", "pointCount", "no track: the request itself"),
        ("decode", "-", "in process: row read and unpacked, no HTTP"),
    ):
        row = figures[label]
        print(
            f"patrol(id) {{ {field} }}, {source} | {row['runs']} | {row['p50_ms']} | {row['p99_ms']}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=6000)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--batch", type=int, default=120, help="fixes per buffered track")
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.workers,
            arguments.points,
            arguments.clients,
            arguments.runs,
            arguments.batch,
        )
    )
