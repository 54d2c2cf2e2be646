"""A city's worth of events for benchmarks, written by PostgreSQL itself (generate_series).

    await generate(connection, events=1_000_000, due=50_000, now=NOW)

The city 4106 gets 5 districts × 8 townships × 10 communities × 5 grids (2,000 grids), 8
departments per district, one grid worker per grid, then `events` events over the two years
before `now`: skewed categories and sources, most closed or evaluated, some rejected, ~10% with a
yellow card (a third of those also red, each with its `event_cards` rows), some reworked, some
returned by the department first dispatched (a `return` timeline row) and satisfaction ratings on
the evaluated ones. The first `due` events are open with their deadline passed and not yet
enforced, so the deadline sweep has exactly that many to handle; a further 2% are open with
deadlines ahead. Rows are written in order of report, as a live system appends them. Deterministic
for a given size (setseed). Timeline rows other than returns are
not generated: nothing measured here reads them.

`generate` fills a migrated, empty database; `generated_database` makes (or reuses) one of its
own on a server, and `copy_database` clones it for a benchmark that changes data."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from api.db import apply_migrations
from tests.urls import with_database

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 China time, a Wednesday
CITY = "4106"
DISTRICTS = ("410602", "410603", "410611", "410621", "410622")
TOWNSHIPS_PER_DISTRICT = 8
COMMUNITIES_PER_TOWNSHIP = 10
GRIDS_PER_COMMUNITY = 5
DEPARTMENTS_PER_DISTRICT = 8
DAYS = 730

REGIONS_SQL = """
INSERT INTO regions (code, parent_code, name, level, urban_rural, households, external_codes,
                     is_active, created_at, updated_at)
SELECT code, parent_code, name, level, 'urban', households, '{}'::jsonb, true, $1, $1 FROM (
  SELECT $2::text AS code, NULL::text AS parent_code, '鹤壁市' AS name, 'city' AS level,
         0 AS households
  UNION ALL
  SELECT d, $2, '区' || d, 'district', 0 FROM unnest($3::text[]) AS d
  UNION ALL
  SELECT d || lpad(t::text, 3, '0'), d, '街道' || t, 'township', 0
    FROM unnest($3::text[]) AS d, generate_series(1, $4) AS t
  UNION ALL
  SELECT d || lpad(t::text, 3, '0') || lpad(c::text, 3, '0'), d || lpad(t::text, 3, '0'),
         '社区' || c, 'community', 0
    FROM unnest($3::text[]) AS d, generate_series(1, $4) AS t, generate_series(1, $5) AS c
  UNION ALL
  SELECT d || lpad(t::text, 3, '0') || lpad(c::text, 3, '0') || lpad(g::text, 3, '0'),
         d || lpad(t::text, 3, '0') || lpad(c::text, 3, '0'), '第' || g || '网格', 'grid', 300
    FROM unnest($3::text[]) AS d, generate_series(1, $4) AS t, generate_series(1, $5) AS c,
         generate_series(1, $6) AS g
) AS tree
"""

DEPARTMENTS_SQL = """
INSERT INTO departments (id, region_code, code, name, categories, is_active, created_at, updated_at)
SELECT md5('department' || d || n)::uuid, d, 'dept' || n, '部门' || n, '[]'::jsonb, true, $1, $1
  FROM unnest($2::text[]) AS d, generate_series(1, $3) AS n
"""

WORKERS_SQL = """
WITH grids AS (SELECT code FROM regions WHERE level = 'grid')
, made AS (
  INSERT INTO users (id, username, display_name, password_hash, is_active, created_at, updated_at)
  SELECT md5('worker' || code)::uuid, 'worker-' || code, '网格员' || code, '!', true, $1, $1
    FROM grids
  RETURNING id, username
)
INSERT INTO role_assignments (id, role, region_code, created_at, user_id)
SELECT md5('assignment' || username)::uuid, 'grid_worker', substr(username, 8), $1, id FROM made
"""

# One row of randomness per event, then every column derived from it. `kind`: 0 due (open,
# deadline passed, not enforced), 1 open with a deadline ahead, 2 rejected, 3 closed,
# 4 evaluated.
EVENTS_SQL = """
WITH categories AS (
  SELECT array_agg(key ORDER BY key) AS keys FROM event_categories WHERE parent_key IS NOT NULL
), draws AS (
  SELECT i,
         CASE WHEN i <= $3 THEN 0
              WHEN r1 < 0.02 THEN 1
              WHEN r1 < 0.07 THEN 2
              WHEN r1 < 0.40 THEN 3
              ELSE 4 END AS kind,
         r2, r3, r4, r5, r6
    FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                 random() AS r5, random() AS r6
            FROM generate_series(1, $2) AS i) AS raw
), shaped AS (
  SELECT d.*,
         ($4::text[])[1 + floor(r2 * 5)::int] AS district,
         1 + floor(r3 * $5)::int AS township_number,
         1 + floor(r4 * $6)::int AS community_number,
         1 + floor(r5 * $7)::int AS grid_number,
         CASE WHEN kind = 0 THEN $1::timestamptz - make_interval(hours => 20 + floor(r6 * 100)::int)
              WHEN kind = 1 THEN $1::timestamptz - make_interval(hours => floor(r6 * 20)::int)
              ELSE $1::timestamptz - make_interval(mins => 60 + floor(r6 * ($8 * 1440 - 60))::int) END
           AS reported_at,
         (SELECT keys FROM categories) AS keys
    FROM draws AS d
), located AS (
  SELECT s.*,
         district || lpad(township_number::text, 3, '0') || lpad(community_number::text, 3, '0')
           || lpad(grid_number::text, 3, '0') AS grid,
         md5('department' || district || (1 + (i % $9)))::uuid AS department
    FROM shaped AS s
)
INSERT INTO events (id, case_number, title, description, category_key, source, priority, status,
  region_code, city_code, district_code, township_code, community_code, handling_region_code,
  handling_level, assignee_department_id, assignee_user_id, reporter_id, stage, stage_started_at,
  due_at, remind_at, red_at, due_by_stage, card, warning_level, rework_count, escalation_count,
  satisfaction, version, reported_at, filed_at, closed_at, updated_at)
SELECT md5('event' || i)::uuid,
       grid || '-' || i,
       '事件 ' || i,
       '',
       keys[1 + floor(power((i::bigint * 7919 % 1000) / 1000.0, 2) * array_length(keys, 1))::int],
       (ARRAY['grid_patrol', 'grid_patrol', 'grid_patrol', 'hotline', 'hotline', 'citizen',
              'wechat', 'department', 'superior', 'video'])[1 + (i * 31 % 10)],
       CASE WHEN i % 50 = 0 THEN 'urgent' WHEN i % 997 = 0 THEN 'major' ELSE 'normal' END,
       (ARRAY['in_progress', 'assigned', 'rejected', 'closed', 'evaluated'])[1 + kind],
       grid, $10, district, left(grid, 9), left(grid, 12),
       CASE WHEN kind = 2 THEN grid ELSE left(grid, 9) END,
       CASE WHEN kind = 2 THEN 'grid' ELSE 'township' END,
       CASE WHEN kind <> 2 THEN department END,
       CASE WHEN kind <> 2 AND i % 2 = 0 THEN md5('worker' || grid)::uuid END,
       md5('worker' || grid)::uuid,
       CASE WHEN kind <= 1 THEN 'handle' END,
       CASE WHEN kind <= 1 THEN reported_at + interval '2 hours' END,
       CASE WHEN kind = 0 THEN $1::timestamptz - make_interval(mins => 1 + (i % 600))
            WHEN kind = 1 THEN $1::timestamptz + make_interval(hours => 24 + (i % 48)) END,
       CASE WHEN kind = 0 THEN $1::timestamptz - make_interval(mins => 120 + (i % 600))
            WHEN kind = 1 THEN $1::timestamptz + make_interval(hours => 12 + (i % 48)) END,
       CASE WHEN kind = 0 THEN $1::timestamptz + make_interval(hours => 12 + (i % 48))
            WHEN kind = 1 THEN $1::timestamptz + make_interval(hours => 48 + (i % 48)) END,
       CASE WHEN kind = 2 THEN '{}'::jsonb
            ELSE jsonb_build_object('handle', to_jsonb(reported_at + interval '3 days')) END,
       CASE WHEN kind >= 3 AND i % 10 = 3 THEN (CASE WHEN i % 30 = 3 THEN 'red' ELSE 'yellow' END)
            ELSE 'none' END,
       0,
       CASE WHEN kind >= 3 AND i % 20 = 7 THEN 1 ELSE 0 END,
       0,
       CASE WHEN kind = 4 THEN (ARRAY[1, 2, 3, 4, 4, 5, 5, 5, 5, 5])[1 + (i * 13 % 10)] END,
       1,
       reported_at,
       CASE WHEN kind <> 2 THEN reported_at + interval '1 hour' END,
       CASE WHEN kind >= 3 THEN reported_at + make_interval(hours => 4 + (i % 200)) END,
       $1::timestamptz
  FROM located
 ORDER BY reported_at
"""

CARDS_SQL = """
INSERT INTO event_cards (event_id, card, stage, due_at, given_at, handling_region_code,
                         assignee_department_id, assignee_user_id)
SELECT e.id, c.card, 'handle', (e.due_by_stage ->> 'handle')::timestamptz,
       (e.due_by_stage ->> 'handle')::timestamptz
         + CASE c.card WHEN 'yellow' THEN interval '1 minute' ELSE interval '1 day' END,
       e.handling_region_code, e.assignee_department_id, e.assignee_user_id
  FROM events AS e
  JOIN LATERAL (VALUES ('yellow'), ('red')) AS c (card)
    ON c.card = 'yellow' OR e.card = 'red'
 WHERE e.card <> 'none'
"""

RETURNS_SQL = """
INSERT INTO event_timeline (action, actor_label, from_status, to_status, note, attachment_ids, at,
                            event_id)
SELECT 'return', '部门', 'assigned', 'filed', '非本部门职责', '[]'::jsonb,
       filed_at + interval '30 minutes', id
  FROM events
 WHERE filed_at IS NOT NULL AND (hashtext(id::text) % 33) = 0
"""


async def generate(
    connection: asyncpg.Connection,
    *,
    events: int = 1_000_000,
    due: int = 50_000,
    now: datetime = NOW,
) -> dict[str, int]:
    """Fill an empty migrated database; returns row counts per table."""
    async with connection.transaction():
        # Row triggers (the statistics rollup) would cost a million upserts: recount once after.
        await connection.execute("ALTER TABLE events DISABLE TRIGGER USER")
        await _fill(connection, events=events, due=due, now=now)
        await connection.execute("ALTER TABLE events ENABLE TRIGGER USER")
        await connection.execute("SELECT event_daily_counts_rebuild()")
        await connection.execute("SELECT event_map_cells_rebuild()")
    await connection.execute("VACUUM ANALYZE")
    counts = {}
    for table in ("regions", "departments", "users", "events", "event_cards", "event_timeline"):
        counts[table] = int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
    return counts


async def _fill(connection: asyncpg.Connection, *, events: int, due: int, now: datetime) -> None:
    await connection.execute("SELECT setseed(0.42)")
    await connection.execute(
        REGIONS_SQL,
        now,
        CITY,
        list(DISTRICTS),
        TOWNSHIPS_PER_DISTRICT,
        COMMUNITIES_PER_TOWNSHIP,
        GRIDS_PER_COMMUNITY,
    )
    await connection.execute(DEPARTMENTS_SQL, now, list(DISTRICTS), DEPARTMENTS_PER_DISTRICT)
    await connection.execute(WORKERS_SQL, now)
    await connection.execute(
        EVENTS_SQL,
        now,
        events,
        due,
        list(DISTRICTS),
        TOWNSHIPS_PER_DISTRICT,
        COMMUNITIES_PER_TOWNSHIP,
        GRIDS_PER_COMMUNITY,
        DAYS,
        DEPARTMENTS_PER_DISTRICT,
        CITY,
    )
    await connection.execute(CARDS_SQL)
    await connection.execute(RETURNS_SQL)


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def generated_database(
    server_url: str, name: str, *, events: int, due: int, fresh: bool = False
) -> tuple[str, dict[str, int] | None]:
    """A migrated database `name` holding the generated city: reused when one made with the same
    size exists (its COMMENT says so), else (re)made. Returns its URL and, if made now, counts."""
    marker = f"gridgov datagen v2 events={events} due={due}"
    admin = await asyncpg.connect(_dsn(server_url))
    try:
        comment = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            name,
        )
        if comment == marker and not fresh:
            return with_database(server_url, name), None
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(server_url, name)
    await apply_migrations(url)
    connection = await asyncpg.connect(_dsn(url))
    try:
        counts = await generate(connection, events=events, due=due)
    finally:
        await connection.close()
    admin = await asyncpg.connect(_dsn(server_url))
    try:
        await admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
    finally:
        await admin.close()
    return url, counts


async def copy_database(server_url: str, template: str, name: str) -> str:
    """A throwaway copy of `template` (a file-level copy: seconds, not a reload)."""
    admin = await asyncpg.connect(_dsn(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(_dsn(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def scratch_database(*, redis: bool = True) -> AsyncIterator[str]:
    """An empty database on the server DATABASE_URL names (an embedded one for the run where it
    is unset, and an embedded Redis where `redis` and REDIS_URL is unset, exported for the app),
    dropped afterwards; yields its URL."""
    with ExitStack() as stack:
        database_url = os.environ.get("DATABASE_URL")
        redis_url = os.environ.get("REDIS_URL") if redis else None
        if not database_url or (redis and not redis_url):
            from api.embedded import embedded_services

            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            embedded = stack.enter_context(
                embedded_services(
                    data,
                    postgres=not database_url,
                    redis=redis and not redis_url,
                    persist=False,
                )
            )
            database_url = database_url or embedded.database_url
            redis_url = redis_url or (embedded.redis_url if redis else None)
        name = f"gridgov_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(_dsn(database_url))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        try:
            if redis_url:
                os.environ["REDIS_URL"] = redis_url  # the app needs one
            yield with_database(database_url, name)
        finally:
            await drop_database(database_url, name)
