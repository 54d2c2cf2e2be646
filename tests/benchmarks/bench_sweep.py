"""The deadline sweep (api/domains/events/enforcement.py) over 1M events of which 50k are due,
run as the worker runs it: the `enforce_deadlines` job function, on a copy of the generated city.

    python -m tests.benchmarks.bench_sweep [--events 1000000] [--due 50000] [--runs 20]

Reports (1) the sweep's selection of due events (the first batch, what every tick starts with),
p50/p99 over --runs; (2) one tick of the job as the worker runs it, bounded by the cron job's
55 s timeout, and how many events it enforced; (3) the ticks and time until nothing is due.
Needs DATABASE_URL (a server; the benchmark makes its own databases) and REDIS_URL. Nothing here
is asserted."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from tests.benchmarks import datagen

TEMPLATE = "gridgov_bench_1m"
COPY = "gridgov_bench_sweep"
TICK_SECONDS = 55  # the cron job's timeout (workers/settings.py)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--ticks", type=int, default=0, help="stop after N ticks (0: drain)")
    arguments = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not server or not redis_url:
        raise SystemExit("set DATABASE_URL and REDIS_URL (the servers to use)")
    await datagen.generated_database(server, TEMPLATE, events=arguments.events, due=arguments.due)
    url = await datagen.copy_database(server, TEMPLATE, COPY)
    os.environ.update({"DATABASE_URL": url, "REDIS_URL": redis_url})

    from api import clock
    from api.db import close_database, open_database
    from api.domains.events.enforcement import BATCH, _due
    from api.domains.events.models import Event
    from api.settings import get_settings
    from workers.events import enforce_deadlines

    get_settings.cache_clear()
    await open_database(url, pool_size=4)
    clock.move(datagen.NOW - clock.now())
    try:
        now = clock.now()
        due = await Event.filter(_due(now)).count()
        timings = []
        for _ in range(arguments.runs + 3):
            started = time.perf_counter()
            await (
                Event.filter(_due(now)).order_by("due_at").limit(BATCH).values_list("id", flat=True)
            )
            timings.append((time.perf_counter() - started) * 1000)
        timings = sorted(timings[3:])
        print(f"events due: {due:,}")
        print(
            f"selection of the first batch ({BATCH}): p50 {statistics.median(timings):.1f} ms,"
            f" p99 {timings[-1]:.1f} ms"
        )
        ticks, total, started_all = 0, 0.0, time.perf_counter()
        while True:
            ticks += 1
            started = time.perf_counter()
            try:
                async with asyncio.timeout(TICK_SECONDS):
                    await enforce_deadlines({})
                finished = True
            except TimeoutError:
                finished = False
            elapsed = time.perf_counter() - started
            total += elapsed
            remaining = await Event.filter(_due(now)).count()
            print(
                f"tick {ticks}: {elapsed:.1f} s, {'finished' if finished else 'timed out'},"
                f" {due - remaining:,} enforced so far, {remaining:,} still due"
            )
            if finished or (arguments.ticks and ticks >= arguments.ticks):
                break
        done = due - remaining
        print(
            f"drained {done:,} events in {total:.1f} s over {ticks} tick(s):"
            f" {done / total:.0f} events/s, {1000 * total / max(done, 1):.2f} ms per event"
        )
        print(f"wall time {time.perf_counter() - started_all:.1f} s")
    finally:
        clock.reset()
        await close_database()
        await datagen.drop_database(server, COPY)


if __name__ == "__main__":
    asyncio.run(main())
