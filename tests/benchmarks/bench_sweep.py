"""The deadline sweep (api/flows/sweep.py, with the events flow's api/domains/events/enforcement.py)
over 1M events of which 50k are due, on a copy of the generated city.

    python -m tests.benchmarks.bench_sweep [--events 1000000] [--due 50000] [--runs 20]
                                           [--stages mixed|yellow] [--batch N]
                                           [--database gridgov_bench_1m]

`--stages mixed` (the default) makes the due events reach every stage: a quarter only their
reminder, half their yellow card, a quarter their red card and with it an escalation; and gives
each township, district and department staff to notify. `--stages yellow` keeps datagen's due
set as generated (every event at its yellow card; notices to the assignees only).

Reports (1) the selection that claims the first batch (what every tick starts with, and all a
quiet tick does), p50/p99 over --runs; (2) the first batch enforced, all stages, with what it
wrote; (3) the drain: batch after batch until nothing is due, events enforced per second and the
total time. Needs DATABASE_URL (a server; the benchmark makes its own databases) and REDIS_URL.
Nothing here is asserted."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import asyncpg

from tests.benchmarks import datagen

TEMPLATE = "gridgov_bench_1m"

# Staff for every centre and department of the generated city, so that every stage notifies
# someone: one township centre per township, one district command per district, one member of
# staff per department.
STAFF_SQL = """
WITH posts AS (
  SELECT md5('staff' || code)::uuid AS user_id, code AS region_code, NULL::uuid AS department_id,
         CASE level WHEN 'township' THEN 'township_centre' ELSE 'district_command' END AS role
    FROM regions WHERE level IN ('township', 'district')
  UNION ALL
  SELECT md5('staff' || id::text)::uuid, region_code, id, 'department_staff' FROM departments
), made AS (
  INSERT INTO users (id, username, display_name, password_hash, is_active, created_at, updated_at)
  SELECT user_id, 'staff-' || user_id, role, '!', true, $1, $1 FROM posts
)
INSERT INTO role_assignments (id, role, region_code, department_id, created_at, user_id)
SELECT md5('assignment' || user_id::text)::uuid, role, region_code, department_id, $1, user_id
  FROM posts
"""
# The due events (open, warning level 0, due before now) moved to the stage they reach: by the
# hash of their id, a quarter only their reminder (deadline ahead), a quarter past the red
# threshold, the rest at their yellow card as generated.
STAGES_SQL = """
UPDATE events
   SET due_at = CASE WHEN hashtext(id::text) & 3 = 0 THEN $1::timestamptz + interval '2 hours'
                     ELSE due_at END,
       red_at = CASE WHEN hashtext(id::text) & 3 = 0 THEN $1::timestamptz + interval '6 hours'
                     WHEN hashtext(id::text) & 3 = 1 THEN $1::timestamptz - interval '5 minutes'
                     ELSE red_at END
 WHERE status NOT IN ('rejected', 'closed', 'evaluated') AND warning_level = 0
   AND due_at <= $1::timestamptz
"""
COUNTED = ("event_cards", "event_timeline", "notices", "outbox")


async def _prepare(url: str, stages: str) -> None:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        if stages == "mixed":
            await connection.execute(STAFF_SQL, datagen.NOW)
            await connection.execute(STAGES_SQL, datagen.NOW)
            await connection.execute("VACUUM ANALYZE events")
    finally:
        await connection.close()


async def _counts() -> dict[str, int]:
    from tortoise import connections

    connection = connections.get("default")
    counts = {}
    for table in COUNTED:
        rows = await connection.execute_query_dict(f"SELECT count(*) AS n FROM {table}")
        counts[table] = int(rows[0]["n"])
    return counts


def _written(before: dict[str, int], after: dict[str, int]) -> str:
    return ", ".join(f"{after[t] - before[t]:,} {t}" for t in COUNTED)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--stages", choices=("mixed", "yellow"), default="mixed")
    parser.add_argument("--batch", type=int, default=0, help="events per batch (0: the sweep's)")
    parser.add_argument(
        "--database",
        default=TEMPLATE,
        help="the generated city's database (made or reused, as bench_stats does), copied here",
    )
    arguments = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not server or not redis_url:
        raise SystemExit("set DATABASE_URL and REDIS_URL (the servers to use)")
    await datagen.generated_database(
        server, arguments.database, events=arguments.events, due=arguments.due
    )
    # The copy is named after its template: sessions sharing a server each use their own.
    copy = f"{arguments.database}_sweep"
    url = await datagen.copy_database(server, arguments.database, copy)
    os.environ.update({"DATABASE_URL": url, "REDIS_URL": redis_url})

    from tortoise.transactions import in_transaction

    from api import clock
    from api.db import apply_migrations, close_database, open_database
    from api.domains.events.flow import EVENTS
    from api.domains.events.models import Event
    from api.flows.clocks import due as due_by
    from api.flows.sweep import BATCH, SweepReport, claim, enforce_batch
    from api.settings import get_settings
    from workers.events import enforce_deadlines

    batch = arguments.batch or BATCH
    get_settings.cache_clear()
    await apply_migrations(url)  # the template may predate the newest migrations
    await _prepare(url, arguments.stages)
    await open_database(url, pool_size=4)
    clock.move(datagen.NOW - clock.now())
    try:
        now = clock.now()
        due = await Event.filter(
            due_by(now, state_column="status", open_states=EVENTS.open_states)
        ).count()
        print(f"events due: {due:,} ({arguments.stages} stages), batch {batch}")

        timings = []
        for _ in range(arguments.runs + 3):
            started = time.perf_counter()
            async with in_transaction():
                await claim(EVENTS, now, batch)
            timings.append((time.perf_counter() - started) * 1000)
        timings = sorted(timings[3:])
        print(
            f"selection of the first batch (claim {batch} with FOR UPDATE SKIP LOCKED):"
            f" p50 {statistics.median(timings):.1f} ms, p99 {timings[-1]:.1f} ms"
        )

        before = await _counts()
        started = time.perf_counter()
        claimed, report = await enforce_batch(EVENTS, now, size=batch)
        first = (time.perf_counter() - started) * 1000
        print(
            f"first batch: {claimed:,} events enforced in {first:.0f} ms"
            f" ({report.reminders} reminders, {report.yellow_cards} yellow cards,"
            f" {report.red_cards} red cards, {report.escalations} escalations;"
            f" wrote {_written(before, await _counts())})"
        )

        total, batches, drained = first / 1000, [first], claimed
        done = SweepReport()
        done.add(report)
        while claimed == batch:
            started = time.perf_counter()
            claimed, report = await enforce_batch(EVENTS, now, size=batch)
            elapsed = time.perf_counter() - started
            total += elapsed
            batches.append(elapsed * 1000)
            drained += claimed
            done.add(report)
        ordered = sorted(batches)
        print(
            f"drain: {drained:,} events in {total:.1f} s over {len(batches)} batches"
            f" ({done.reminders:,} reminders, {done.yellow_cards:,} yellow, {done.red_cards:,}"
            f" red, {done.escalations:,} escalations): {drained / total:,.0f} events/s;"
            f" batch p50 {statistics.median(ordered):.0f} ms, max {ordered[-1]:.0f} ms"
        )
        started = time.perf_counter()
        result = await enforce_deadlines({})
        print(
            f"a quiet tick afterwards (the worker's job, nothing due):"
            f" {(time.perf_counter() - started) * 1000:.1f} ms, {result}"
        )
    finally:
        clock.reset()
        await close_database()
        await datagen.drop_database(server, copy)


if __name__ == "__main__":
    asyncio.run(main())
