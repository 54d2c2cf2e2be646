"""Monthly range partitions of history tables: made ahead, and dropped once past retention.

A partitioned table (PostgreSQL's declarative partitioning, `PARTITION BY RANGE (<column>)`)
has one partition per calendar month (UTC), named `<table>_pYYYYMM`, and a DEFAULT partition
`<table>_default` that catches a row whose month has no partition yet, so an insert never fails
for want of one. The worker makes the partitions of this month and the next `AHEAD` each day;
should rows have landed in the default partition meanwhile, the month's partition is made from
them (moved in the same transaction) instead of refusing to attach. Retention drops whole
partitions whose every row is older than the table's retention — detach, then drop: no DELETE,
no dead rows, no vacuum debt, however many rows a month holds — and, where the table says which
rows are still wanted whatever their age (`keep`: the outbox's rows not yet relayed or fanned
out), only when none of those is in it.

The partitioned tables (workers/history.py lists them with their retention settings):
`worker_positions` by `at` (migration 0041), and `event_timeline` by `at`, `outbox` by
`created_at`, `audit_log` by `at`, `webhook_deliveries` by `created_at` (0048). Each one's
primary key is (id, <column>), as a partitioned table's unique keys must hold its partition key;
ids still come from the table's own sequence, and a lookup by id alone probes each month's
index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from tortoise import connections
from tortoise.transactions import in_transaction

log = structlog.get_logger("gridgov.partitions")

AHEAD = 2  # months made in advance beyond the current one


@dataclass(frozen=True)
class Partitioned:
    table: str
    column: str  # the timestamptz the months are cut on
    retention: timedelta | None  # None: kept for ever
    # SQL condition on a partition's rows: a month holding any row it matches is kept, however
    # old (written by us, never from input)
    keep: str | None = None


def month_of(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(month: datetime) -> datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def partition_name(table: str, month: datetime) -> str:
    return f"{table}_p{month:%Y%m}"


async def months(spec: Partitioned) -> dict[str, datetime]:
    """The table's monthly partitions by name, with the month each holds."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT child.relname AS name FROM pg_inherits"
        " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
        " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
        " WHERE parent.relname = $1 AND child.relname LIKE $2",
        [spec.table, f"{spec.table}_p%"],
    )
    found = {}
    for row in rows:
        suffix = row["name"].removeprefix(f"{spec.table}_p")
        if len(suffix) == 6 and suffix.isdigit():
            found[row["name"]] = datetime(int(suffix[:4]), int(suffix[4:]), 1, tzinfo=UTC)
    return found


async def make(spec: Partitioned, month: datetime) -> bool:
    """The month's partition, made if missing (from the default partition's rows of that month,
    if any); True when it was made now."""
    name = partition_name(spec.table, month)
    start, end = month.isoformat(), next_month(month).isoformat()
    async with in_transaction() as connection:
        # one maker at a time per table: two workers must not both create the month
        await connection.execute_query("SELECT pg_advisory_xact_lock(hashtext($1))", [spec.table])
        exists = await connection.execute_query_dict(
            "SELECT 1 FROM pg_class WHERE relname = $1", [name]
        )
        if exists:
            return False
        stray = await connection.execute_query_dict(
            f'SELECT count(*) AS n FROM "{spec.table}_default"'
            f' WHERE "{spec.column}" >= $1 AND "{spec.column}" < $2',
            [month, next_month(month)],
        )
        if not stray[0]["n"]:
            await connection.execute_script(
                f'CREATE TABLE "{name}" PARTITION OF "{spec.table}"'
                f" FOR VALUES FROM ('{start}') TO ('{end}')"
            )
            return True
        # rows of the month wait in the default partition: a partition cannot be made over
        # them, so they move into a table that is then attached as the month's partition
        # one statement at a time: a distributed PostgreSQL (Citus, docs/SCALING.md) passes a
        # statement's text on to its workers, which refuse several commands in one
        moved = (
            f'FROM "{spec.table}_default"'
            f" WHERE \"{spec.column}\" >= '{start}' AND \"{spec.column}\" < '{end}'"
        )
        for statement in (
            f'CREATE TABLE "{name}" (LIKE "{spec.table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
            f'INSERT INTO "{name}" SELECT * {moved}',
            f"DELETE {moved}",
            f'ALTER TABLE "{spec.table}" ATTACH PARTITION "{name}"'
            f" FOR VALUES FROM ('{start}') TO ('{end}')",
        ):
            await connection.execute_script(statement)
        log.warning("partition made from stray rows", table=spec.table, month=f"{month:%Y-%m}")
        return True


async def drop(spec: Partitioned, name: str) -> bool:
    """Detach and drop the partition, unless it holds a row the table keeps; True when dropped."""
    async with in_transaction() as connection:
        await connection.execute_query("SELECT pg_advisory_xact_lock(hashtext($1))", [spec.table])
        if spec.keep is not None:
            wanted = await connection.execute_query_dict(
                f'SELECT EXISTS (SELECT 1 FROM "{name}" WHERE {spec.keep}) AS wanted'
            )
            if wanted[0]["wanted"]:
                log.info("partition kept past retention", table=spec.table, partition=name)
                return False
        await connection.execute_script(f'ALTER TABLE "{spec.table}" DETACH PARTITION "{name}"')
        await connection.execute_script(f'DROP TABLE "{name}"')
        return True


async def maintain(spec: Partitioned, *, now: datetime) -> tuple[list[str], list[str]]:
    """Make this month's and the next AHEAD months' partitions; drop those past retention.
    Returns the names made and dropped."""
    made, dropped = [], []
    month = month_of(now)
    for _ in range(AHEAD + 1):
        if await make(spec, month):
            made.append(partition_name(spec.table, month))
        month = next_month(month)
    if spec.retention is not None:
        cutoff = now - spec.retention
        for name, held in sorted((await months(spec)).items()):
            if next_month(held) > cutoff:  # some row of it is within retention
                continue
            if await drop(spec, name):
                dropped.append(name)
    if made or dropped:
        log.info("partitions maintained", table=spec.table, made=made, dropped=dropped)
    return made, dropped
