"""A city-sized data set for benchmarks (`gridgov bench-data --scale small|city`).

Everything is generated inside PostgreSQL (INSERT … SELECT over generate_series): a million
events load in about a minute, not the hours row-by-row inserts would take. The data is
deterministic for a scale, so figures from two runs compare. It is written to a database of its
own: the command refuses one that already holds regions."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import orjson

from api import auth
from api.domains.events.enums import EventStatus
from api.domains.events.workflow import TRANSITIONS

BENCH_PASSWORD = "Gridgov-bench-2026"  # noqa: S105 - a generated data set, printed on load
CITY = "4106"
DISTRICTS = {
    "410602": "鹤山区",
    "410603": "山城区",
    "410611": "淇滨区",
    "410621": "浚县",
    "410622": "淇县",
}
DEPARTMENTS = {
    "police": ("公安分局", ["0101", "0102", "0105"]),
    "civil": ("民政局", ["0103", "0104"]),
    "housing": ("住建局", ["0201", "0202"]),
    "urban": ("城市管理局", ["0106", "0107", "0108"]),
}


@dataclass(frozen=True)
class Scale:
    townships_per_district: int
    communities_per_township: int
    grids_per_community: int
    events: int
    people: int
    houses: int  # one household per house; a building per 50 houses
    days: int = 730  # events spread over two years


SCALES = {
    # ~2 minutes of benchmarks on two cores
    "small": Scale(
        townships_per_district=4,
        communities_per_township=5,
        grids_per_community=5,
        events=50_000,
        people=50_000,
        houses=15_000,
    ),
    # DESIGN: 5 districts, ~60 townships, ~600 communities, ~6,000 grids, 1M events
    "city": Scale(
        townships_per_district=12,
        communities_per_township=10,
        grids_per_community=10,
        events=1_000_000,
        people=1_000_000,
        houses=300_000,
    ),
}


@dataclass(frozen=True)
class Loaded:
    scale: str
    regions: int
    users: int
    departments: int
    events: int
    timeline_entries: int
    people: int
    houses: int
    seconds: float


class DatabaseNotEmpty(RuntimeError):
    """bench-data writes a whole city; it must not mix with real data."""


async def load(
    dsn: str, scale: Scale, *, name: str = "custom", progress: Callable[[str], None] = print
) -> Loaded:
    """Generate the data set of `scale` into the (migrated, empty) database at `dsn`."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn.replace("postgres://", "postgresql://", 1))
    try:
        if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM regions)"):
            raise DatabaseNotEmpty("the database already holds regions; use an empty one")

        async def step(name: str, work: Callable[[], Awaitable[object]]) -> None:
            began = time.perf_counter()
            await work()
            progress(f"{name}: {time.perf_counter() - began:.1f} s")

        await step("regions", lambda: _regions(connection, scale))
        await step("departments", lambda: _departments(connection))
        await step("users", lambda: _users(connection))
        await step("events", lambda: _events(connection, scale))
        await step("timeline", lambda: _timeline(connection))
        await step("registry", lambda: _registry(connection, scale))
        # VACUUM as well: the visibility map lets counts read only the indexes at once
        await step("vacuum analyze", lambda: connection.execute("VACUUM ANALYZE"))
        counts = {
            table: await connection.fetchval(f"SELECT count(*) FROM {table}")
            for table in (
                "regions",
                "users",
                "departments",
                "events",
                "event_timeline",
                "registry_people",
                "registry_houses",
            )
        }
    finally:
        await connection.close()
    return Loaded(
        scale=name,
        regions=counts["regions"],
        users=counts["users"],
        departments=counts["departments"],
        events=counts["events"],
        timeline_entries=counts["event_timeline"],
        people=counts["registry_people"],
        houses=counts["registry_houses"],
        seconds=time.perf_counter() - started,
    )


async def _regions(connection: asyncpg.Connection, scale: Scale) -> None:
    await connection.execute(
        "INSERT INTO regions (code, parent_code, name, level, urban_rural, households,"
        " external_codes, is_active, created_at, updated_at, centre_lat, centre_lng)"
        " VALUES ($1, NULL, '鹤壁市', 'city', 'urban', 0, '{}', true, now(), now(), 35.75, 114.3)",
        CITY,
    )
    await connection.executemany(
        "INSERT INTO regions (code, parent_code, name, level, urban_rural, households,"
        " external_codes, is_active, created_at, updated_at)"
        " VALUES ($1, $2, $3, 'district', 'urban', 0, '{}', true, now(), now())",
        [(code, CITY, name) for code, name in DISTRICTS.items()],
    )
    # Each level below: every parent gets n children numbered 001…n; grids hold 100–500 households.
    for level, parent_level, count, label in (
        ("township", "district", scale.townships_per_district, "街道"),
        ("community", "township", scale.communities_per_township, "社区"),
        ("grid", "community", scale.grids_per_community, "网格"),
    ):
        await connection.execute(
            """
            INSERT INTO regions (code, parent_code, name, level, urban_rural, households,
                                 external_codes, is_active, created_at, updated_at,
                                 centre_lat, centre_lng)
            SELECT p.code || lpad(n::text, 3, '0'), p.code, p.name || '第' || n || $4::text,
                   $1::text, CASE WHEN n % 3 = 0 THEN 'rural' ELSE 'urban' END,
                   CASE WHEN $1::text = 'grid' THEN 100 + (hashtext(p.code || n) & 1023) % 401
                        ELSE 0 END,
                   '{}', true, now(), now(),
                   35.6 + (hashtext(p.code || n || 'y') & 65535) / 65535.0 * 0.4,
                   114.1 + (hashtext(p.code || n || 'x') & 65535) / 65535.0 * 0.4
            FROM regions p, generate_series(1, $3::int) AS n
            WHERE p.level = $2::text
            """,
            level,
            parent_level,
            count,
            label,
        )


async def _departments(connection: asyncpg.Connection) -> None:
    rows = [
        (f"{code}-{region}", region, code, f"{name}({region})", categories)
        for region in (CITY, *DISTRICTS)
        for code, (name, categories) in DEPARTMENTS.items()
    ]
    await connection.executemany(
        "INSERT INTO departments (id, region_code, code, name, categories, is_active,"
        " created_at, updated_at)"
        " VALUES (md5($1)::uuid, $2, $3, $4, $5::jsonb, true, now(), now())",
        [
            (key, region, code, name, orjson.dumps(cats).decode())
            for key, region, code, name, cats in rows
        ],
    )


async def _users(connection: asyncpg.Connection) -> None:
    """A user per role and region as the levels staff them; one password for all."""
    password_hash = auth.hash_password(BENCH_PASSWORD)
    # (username prefix, role, region level); usernames are prefix-<region code>
    staffing = [
        ("gw", "grid_worker", "grid"),
        ("cs", "community_staff", "community"),
        ("tc", "township_centre", "township"),
        ("dc", "district_command", "district"),
        ("cc", "city_command", "city"),
        ("ld", "leader", "district"),
        ("ld", "leader", "city"),
        ("admin", "admin", "city"),
    ]
    for prefix, role, level in staffing:
        await connection.execute(
            """
            WITH staffed AS (
                INSERT INTO users (id, username, display_name, password_hash, is_active,
                                   created_at, updated_at)
                SELECT md5($1::text || '-' || code)::uuid, $1::text || '-' || code,
                       name || ' ' || $2::text, $4::text, true, now(), now()
                FROM regions WHERE level = $3::text
                RETURNING id, substr(username, length($1::text) + 2) AS code
            )
            INSERT INTO role_assignments (id, user_id, role, region_code, created_at)
            SELECT md5('ra-' || id::text)::uuid, id, $2::text, code, now() FROM staffed
            """,
            prefix,
            role,
            level,
            password_hash,
        )
    await connection.execute(
        """
        WITH staffed AS (
            INSERT INTO users (id, username, display_name, password_hash, is_active,
                               created_at, updated_at)
            SELECT md5('ds-' || id::text)::uuid, 'ds-' || code || '-' || region_code, name,
                   $1, true, now(), now()
            FROM departments
            RETURNING id, username
        )
        INSERT INTO role_assignments (id, user_id, role, region_code, department_id, created_at)
        SELECT md5('ra-' || s.id::text)::uuid, s.id, 'department_staff', d.region_code, d.id, now()
        FROM staffed s JOIN departments d ON s.username = 'ds-' || d.code || '-' || d.region_code
        """,
        password_hash,
    )


# The state mix of two years of a city's events: half closed or evaluated, the rest spread over
# the open states; overdue work has cards.
_STATUS_SQL = """
CASE
  WHEN i % 100 < 30 THEN 'closed'
  WHEN i % 100 < 50 THEN 'evaluated'
  WHEN i % 100 < 56 THEN 'rejected'
  WHEN i % 100 < 64 THEN 'reported'
  WHEN i % 100 < 72 THEN 'filed'
  WHEN i % 100 < 82 THEN 'assigned'
  WHEN i % 100 < 92 THEN 'in_progress'
  WHEN i % 100 < 97 THEN 'handled'
  ELSE 'verified'
END"""


async def _events(connection: asyncpg.Connection, scale: Scale) -> None:
    await connection.execute(
        """
        CREATE TEMPORARY TABLE bench_grids AS
        SELECT row_number() OVER (ORDER BY code) - 1 AS n, code FROM regions WHERE level = 'grid';
        CREATE TEMPORARY TABLE bench_categories AS
        SELECT row_number() OVER (ORDER BY key) - 1 AS n, key FROM event_categories
        WHERE parent_key IS NOT NULL;
        """
    )
    grids = await connection.fetchval("SELECT count(*) FROM bench_grids")
    categories = await connection.fetchval("SELECT count(*) FROM bench_categories")
    await connection.execute(
        f"""
        INSERT INTO events (
            id, case_number, title, description, category_key, source, priority, status,
            region_code, city_code, district_code, township_code, community_code,
            handling_region_code, handling_level, assignee_department_id, lat, lng, address,
            stage, stage_started_at, due_at, remind_at, red_at, due_by_stage, card,
            warning_level, rework_count, escalation_count, satisfaction, version,
            reported_at, filed_at, closed_at, updated_at)
        SELECT md5('event-' || i)::uuid,
               g.code || '-' || lpad(i::text, 8, '0'),
               c.key || ' 问题 #' || i,
               '网格员巡查发现的问题,编号 ' || i || ',请相关部门处置。',
               c.key,
               (ARRAY['grid_patrol','grid_patrol','grid_patrol','hotline','citizen','wechat',
                      'department','video'])[1 + i % 8],
               CASE WHEN i % 50 = 0 THEN 'urgent' WHEN i % 997 = 0 THEN 'major' ELSE 'normal' END,
               s.status,
               g.code, left(g.code, 4), left(g.code, 6), left(g.code, 9), left(g.code, 12),
               CASE WHEN s.status = 'reported' THEN g.code ELSE left(g.code, 9) END,
               CASE WHEN s.status = 'reported' THEN 'grid' ELSE 'township' END,
               CASE WHEN s.status IN ('assigned','in_progress','handled','verified','closed',
                                      'evaluated')
                    THEN md5((ARRAY['police','civil','housing','urban'])[1 + i % 4] || '-'
                             || left(g.code, 6))::uuid END,
               35.6 + (i % 4000) / 10000.0, 114.1 + (i % 3999) / 10000.0,
               '某街道某小区 ' || (i % 300) || ' 号',
               o.stage,
               CASE WHEN o.stage IS NOT NULL THEN t.reported_at END,
               CASE WHEN o.stage IS NOT NULL THEN t.reported_at + interval '3 days' END,
               CASE WHEN o.stage IS NOT NULL THEN t.reported_at + interval '2 days' END,
               CASE WHEN o.stage IS NOT NULL THEN t.reported_at + interval '5 days' END,
               '{{}}',
               CASE WHEN i % 23 = 0 THEN 'red' WHEN i % 11 = 0 THEN 'yellow' ELSE 'none' END,
               CASE WHEN o.stage IS NULL THEN 0 WHEN i % 23 = 0 THEN 3 WHEN i % 11 = 0 THEN 2
                    ELSE 0 END,
               CASE WHEN i % 19 = 0 THEN 1 ELSE 0 END,
               CASE WHEN i % 29 = 0 THEN 1 ELSE 0 END,
               CASE WHEN s.status = 'evaluated' THEN 1 + (i * 7) % 5 END,
               1,
               t.reported_at,
               CASE WHEN s.status NOT IN ('reported','rejected')
                    THEN t.reported_at + interval '2 hours' END,
               CASE WHEN s.status IN ('closed','evaluated')
                    THEN t.reported_at + ((1 + i % 9) || ' days')::interval END,
               t.reported_at
        FROM generate_series(1, $1) AS i
        JOIN bench_grids g ON g.n = (hashtext('g' || i) & 2147483647) % {grids}
        JOIN bench_categories c ON c.n = (hashtext('c' || i) & 2147483647) % {categories}
        CROSS JOIN LATERAL (SELECT {_STATUS_SQL} AS status) s
        CROSS JOIN LATERAL (SELECT CASE s.status
            WHEN 'reported' THEN 'file' WHEN 'filed' THEN 'dispatch'
            WHEN 'assigned' THEN 'handle' WHEN 'in_progress' THEN 'handle'
            WHEN 'handled' THEN 'verify' WHEN 'verified' THEN 'close' END AS stage) o
        -- newest last: the open events are the recent ones, as in a running city
        CROSS JOIN LATERAL (SELECT now() - make_interval(
            mins => CASE WHEN o.stage IS NOT NULL THEN (i % (14 * 1440))
                         ELSE (i * 37) % ($2 * 1440) END) AS reported_at) t
        """,
        scale.events,
        scale.days,
    )


# The steps that lead to each state, as timeline rows (report first).
_PATH = {
    "reported": ["report"],
    "rejected": ["report", "reject"],
    "filed": ["report", "file"],
    "assigned": ["report", "file", "assign"],
    "in_progress": ["report", "file", "assign", "accept"],
    "handled": ["report", "file", "assign", "accept", "submit"],
    "verified": ["report", "file", "assign", "accept", "submit", "verify"],
    "closed": ["report", "file", "assign", "accept", "submit", "verify", "close"],
    "evaluated": ["report", "file", "assign", "accept", "submit", "verify", "close", "evaluate"],
}


async def _timeline(connection: asyncpg.Connection) -> None:
    # what each step leads to, from the workflow's own table (a report starts as reported)
    to_status = {a.value: t.to.value for a, t in TRANSITIONS.items() if t.to is not None}
    to_status["report"] = EventStatus.REPORTED.value
    paths = [
        (
            status,
            step,
            action,
            to_status[steps[step - 1]] if step > 0 else None,
            to_status[action],
        )
        for status, steps in _PATH.items()
        for step, action in enumerate(steps)
    ]
    await connection.execute(
        "CREATE TEMPORARY TABLE bench_paths (status text, step int, action text, from_status text,"
        " to_status text)"
    )
    await connection.copy_records_to_table("bench_paths", records=paths)
    await connection.execute(
        """
        INSERT INTO event_timeline (event_id, action, actor_label, from_status, to_status,
                                    from_region_code, to_region_code, note, attachment_ids,
                                    seconds_spent, at)
        SELECT e.id, p.action, '网格员', p.from_status, p.to_status,
               e.region_code, e.handling_region_code, '', '[]',
               CASE WHEN p.step > 0 THEN 3600 END,
               e.reported_at + make_interval(hours => p.step)
        FROM events e JOIN bench_paths p ON p.status = e.status::text
        ORDER BY e.reported_at, p.step
        """
    )


# Weights of the 17 digits of a resident ID number (GB 11643, ISO 7064 MOD 11-2).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_SQL = (
    "substr('10X98765432', 1 + ("
    + " + ".join(f"substr(b.body, {k + 1}, 1)::int * {w}" for k, w in enumerate(_ID_WEIGHTS))
    + ") % 11, 1)"
)


async def _registry(connection: asyncpg.Connection, scale: Scale) -> None:
    """Buildings, houses (one household each) and people with valid ID numbers, spread over the
    grids: person i lives in household i mod houses, in that house's grid."""
    houses = scale.houses
    grids = await connection.fetchval("SELECT count(*) FROM bench_grids")
    buildings = max(houses // 50, grids)  # every grid has buildings
    await connection.execute(
        f"""
        INSERT INTO registry_buildings (id, building_code, region_code, name, address, use,
                                        floors_above, lat, lng)
        SELECT md5('building-' || i)::uuid, 'B' || lpad(i::text, 8, '0'), g.code,
               g.code || ' ' || i || '号楼', '某路 ' || i || ' 号', '01', 6 + i % 27,
               35.6 + (i % 4000) / 10000.0, 114.1 + (i % 3999) / 10000.0
        FROM generate_series(0, {buildings - 1}) AS i
        JOIN bench_grids g ON g.n = i % {grids};

        INSERT INTO registry_houses (id, house_code, region_code, building_id, address, unit,
                                     floor, number, area, use, is_rental)
        SELECT md5('house-' || i)::uuid, 'H' || lpad(i::text, 9, '0'), g.code,
               md5('building-' || (i % {buildings}))::uuid, '某路 ' || i || ' 号',
               (1 + i % 4)::text, 1 + i % 18, (100 * (1 + i % 18) + i % 4)::text,
               50 + (i % 90), '01', i % 7 = 0
        FROM generate_series(0, {houses - 1}) AS i
        JOIN bench_grids g ON g.n = (i % {buildings}) % {grids};

        INSERT INTO registry_households (id, household_number, region_code, household_type,
                                         address, house_id)
        SELECT md5('household-' || id::text)::uuid, 'HH' || substr(house_code, 2), region_code,
               'family', address, id
        FROM registry_houses;
        """
    )
    await connection.execute(
        f"""
        INSERT INTO registry_people (id, id_number, region_code, person_type, name, sex,
                                     birth_date, ethnicity, phone, household_id,
                                     relation_to_head, house_id, current_address, status)
        SELECT md5('person-' || i)::uuid, b.body || {_ID_CHECK_SQL}, h.region_code,
               (ARRAY['registered','registered','registered','registered','floating',
                      'registered','registered','floating','registered','foreign'])[1 + i % 10],
               (ARRAY['张','王','李','赵','刘','陈','杨','黄'])[1 + i % 8] || '某' || i,
               CASE WHEN d.seq % 2 = 1 THEN '1' ELSE '2' END, d.born, '01',
               '+86139' || lpad(i::text, 8, '0'), h.id,
               CASE WHEN i < {houses} THEN '02' ELSE '20' END, h.house_id, h.address,
               CASE WHEN i % 97 = 0 THEN 'deregistered' ELSE 'active' END
        FROM generate_series(0, {scale.people - 1}) AS i
        JOIN registry_households h
          ON h.household_number = 'HH' || lpad((i % {houses})::text, 9, '0')
        -- unique per person: born on one of 30,000 days, then a sequence (odd: male)
        CROSS JOIN LATERAL (SELECT date '1940-01-01' + i % 30000 AS born,
                                   (i / 30000) % 1000 AS seq) d
        CROSS JOIN LATERAL (SELECT left(h.region_code, 6) || to_char(d.born, 'YYYYMMDD')
                                   || lpad(d.seq::text, 3, '0') AS body) b
        """
    )
