"""One import job, start to finish, in one transaction (run by the worker: workers/imports.py).

The file is streamed in batches: each row is checked in Python, the good ones go by binary COPY
into a temporary staging table and the problems into a temporary errors table. Checks that need
the database (unknown grids, duplicates, parents) then run once over all staged rows in SQL, and
one `INSERT … ON CONFLICT (natural key) DO UPDATE … WHERE (changed)` writes them. The row
problems, the job's final counts, its last progress message and the audit entry commit with the
rows, so a run killed at any point leaves nothing behind and the retry starts afresh: the upsert
by natural key makes a second run of the same file change nothing."""

from __future__ import annotations

import asyncio
import contextlib
import operator
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
import structlog
from tortoise import connections

from api import clock, metrics, uploads
from api.auth import Assignment
from api.domains.accounts.models import RoleAssignment
from api.domains.hierarchy import addresses
from api.domains.hierarchy import search as region_search
from api.domains.imports import files
from api.domains.imports.enums import (
    FINISHED,
    Atomicity,
    ImportMode,
    ImportState,
    RowErrorCode,
)
from api.domains.imports.kinds import (
    Column,
    Kind,
    Reference,
    Rejecter,
    RowContext,
    Writer,
    header_key,
    staging_columns,
)
from api.domains.imports.kinds.available import kind_of
from api.domains.imports.models import ImportJob
from api.domains.imports.progress import payload, publish
from api.domains.registry import search as registry_search
from api.domains.registry.privacy import SENSITIVE_COLUMNS
from api.errors import NotFound, PermissionDenied
from api.i18n import _
from api.regions import Level, in_subtree, subtree_sql
from api.settings import Settings, get_settings
from policies.enforcer import authorize, get_enforcer

log = structlog.get_logger("gridgov.imports")

BATCH_ROWS = 10_000
PROGRESS_SECONDS = 1.0
MAX_VALUE = 200
ERROR_COLUMNS = ["row_number", "column_name", "code", "reason", "value"]


@dataclass
class Plan:
    """Which cell of a row feeds which column (None: the file lacks that column)."""

    positions: list[tuple[Column, int | None]]
    present: list[str]
    ignored: list[str]


def plan_columns(kind: Kind, header: list[str]) -> Plan:
    """Map the header onto the kind's columns by alias; refuse a file missing a required one."""
    lookup = {key: column for column in kind.columns for key in column.header_keys()}
    found: dict[str, int] = {}
    ignored: list[str] = []
    for position, text in enumerate(header):
        key = header_key(text)
        if not key:
            continue
        column = lookup.get(key)
        if column is None:
            ignored.append(text.strip()[:64])
        elif column.name in found:
            raise files.FileProblem(
                _(
                    "columns {found} and {position} both mean {name}",
                    found=found[column.name] + 1,
                    position=position + 1,
                    name=column.name,
                )
            )
        else:
            found[column.name] = position
    missing = [c for c in kind.columns if c.required and c.name not in found]
    if missing:
        names = ", ".join(f"{c.name} ({c.aliases[0]})" if c.aliases else c.name for c in missing)
        raise files.FileProblem(_("missing required column(s): {names}", names=names))
    return Plan(
        positions=[(column, found.get(column.name)) for column in kind.columns],
        present=[c.name for c in kind.columns if c.name in found],
        ignored=ignored,
    )


@dataclass
class Counts:
    read: int = 0
    failed_in_reading: int = 0
    problems: list[tuple[Any, ...]] = field(default_factory=list)


class RowReader:
    """Checks rows in Python; yields batches of staging records and collects their problems."""

    def __init__(
        self,
        kind: Kind,
        plan: Plan,
        rows: Iterator[tuple[int, list[str]]],
        *,
        context: RowContext,
        encoding: str | None,
        max_rows: int,
    ):
        self.kind = kind
        self.plan = plan
        self.rows = rows
        self.context = context
        self.encoding = encoding or "utf-8"
        self.max_rows = max_rows
        self.names = [name for name, _unused in staging_columns(kind)]
        self.counts = Counts()
        self.done = False

    def batch(self, size: int) -> list[tuple[Any, ...]]:
        """Up to `size` staging records; problems go to `counts.problems`. The loop is the hot
        path of a million-row file: only the file's own columns are looked at, and a record is
        cut from a prepared dict by one itemgetter."""
        records: list[tuple[Any, ...]] = []
        counts, kind, context = self.counts, self.kind, self.context
        address_column = kind.address_column if context.place is not None else None
        # (name, position, required, max_length, parse) of the file's own columns, unpacked
        # once: attribute lookups per cell cost more than the checks themselves
        present = [
            (c.name, p, c.required, c.max_length, c.parse)
            for c, p in self.plan.positions
            if p is not None
        ]
        template: dict[str, Any] = dict.fromkeys(self.names)
        record_of = operator.itemgetter("row_number", *self.names)
        scope, scope_column = context.scope, kind.scope_column
        problems = counts.problems
        undecodable = files.UNDECODABLE.search
        for number, cells in self.rows:
            if not any(cells):
                continue  # blank rows are skipped, keeping the numbering
            counts.read += 1
            if counts.read > self.max_rows:
                raise files.FileProblem(
                    _("more than {max_rows} rows: split the file", max_rows=self.max_rows)
                )
            if undecodable("\x1f".join(cells)):
                counts.failed_in_reading += 1
                problems.append(
                    (
                        number,
                        None,
                        RowErrorCode.ENCODING,
                        f"the row is not valid {self.encoding}",
                        None,
                    )
                )
                continue
            values = template.copy()
            values["row_number"] = number
            row_problems: list[tuple[Any, ...]] = []
            width = len(cells)
            for name, position, required, max_length, parse in present:
                raw = cells[position].strip() if position < width else ""
                if not raw:
                    if required:
                        row_problems.append((name, RowErrorCode.REQUIRED, "required", None))
                    continue
                if len(raw) > max_length:
                    row_problems.append(
                        (
                            name,
                            RowErrorCode.TOO_LONG,
                            f"at most {max_length} characters",
                            raw[:MAX_VALUE],
                        )
                    )
                    continue
                if parse is None:
                    values[name] = raw
                    continue
                try:
                    values[name] = parse(raw)
                except ValueError as error:
                    row_problems.append(
                        (
                            name,
                            getattr(error, "code", RowErrorCode.INVALID),
                            getattr(error, "reason", str(error)),
                            raw[:MAX_VALUE],
                        )
                    )
            if (
                not row_problems
                and address_column
                and scope_column
                and values.get(scope_column) is None
            ):
                row_problems.extend(_place(values, scope_column, address_column, context))
            if not row_problems:
                placed = values[scope_column] if scope_column else scope
                if not in_subtree(placed, scope):
                    row_problems.append(
                        (
                            scope_column,
                            RowErrorCode.OUT_OF_SCOPE,
                            f"outside the import's region {scope}",
                            placed,
                        )
                    )
                else:
                    row_problems.extend(kind.finish(values, context))
            if row_problems:
                counts.failed_in_reading += 1
                problems.extend((number, *problem) for problem in row_problems)
                continue
            records.append(record_of(values))
            if len(records) >= size:
                return records
        self.done = True
        return records


async def _creator_assignments(job: ImportJob) -> tuple[Assignment, ...]:
    if job.created_by_id is None:
        return ()
    rows = await RoleAssignment.filter(user_id=job.created_by_id).values_list(
        "role", "region_code", "department_id"
    )
    return tuple(Assignment(str(role), str(code), dept) for role, code, dept in rows)


ADDRESS_PROBLEMS = {
    addresses.Outcome.UNMATCHED: (RowErrorCode.UNMATCHED_ADDRESS, "names no region of {scope}"),
    addresses.Outcome.AMBIGUOUS: (
        RowErrorCode.AMBIGUOUS_ADDRESS,
        "names regions {candidates} equally: give the region code",
    ),
    addresses.Outcome.UNCERTAIN: (
        RowErrorCode.UNCERTAIN_ADDRESS,
        "names too little of the way to {candidates} (confidence {confidence:.2f}):"
        " give the region code or a fuller address",
    ),
}


def _place(
    values: dict[str, Any], scope_column: str, address_column: str, context: RowContext
) -> list[tuple[Any, ...]]:
    """A row with an address but no region code is placed in the region the address names
    (地址匹配), or reported; never placed on a guess."""
    address = values.get(address_column)
    if address is None or context.place is None:
        return [(scope_column, RowErrorCode.REQUIRED, "give the region code or an address", None)]
    placement = context.place(address)
    if placement.outcome is addresses.Outcome.PLACED:
        values[scope_column] = placement.region_code
        return []
    code, reason = ADDRESS_PROBLEMS[placement.outcome]
    message = reason.format(
        scope=context.scope,
        candidates=", ".join(placement.candidates),
        confidence=placement.confidence,
    )
    return [(address_column, code, message, address[:MAX_VALUE])]


def _row_context(
    assignments: tuple[Assignment, ...],
    scope: str,
    place: Callable[[str], addresses.Placement] | None = None,
) -> RowContext:
    enforcer = get_enforcer()
    memo: dict[tuple[str, Level], bool] = {}
    covering = [a for a in assignments if in_subtree(scope, a.region_code)]

    def may_assign(role: str, level: Level) -> bool:
        key = (role, level)
        if key not in memo:
            memo[key] = any(
                enforcer.allows(a.role, level, "user", "assign_role", at=scope) for a in covering
            )
        return memo[key]

    allowed: dict[tuple[str, str, str], bool] = {}

    def may(obj: str, action: str, at: str) -> bool:
        key = (obj, action, at)
        if key not in allowed:
            try:
                authorize(assignments, obj, action, at=at, enforcer=enforcer)
                allowed[key] = True
            except (NotFound, PermissionDenied):
                allowed[key] = False
        return allowed[key]

    return RowContext(scope=scope, may_assign=may_assign, may=may, place=place)


async def fail(job: ImportJob, reason: str) -> ImportState:
    job.state = ImportState.FAILED
    job.error = reason[:500]
    job.finished_at = clock.now()
    await publish(job, fields=["state", "error", "finished_at"])
    log.info("import failed", job_id=str(job.id), reason=reason)
    return ImportState.FAILED


async def run(job_id: uuid.UUID, *, settings: Settings | None = None) -> ImportState | None:
    """Run the job unless it already finished; returns its state (None: no such job)."""
    settings = settings or get_settings()
    job = await ImportJob.get_or_none(id=job_id)
    if job is None:
        return None
    if job.state in FINISHED or job.state is ImportState.AWAITING_REVIEW:
        return job.state
    job.state = ImportState.RUNNING
    job.attempts += 1
    job.started_at = clock.now()
    job.rows_read = job.rows_valid = job.rows_failed = 0
    job.rows_inserted = job.rows_updated = job.rows_unchanged = 0
    await publish(
        job,
        fields=[
            "state",
            "attempts",
            "started_at",
            "rows_read",
            "rows_valid",
            "rows_failed",
            "rows_inserted",
            "rows_updated",
            "rows_unchanged",
        ],
    )
    assignments = await _creator_assignments(job)
    try:
        authorize(assignments, "import", job.kind.value, at=job.region_code)
    except (NotFound, PermissionDenied):
        return await fail(job, "the user who started the import may no longer import here")
    kind = kind_of(job.kind)
    if kind is None:
        return await fail(job, f"{job.kind.value} cannot be imported yet")
    try:
        sheet = files.open_sheet(
            uploads.path_of(settings.import_dir, job.file_sha256),
            job.file_format,
            max_uncompressed=settings.gridgov_max_import_unpacked_bytes,
        )
    except files.FileProblem as problem:
        return await fail(job, str(problem))
    place = None
    if kind.address_column is not None:
        place = (await addresses.matcher_for(job.region_code)).place
    try:
        plan = plan_columns(kind, sheet.header)
        reader = RowReader(
            kind,
            plan,
            sheet.rows,
            context=_row_context(assignments, job.region_code, place),
            encoding=sheet.encoding,
            max_rows=settings.gridgov_max_import_rows,
        )
        job.encoding = sheet.encoding
        job.columns, job.ignored_columns = plan.present, plan.ignored
        connection = await _own_connection()
        try:
            async with connection.transaction():
                state = await _run_in_transaction(connection, job, kind, plan, reader, settings)
        finally:
            await connection.close()
        # the pinyin keys of the names the job wrote (拼音检索), once its rows are committed
        await registry_search.index_changed(since=job.started_at)
        await region_search.backfill()
        return state
    except files.FileProblem as problem:
        return await fail(job, str(problem))
    finally:
        files.close_sheet(sheet)


async def _own_connection() -> asyncpg.Connection:
    """A connection of its own to the pool's database: the staging table of a million rows must
    stay in memory (temp_buffers), which a session can set only before its first temporary
    table, and the pool stays free for the progress messages meanwhile."""
    pool: Any = connections.get("default")
    return await asyncpg.connect(
        host=pool.host,
        port=pool.port,
        user=pool.user,
        password=pool.password,
        database=pool.database,
        server_settings={"temp_buffers": "256MB", "work_mem": "64MB"},
    )


LOCK_WAIT_SECONDS = 30


async def _run_in_transaction(
    connection: asyncpg.Connection,
    job: ImportJob,
    kind: Kind,
    plan: Plan,
    reader: RowReader,
    settings: Settings,
) -> ImportState:
    if not await _lock(connection, job):
        return ImportState.RUNNING
    staging_names = await _create_staging(connection, kind)
    phases: dict[str, float] = {}
    with _timed(phases, "read"):
        await _read(connection, job, reader, staging_names)
    reject = _rejecter(connection)
    with _timed(phases, "check"):
        await _check(connection, job, kind, reject)
    with _timed(phases, "write"):
        await _write(connection, job, kind, plan, rows_read=reader.counts.read)
    with _timed(phases, "finish"):
        await _finish(connection, job, settings)
    metrics.import_finished(job.rows_read, sum(phases.values()))
    log.info(
        "import finished",
        job_id=str(job.id),
        state=job.state.value,
        read=job.rows_read,
        failed=job.rows_failed,
        inserted=job.rows_inserted,
        updated=job.rows_updated,
        seconds={phase: round(took, 2) for phase, took in phases.items()},
    )
    return job.state


@contextlib.contextmanager
def _timed(phases: dict[str, float], phase: str) -> Iterator[None]:
    """How long a phase took, for the log line of a finished import (not kept on failure)."""
    start = time.monotonic()
    yield
    phases[phase] = time.monotonic() - start


async def _lock(connection: asyncpg.Connection, job: ImportJob) -> bool:
    """Hold the job's lock for the transaction; False if another run holds it."""
    # Two runs of one job (a retry racing a slow first attempt) never interleave. A retry right
    # after a worker was killed waits: PostgreSQL ends the dead worker's transaction, and frees
    # its lock, only when the statement it was running notices the closed connection.
    previous = await connection.fetchval("SELECT current_setting('lock_timeout')")
    try:
        async with connection.transaction():  # a savepoint: a timeout leaves the job's usable
            await connection.execute(
                "SELECT set_config('lock_timeout', $1, true)", f"{LOCK_WAIT_SECONDS}s"
            )
            await connection.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"import:{job.id}"
            )
    except asyncpg.exceptions.LockNotAvailableError:
        log.info("import already running elsewhere", job_id=str(job.id))
        return False
    await connection.execute("SELECT set_config('lock_timeout', $1, true)", previous)
    return True


async def _create_staging(connection: asyncpg.Connection, kind: Kind) -> list[str]:
    """The transaction's staging and errors tables; returns the staging table's columns."""
    columns = staging_columns(kind)
    await connection.execute(
        "CREATE TEMP TABLE import_staging (row_number integer, "
        + ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
        + ") ON COMMIT DROP"
    )
    await connection.execute(
        "CREATE TEMP TABLE import_errors (id bigint GENERATED ALWAYS AS IDENTITY, "
        "row_number integer, column_name text, code text, reason text, value text) ON COMMIT DROP"
    )
    return ["row_number", *[name for name, _unused in columns]]


async def _read(
    connection: asyncpg.Connection, job: ImportJob, reader: RowReader, staging_names: list[str]
) -> None:
    """Phase "read": check each row in Python and COPY the good ones into the staging table and
    the problems into the errors table, publishing progress as it goes."""
    counts = reader.counts
    last_report = time.monotonic()
    staged = 0

    async def stage(records: list[tuple[Any, ...]], problems: list[tuple[Any, ...]]) -> None:
        if records:
            await connection.copy_records_to_table(
                "import_staging", records=records, columns=staging_names
            )
        if problems:
            await connection.copy_records_to_table(
                "import_errors", records=problems, columns=ERROR_COLUMNS
            )

    # The next batch is checked in a thread while PostgreSQL takes in the previous one: the
    # server's work then hides behind ours (two cores, two processes).
    pending: asyncio.Task[None] | None = None
    try:
        while not reader.done:
            records = await asyncio.to_thread(reader.batch, BATCH_ROWS)
            problems, counts.problems = counts.problems, []
            if pending is not None:
                await pending
            pending = asyncio.create_task(stage(records, problems))
            staged += len(records)
            if time.monotonic() - last_report >= PROGRESS_SECONDS:
                last_report = time.monotonic()
                job.rows_read, job.rows_failed = counts.read, counts.failed_in_reading
                job.rows_valid = staged
                await publish(job, fields=["rows_read", "rows_failed", "rows_valid"])
        if pending is not None:
            await pending
    finally:
        # never leave a COPY running on the connection the transaction is about to end
        if pending is not None and not pending.done():
            with contextlib.suppress(Exception):
                await pending


def _rejecter(connection: asyncpg.Connection) -> Rejecter:
    """Move the staged rows a SELECT names into the errors table; returns how many it named."""

    async def reject(select: str, *args: Any) -> int:
        status = await connection.execute(
            f"INSERT INTO import_errors ({', '.join(ERROR_COLUMNS)}) {select}", *args
        )
        found = int(status.rsplit(" ", 1)[-1])
        if found:
            await connection.execute(
                "DELETE FROM import_staging s USING import_errors e "
                "WHERE s.row_number = e.row_number"
            )
        return found

    return reject


async def _check(
    connection: asyncpg.Connection, job: ImportJob, kind: Kind, reject: Rejecter
) -> None:
    """Phase "check": what needs the database, once over all staged rows (duplicates within
    the file, unknown grids, references, scope, the kind's own checks)."""
    await connection.execute("ANALYZE import_staging")
    keys = ", ".join(kind.key)
    await reject(
        f"SELECT row_number, '{kind.key[0]}', 'DUPLICATE', 'the same as row ' || first_row, "
        f"{kind.key[0]}::text FROM (SELECT row_number, {kind.key[0]}, "
        f"min(row_number) OVER (PARTITION BY {keys}) AS first_row FROM import_staging) d "
        "WHERE row_number > first_row"
    )
    if kind.region_column:
        column = kind.region_column
        await reject(
            f"SELECT s.row_number, '{column}', 'UNKNOWN_REGION', "
            f"'no active region ' || s.{column}, s.{column} FROM import_staging s "
            f"WHERE NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = s.{column} "
            "AND r.is_active)"
        )
    for reference in kind.references:
        await _check_reference(reject, reference, job.region_code)
        copied = "".join(f", {column} = t.{column}" for column in reference.copies)
        await connection.execute(
            f"UPDATE import_staging s SET {reference.into} = t.id{copied} "
            f"FROM {reference.table} t WHERE t.{reference.key} = s.{reference.column}"
        )
    for column, table_key in kind.code_columns.items():
        await _check_code(reject, kind, column, table_key)
    await kind.check_scope(reject, job.region_code)
    await kind.check(connection, reject, job.region_code)


async def _check_code(reject: Rejecter, kind: Kind, column: str, table_key: str) -> None:
    """Rows whose code is not an active code of the live table usable at the row's region."""
    key = table_key.replace("'", "''")
    usable = "c.region_code IS NULL"
    if kind.region_column:
        usable += f" OR s.{kind.region_column} LIKE c.region_code || '%'"
    await reject(
        f"SELECT s.row_number, '{column}', 'INVALID_CODE', "
        f"'not an active code of table {key} here', s.{column} FROM import_staging s "
        f"WHERE s.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_codes c "
        f"WHERE c.table_key = '{key}' AND c.code = s.{column} AND c.is_active AND ({usable}))"
    )


async def _write(
    connection: asyncpg.Connection, job: ImportJob, kind: Kind, plan: Plan, *, rows_read: int
) -> None:
    """Phase "write": the job's outcome from the counts, and the upsert unless the job only
    validates or is all-or-nothing with problems."""
    valid = await connection.fetchval("SELECT count(*) FROM import_staging")
    failed = await connection.fetchval("SELECT count(DISTINCT row_number) FROM import_errors")
    job.rows_read, job.rows_valid, job.rows_failed = rows_read, valid, failed
    if job.mode is ImportMode.VALIDATE:
        job.state = ImportState.VALIDATED
    elif job.atomicity is Atomicity.ALL_OR_NOTHING and failed:
        job.state = ImportState.REJECTED
    elif job.mode is ImportMode.REVIEW and job.reviewed_at is None:
        job.state = ImportState.AWAITING_REVIEW  # the batch waits: approval runs it again
    else:
        writer = Writer(
            scope=job.region_code,
            job_id=str(job.id),
            actor_id=job.created_by_id,
            actor_label=job.created_by_label,
        )
        written = await kind.write(connection, plan.present, writer)
        job.rows_inserted, job.rows_updated = written.inserted, written.updated
        job.rows_unchanged = valid - written.inserted - written.updated
        job.state = ImportState.COMPLETED


async def _finish(connection: asyncpg.Connection, job: ImportJob, settings: Settings) -> None:
    """Phase "finish": the row problems a client may read, then the job's outcome."""
    await connection.execute("DELETE FROM import_row_errors WHERE job_id = $1", job.id)
    # Echoed identifiers are masked like the registry shows them (4106**********1234), in the
    # value and in the reason that quotes it: the errors may be read by others in the region
    # than the one who sent the file. The uploader alone is shown the cell whole
    # (uploaded_value), to find the row in their own file.
    status = await connection.execute(
        'INSERT INTO import_row_errors (job_id, row_number, "column", code, reason, value, '
        "uploaded_value) "
        "SELECT $1, row_number, column_name, code, left(CASE WHEN masked IS DISTINCT FROM value "
        "THEN replace(reason, value, masked) ELSE reason END, 300), left(masked, 200), "
        "CASE WHEN masked IS DISTINCT FROM value THEN left(value, 200) END "
        "FROM (SELECT id, row_number, column_name, code, reason, value, CASE "
        "WHEN column_name IS NULL OR column_name <> ALL($3::text[]) THEN value "
        "WHEN length(value) <= 8 THEN repeat('*', length(value)) "
        "ELSE left(value, 4) || repeat('*', length(value) - 8) || right(value, 4) END AS masked "
        "FROM import_errors) e ORDER BY row_number, id LIMIT $2",
        job.id,
        settings.gridgov_max_import_errors,
        sorted(SENSITIVE_COLUMNS),
    )
    job.errors_stored = int(status.rsplit(" ", 1)[-1])
    job.finished_at = clock.now()
    await _record_outcome(connection, job)


async def _check_reference(reject: Rejecter, reference: Reference, scope: str) -> None:
    """A record named by its natural key must exist inside the import's region (outside: not
    found, unless the reference says how to tell it) and, if the reference says so, be active."""
    column, table, key, label = reference.column, reference.table, reference.key, reference.label
    named = f"FROM import_staging s WHERE s.{column} IS NOT NULL"
    found = f"SELECT 1 FROM {table} t WHERE t.{key} = s.{column}"
    if reference.outside is None:
        await reject(
            f"SELECT s.row_number, '{column}', 'UNKNOWN_REFERENCE', "
            f"'no {label} ' || s.{column} || ' in your region', s.{column} {named} "
            f"AND NOT EXISTS ({found} AND {subtree_sql('t.region_code', '$1')})",
            scope,
        )
    else:
        await reject(
            f"SELECT s.row_number, '{column}', 'UNKNOWN_REFERENCE', "
            f"'no {label} ' || s.{column}, s.{column} {named} AND NOT EXISTS ({found})"
        )
        await reject(
            f"SELECT s.row_number, '{column}', '{reference.outside.value}', "
            f"'the {label} ' || s.{column} || ' is outside your region', s.{column} {named} "
            f"AND EXISTS ({found} AND NOT {subtree_sql('t.region_code', '$1')})",
            scope,
        )
    if reference.active:
        await reject(
            f"SELECT s.row_number, '{column}', 'UNKNOWN_REFERENCE', "
            f"'the {label} ' || s.{column} || ' is deregistered', s.{column} {named} "
            f"AND EXISTS ({found} AND t.status <> 'active')"
        )


async def _record_outcome(connection: asyncpg.Connection, job: ImportJob) -> None:
    """The final counts, the last progress message and the audit entry, with the rows."""
    await connection.execute(
        "UPDATE import_jobs SET state = $2, encoding = $3, columns = $4::jsonb, "
        "ignored_columns = $5::jsonb, rows_read = $6, rows_valid = $7, rows_failed = $8, "
        "rows_inserted = $9, rows_updated = $10, rows_unchanged = $11, errors_stored = $12, "
        "finished_at = $13, error = NULL, updated_at = now() WHERE id = $1",
        job.id,
        job.state.value,
        job.encoding,
        orjson.dumps(job.columns).decode(),
        orjson.dumps(job.ignored_columns).decode(),
        job.rows_read,
        job.rows_valid,
        job.rows_failed,
        job.rows_inserted,
        job.rows_updated,
        job.rows_unchanged,
        job.errors_stored,
        job.finished_at,
    )
    await connection.execute(
        "INSERT INTO outbox (topic, region_code, payload, created_at) "
        "VALUES ('import', $1, $2::jsonb, now())",
        job.region_code,
        orjson.dumps(payload(job)).decode(),
    )
    if job.state is ImportState.COMPLETED:
        await connection.execute(
            "INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, "
            "region_code, detail) VALUES (now(), $1, $2, $3, 'import_job', $4, $5, $6::jsonb)",
            job.created_by_id,
            job.created_by_label,
            f"import.{job.kind.value}",
            str(job.id),
            job.region_code,
            orjson.dumps(
                {
                    "filename": job.filename,
                    "sha256": job.file_sha256,
                    "inserted": job.rows_inserted,
                    "updated": job.rows_updated,
                    "unchanged": job.rows_unchanged,
                    "failed": job.rows_failed,
                }
                | (
                    {
                        "approved_by": job.reviewed_by_label,
                        "approved_by_id": str(job.reviewed_by_id),
                    }
                    if job.reviewed_at is not None
                    else {}
                )
            ).decode(),
        )
