"""gridgov's event tables on a distributed PostgreSQL (Citus), as docs/SCALING.md plans them.

Skipped unless `GRIDGOV_CITUS_BIN` names the `bin` directory of a PostgreSQL 15 installation
that has the Citus extension (no registry this project reaches ships Citus; SCALING.md says how
it was built from source for this test). The test starts a cluster of its own — a coordinator
and two workers on free loopback ports in a temporary directory; the shared server is never
touched — and loads the tables from this run's migrated database (`pg_dump --schema-only`), so
what is distributed is the schema the migrations make, changed only as SCALING.md says a move
to Citus must change it (those changes are the `DISTRIBUTE` statements below):

- `events` and `event_timeline` distributed by the county code (`district_code`, the first six
  digits of the region code), co-located, the timeline carrying its event's county;
- their primary and unique keys widened to hold the county (Citus enforces uniqueness per
  shard only), the timeline's foreign key to its event made (county, event);
- `regions` and `event_categories` reference tables (a copy on every node);
- the statement triggers that keep the rollups (`event_daily_counts`, `event_map_cells`) and
  the foreign keys to tables not loaded here left out: Citus does not run triggers with
  transition tables on distributed tables.

Then gridgov's own list statement (`list_statement`) is planned and run: a county's page is
routed to one shard, a city's fans out to every shard unless its counties are named."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.auth import Assignment, Principal
from api.domains.events.lists import EventFilter, list_statement
from api.pagination import PageRequest

BIN = os.environ.get("GRIDGOV_CITUS_BIN", "")
pytestmark = pytest.mark.skipif(
    not BIN or not (Path(BIN) / "pg_ctl").exists(),
    reason="GRIDGOV_CITUS_BIN (a PostgreSQL 15 bin directory with Citus installed) is not set",
)

SHARDS = 8
CITY = "4106"  # 鹤壁
COUNTIES = ("410602", "410603", "410611", "410621", "410622")
# the timeline with its monthly partitions and DEFAULT one (migration 0048)
TABLES = ("events", "event_timeline*", "regions", "event_categories")

DISTRIBUTE = f"""
ALTER TABLE events ALTER COLUMN district_code SET NOT NULL;
ALTER TABLE events DROP CONSTRAINT events_pkey, ADD PRIMARY KEY (district_code, id);
ALTER TABLE events DROP CONSTRAINT events_case_number_key,
    ADD CONSTRAINT events_case_number_key UNIQUE (district_code, case_number);
ALTER TABLE event_timeline ADD COLUMN district_code varchar(6) NOT NULL;
ALTER TABLE event_timeline DROP CONSTRAINT event_timeline_pkey,
    ADD PRIMARY KEY (district_code, id, at);
SELECT create_reference_table('regions');
SELECT create_reference_table('event_categories');
SELECT create_distributed_table('events', 'district_code', shard_count => {SHARDS});
SELECT create_distributed_table('event_timeline', 'district_code', colocate_with => 'events');
ALTER TABLE event_timeline ADD CONSTRAINT event_timeline_event_fk
    FOREIGN KEY (district_code, event_id) REFERENCES events (district_code, id);
ALTER TABLE events ADD CONSTRAINT events_region_fk
    FOREIGN KEY (region_code) REFERENCES regions (code);
ALTER TABLE events ADD CONSTRAINT events_category_fk
    FOREIGN KEY (category_key) REFERENCES event_categories (key);
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A coordinator and two workers of our own; as root, run as the `postgres` system user."""

    def __init__(self, root: Path):
        self.root = root
        self.user = "postgres" if os.geteuid() == 0 else None
        self.ports = [_free_port() for _ in range(3)]
        self.started: list[Path] = []
        self.joined = False

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        for index, port in enumerate(self.ports):
            data = self.root / f"node{index}"
            self._run(f"{BIN}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-N")
            with (data / "postgresql.conf").open("a") as conf:
                conf.write(
                    "shared_preload_libraries = 'citus'\n"
                    f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.root}'\n"
                    "shared_buffers = 32MB\nfsync = off\nmax_connections = 60\n"
                )
            self._run(f"{BIN}/pg_ctl", "-D", str(data), "-l", f"{data}.log", "-w", "start")
            self.started.append(data)

    def stop(self) -> None:
        for data in self.started:
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run(f"{BIN}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")

    def dsn(self, index: int = 0) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports[index]}/postgres"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # Not under pytest's private temporary directory: as root the servers run as `postgres`.
    directory = tempfile.mkdtemp(prefix="gridgov-citus-")
    Path(directory).chmod(0o755)
    nodes = Cluster(Path(directory))
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()
        shutil.rmtree(directory, ignore_errors=True)


async def _coordinator(cluster: Cluster) -> asyncpg.Connection:
    """A connection to the coordinator, the cluster joined up the first time."""
    coordinator = await asyncpg.connect(cluster.dsn(0))
    if not cluster.joined:
        for index in (0, 1, 2):
            node = await asyncpg.connect(cluster.dsn(index))
            try:
                await node.execute("CREATE EXTENSION citus")
            finally:
                await node.close()
        await coordinator.execute(
            "SELECT citus_set_coordinator_host('127.0.0.1', $1)", cluster.ports[0]
        )
        for port in cluster.ports[1:]:
            await coordinator.execute("SELECT citus_add_node('127.0.0.1', $1)", port)
        cluster.joined = True
    return coordinator


def _schema(database_url: str, tables: tuple[str, ...] = TABLES) -> list[str]:
    """The migrated tables' DDL, less what SCALING.md says stays behind on a move to Citus:
    foreign keys (re-made below where both sides are distributed or reference tables) and
    triggers (the rollups' statement triggers with transition tables)."""
    dump = subprocess.run(
        [f"{BIN}/pg_dump", "--schema-only", "--no-owner", "--no-privileges"]
        + [arg for table in tables for arg in ("-t", table)]
        + [database_url],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    statements = [s.strip() for s in re.split(r";\n", dump) if s.strip()]
    kept = []
    for statement in statements:
        # comments, and psql's meta-commands (pg_dump's \\restrict lines)
        body = "\n".join(
            line for line in statement.splitlines() if not line.startswith(("--", "\\"))
        )
        if (
            not body.strip()
            or "FOREIGN KEY" in body
            or body.lstrip().startswith("CREATE TRIGGER")
            or "set_config('search_path'" in body  # the dump's empty path: keep ours
        ):
            continue
        kept.append(body)
    return kept


async def _explain(connection: asyncpg.Connection, sql: str, values: list[Any]) -> dict[str, Any]:
    plan = json.loads(await connection.fetchval("EXPLAIN (FORMAT JSON) " + sql, *values))
    return plan[0]["Plan"]


def _tasks(plan: dict[str, Any]) -> int:
    """How many shards Citus sends the statement to (its custom scan's task count)."""
    if "Distributed Query" in plan:
        return int(plan["Distributed Query"]["Job"]["Task Count"])
    return sum(_tasks(child) for child in plan.get("Plans", []))


def _actor(role: str, scope: str) -> Principal:
    return Principal(username="x", assignments=(Assignment(role, scope),))


async def _load(connection: asyncpg.Connection) -> dict[str, uuid.UUID]:
    """Regions of 鹤壁 down to a grid per county, a category, and 40 events with 2 steps each
    per county, reported an hour apart; returns one event id per county."""
    columns = {
        row["column_name"]: row
        for row in await connection.fetch(
            "SELECT column_name, is_nullable, column_default, data_type"
            " FROM information_schema.columns WHERE table_name = 'regions'"
        )
    }
    tree: list[tuple[str, str | None]] = [(CITY, None)]  # a city is a root: no province level
    for county in COUNTIES:
        tree += [
            (county, CITY),
            (f"{county}001", county),
            (f"{county}001001", f"{county}001"),
            (f"{county}001001001", f"{county}001001"),
        ]
    for code, parent in tree:
        values = _filled(columns, {"code": code, "parent_code": parent, "name": code})
        names = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join(f"${index}" for index in range(1, len(values) + 1))
        await connection.execute(
            f"INSERT INTO regions ({names}) VALUES ({marks})", *values.values()
        )
    categories = {
        row["column_name"]: row
        for row in await connection.fetch(
            "SELECT column_name, is_nullable, column_default, data_type"
            " FROM information_schema.columns WHERE table_name = 'event_categories'"
        )
    }
    values = _filled(categories, {"key": "city.0502", "name": "占道经营", "parent_key": None})
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join(f"${index}" for index in range(1, len(values) + 1))
    await connection.execute(
        f"INSERT INTO event_categories ({names}) VALUES ({marks})", *values.values()
    )

    first: dict[str, uuid.UUID] = {}
    start = datetime(2026, 12, 1, tzinfo=UTC)
    for county in COUNTIES:
        grid = f"{county}001001001"
        for n in range(40):
            event_id = uuid.uuid4()
            first.setdefault(county, event_id)
            at = start + timedelta(hours=n)
            # a report: the event and its first steps in one transaction, one shard
            async with connection.transaction():
                await connection.execute(
                    "INSERT INTO events (id, case_number, title, description, category_key,"
                    " source, priority, status, region_code, city_code, district_code,"
                    " township_code, community_code, handling_region_code, handling_level,"
                    " due_by_stage, card, rework_count, escalation_count, version, reported_at,"
                    " updated_at) VALUES ($1, $2, '占道经营', '', 'city.0502', 'grid_worker',"
                    " 'normal', 'reported', $3, $4, $5, $6, $7, $3, 'grid', '{}', 'none', 0, 0,"
                    " 1, $8, $8)",
                    event_id,
                    f"{county}-{n:05d}",
                    grid,
                    CITY,
                    county,
                    grid[:9],
                    grid[:12],
                    at,
                )
                await connection.execute(
                    "INSERT INTO event_timeline (district_code, event_id, action, actor_label,"
                    " note, attachment_ids, at) SELECT $1, $2, a, 'x', '', '[]', $3"
                    " FROM unnest(ARRAY['report', 'file']) AS a",
                    county,
                    event_id,
                    at,
                )
    return first


def _filled(columns: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """`given`, plus a plain value for every other NOT NULL column without a default."""
    plain = {
        "character varying": "x",
        "text": "",
        "integer": 0,
        "smallint": 0,
        "bigint": 0,
        "boolean": True,
        "double precision": 0.0,
        "jsonb": "{}",
        "timestamp with time zone": datetime.now(UTC),
        "uuid": uuid.uuid4(),
    }
    values = dict(given)
    for name, column in columns.items():
        if (
            name not in values
            and column["is_nullable"] == "NO"
            and column["column_default"] is None
        ):
            values[name] = plain[column["data_type"]]
    return values


async def test_event_tables_distributed_by_county(cluster: Cluster, database_url: str) -> None:
    coordinator = await _coordinator(cluster)
    try:
        for statement in _schema(database_url):
            await coordinator.execute(statement)
        for statement in DISTRIBUTE.split(";\n"):
            if statement.strip():
                await coordinator.execute(statement)
        placements = await coordinator.fetchval(
            "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'events'::regclass"
        )
        assert placements == 2  # the shards are spread over both workers

        first = await _load(coordinator)
        assert await coordinator.fetchval("SELECT count(*) FROM events") == 40 * len(COUNTIES)
        assert await coordinator.fetchval("SELECT count(*) FROM event_timeline") == 80 * len(
            COUNTIES
        )

        page = PageRequest(first=20, after=None)
        # A county's command centre: gridgov's list statement, routed to one shard.
        sql, values, _ = list_statement(
            actor=_actor("district_command", "410611"), page=page, filters=EventFilter()
        )
        assert _tasks(await _explain(coordinator, sql, values)) == 1
        rows = await coordinator.fetch(sql, *values)
        assert len(rows) == 21 and {row["region_code"][:6] for row in rows} == {"410611"}
        assert [row["reported_at"] for row in rows] == sorted(
            (row["reported_at"] for row in rows), reverse=True
        )
        # A township is on its county's shard too: the statement names `township_code`, which
        # Citus cannot prune on, so it fans out unless the county is named beside it.
        sql, values, _ = list_statement(
            actor=_actor("township_centre", "410611001"), page=page, filters=EventFilter()
        )
        assert _tasks(await _explain(coordinator, sql, values)) == SHARDS
        routed = sql.replace(" WHERE ", " WHERE \"district_code\"='410611' AND ", 1)
        assert _tasks(await _explain(coordinator, routed, values)) == 1
        assert await coordinator.fetch(routed, *values) == await coordinator.fetch(sql, *values)

        # The city's command centre: the same statement on `city_code` fans out to every shard
        # (of every city, at province scale); naming the city's counties prunes to theirs.
        sql, values, _ = list_statement(
            actor=_actor("city_command", CITY), page=page, filters=EventFilter()
        )
        assert _tasks(await _explain(coordinator, sql, values)) == SHARDS
        city_page = await coordinator.fetch(sql, *values)
        assert len(city_page) == 21  # the coordinator merges the shards' ordered pages
        assert [row["reported_at"] for row in city_page] == sorted(
            (row["reported_at"] for row in city_page), reverse=True
        )
        counties = ",".join(f"'{code}'" for code in COUNTIES[:2])
        two = sql.replace(" WHERE ", f' WHERE "district_code" IN ({counties}) AND ', 1)
        shards_of_two = await coordinator.fetchval(
            "SELECT count(DISTINCT get_shard_id_for_distribution_column('events', c))"
            " FROM unnest($1::text[]) AS c",
            list(COUNTIES[:2]),
        )
        assert _tasks(await _explain(coordinator, two, values)) == shards_of_two

        # event(id) with its timeline: by id alone every shard is asked; with the county, one.
        event_id = first["410621"]
        by_id = (
            "SELECT e.id, t.action FROM events e JOIN event_timeline t"
            " ON t.district_code = e.district_code AND t.event_id = e.id WHERE e.id = $1"
        )
        assert _tasks(await _explain(coordinator, by_id, [event_id])) == SHARDS
        with_county = by_id + " AND e.district_code = $2"
        assert _tasks(await _explain(coordinator, with_county, [event_id, "410621"])) == 1
        steps = await coordinator.fetch(with_county + " ORDER BY t.id", event_id, "410621")
        assert [row["action"] for row in steps] == ["report", "file"]

        # A cross-county timeline row is refused by the co-located foreign key.
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await coordinator.execute(
                "INSERT INTO event_timeline (district_code, event_id, action, actor_label, note,"
                " attachment_ids, at) VALUES ('410602', $1, 'note', 'x', '', '[]', now())",
                event_id,
            )
        # The reference tables join on any shard: a county's counts by grid name, one shard.
        joined = (
            "SELECT r.name, count(*) FROM events e JOIN regions r ON r.code = e.region_code"
            " WHERE e.district_code = $1 GROUP BY r.name"
        )
        assert _tasks(await _explain(coordinator, joined, ["410611"])) == 1
        assert (await coordinator.fetch(joined, "410611"))[0]["count"] == 40
    finally:
        await coordinator.close()


POSITIONS = """
ALTER TABLE worker_positions ADD COLUMN county_code varchar(6) NOT NULL;
ALTER TABLE worker_positions DROP CONSTRAINT worker_positions_pkey,
    ADD PRIMARY KEY (county_code, id, at)
"""


async def test_positions_partitioned_by_month_and_distributed_by_county(
    cluster: Cluster, database_url: str, _tortoise: None
) -> None:
    """The positions history as migration 0041 makes it (monthly partitions and a DEFAULT one),
    distributed by county: a row of a month without a partition lands in the default one,
    `api.partitions.make` makes a month ahead on the coordinator, and a month is made over stray
    rows and dropped, by statements sent one at a time (Citus refuses several in one)."""
    from tortoise import connections

    from api import db, partitions

    coordinator = await _coordinator(cluster)
    client = db.replica_client(cluster.dsn(0).replace("postgresql://", "postgres://"), pool_size=2)
    try:
        for statement in _schema(database_url, ("worker_positions*",)):
            await coordinator.execute(statement)
        for statement in POSITIONS.split(";\n"):
            await coordinator.execute(statement)
        # the unique (user_id, at) key must hold the county too
        unique = await coordinator.fetchval(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'worker_positions'::regclass"
            " AND contype = 'u'"
        )
        await coordinator.execute(
            f'ALTER TABLE worker_positions DROP CONSTRAINT "{unique}",'
            f' ADD CONSTRAINT "{unique}" UNIQUE (county_code, user_id, at)'
        )
        await coordinator.execute(
            "SELECT create_distributed_table('worker_positions', 'county_code', shard_count => 4)"
        )

        spec = partitions.Partitioned("worker_positions", "at", timedelta(days=180))
        now = datetime.now(UTC)
        later = partitions.month_of(now + timedelta(days=200))  # no partition made yet
        insert = (
            "INSERT INTO worker_positions (county_code, user_id, region_code, lat, lng, accuracy,"
            " at, received_at) VALUES ($1::text, $2, $1::text || '001001001', 35.7, 114.2, 10, $3, $3)"
        )
        await coordinator.execute(insert, "410611", uuid.uuid4(), now)
        await coordinator.execute(insert, "410602", uuid.uuid4(), later + timedelta(days=3))
        assert await coordinator.fetchval("SELECT count(*) FROM worker_positions_default") == 1

        ahead = partitions.next_month(later)
        token = connections.set("default", client)
        try:
            # a month with no stray rows: one statement, distributed at once
            assert await partitions.make(spec, ahead)
            # over stray rows: the month is made from them, one statement at a time (Citus's
            # workers refuse several commands in one)
            assert await partitions.make(spec, later)
        finally:
            connections.reset(token)
        name = partitions.partition_name("worker_positions", later)
        assert await coordinator.fetchval("SELECT count(*) FROM worker_positions_default") == 0
        assert await coordinator.fetchval(f'SELECT count(*) FROM "{name}"') == 1
        distributed = {
            row["logicalrelid"]
            for row in await coordinator.fetch(
                "SELECT logicalrelid::text FROM pg_dist_partition"
                " WHERE logicalrelid::text LIKE 'worker_positions%'"
            )
        }
        assert {name, partitions.partition_name("worker_positions", ahead)} <= distributed
        this_month = partitions.partition_name("worker_positions", partitions.month_of(now))
        token = connections.set("default", client)
        try:  # retention's detach and drop, each its own statement
            assert await partitions.drop(spec, this_month)
        finally:
            connections.reset(token)
        assert await coordinator.fetchval("SELECT count(*) FROM worker_positions") == 1

        # a county's positions: one shard; a LIKE on the grid code alone: every shard
        like = "SELECT count(*) FROM worker_positions WHERE region_code LIKE '410611%'"
        assert _tasks(await _explain(coordinator, like, [])) == 4
        county = like + " AND county_code = '410611'"
        assert _tasks(await _explain(coordinator, county, [])) == 1
    finally:
        await client.close()
        await coordinator.close()
