"""The event ledgers (台账) of a region and period: the 社情民意 ledger and the 矛盾纠纷排查
ledger, each the events of its category scheme by category group, with their status, who
handles them and the outcome; read a page at a time, or exported as XLSX by a worker job
(one job per export, id `event-ledger:<export id>`). The export's progress is saved on its row
and pushed on its live feed (topic "ledger_export"); the file is written to a temporary name
and moved into place whole (api/spreadsheets.py), then offered to the requester alone for a
day. A worker killed mid-way leaves the export RUNNING and its job to be tried again, with no
file offered; a run that finds the export done does nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import anyio
from redis.asyncio import Redis
from tortoise import connections
from tortoise.transactions import in_transaction

from api import clock, outbox, vocabulary
from api.auth import Principal
from api.domains.audit.service import record as audit
from api.domains.ledgers.enums import SCHEME, TITLE, LedgerKind
from api.domains.ledgers.models import EventLedgerExport
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.exports import ExportJobs, requester
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.query import Parameters, path_branches
from api.regions import PATH_COLUMNS, Level
from api.settings import Settings, get_settings
from api.spreadsheets import ExportState, XlsxSheet, formula_safe
from policies.enforcer import authorize

MAX_DAYS: Final = 366
MAX_GROUP: Final = 40
BATCH: Final = 5000  # rows read and written between progress messages
PROGRESS_SECONDS: Final = 1.0
MAX_ROWS: Final = 1_000_000
TOPIC: Final = "ledger_export"


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    kind: LedgerKind
    region_code: str
    first_day: date
    last_day: date
    category_group: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One event as a ledger lists it."""

    event_id: uuid.UUID
    case_number: str
    reported_at: datetime
    region_code: str
    region_name: str | None
    category_key: str
    category_name: str | None
    group_key: str
    group_name: str | None
    source: str
    title: str
    status: str
    card: str
    department_name: str | None
    assignee_name: str | None
    outcome: str | None
    closed_at: datetime | None

    @property
    def key(self) -> str:
        return f"{self.group_key}|{self.reported_at.isoformat()}|{self.event_id}"


# The category group of an event: its category's parent (大类, or a dispute's 2-digit class),
# or the category itself at the top.
GROUP = "coalesce(c.parent_key, e.category_key)"

ORDER = f"{GROUP}, e.reported_at, e.id"

# The outcome is the note of the last result, self-handling or rejection on the timeline.
SELECT = f"""
SELECT e.id AS event_id, e.case_number, e.reported_at, e.region_code, r.name AS region_name,
       e.category_key, c.name AS category_name, {GROUP} AS group_key, g.name AS group_name,
       e.source, e.title, e.status, e.card, d.name AS department_name,
       u.display_name AS assignee_name,
       (SELECT t.note FROM event_timeline t
         WHERE t.event_id = e.id AND t.action IN ('submit', 'self_handle', 'reject')
         ORDER BY t.id DESC LIMIT 1) AS outcome,
       e.closed_at
  FROM events e
  LEFT JOIN event_categories c ON c.key = e.category_key
  LEFT JOIN event_categories g ON g.key = {GROUP}
  LEFT JOIN regions r ON r.code = e.region_code
  LEFT JOIN departments d ON d.id = e.assignee_department_id
  LEFT JOIN users u ON u.id = e.assignee_user_id
"""


def _check(actor: Principal, filters: LedgerFilter) -> None:
    """The filters are sound and the caller may read the ledger of the region (out of the
    caller's area: a typed OUTSIDE_AREA)."""
    if Level.of_code(filters.region_code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    if filters.last_day < filters.first_day:
        raise ValidationFailed(_("the period ends before it starts"), field="to")
    if (filters.last_day - filters.first_day).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            _("a period is at most {MAX_DAYS} days", MAX_DAYS=MAX_DAYS), field="to"
        )
    if filters.category_group is not None and not 1 <= len(filters.category_group) <= MAX_GROUP:
        raise ValidationFailed(
            _("categoryGroup is 1 to {MAX_GROUP} characters", MAX_GROUP=MAX_GROUP),
            field="categoryGroup",
        )
    try:
        authorize(actor.assignments, "ledger", "read", at=filters.region_code)
    except NotFound as error:
        raise ValidationFailed(
            _("{region_code} is outside your area", region_code=filters.region_code),
            field="regionCode",
            code=ErrorCode.OUTSIDE_AREA,
        ) from error


def _bounds(filters: LedgerFilter) -> tuple[datetime, datetime]:
    """The period as instants: China-time days, the last one whole."""
    start = datetime.combine(filters.first_day, datetime.min.time(), LOCAL)
    end = datetime.combine(filters.last_day + timedelta(days=1), datetime.min.time(), LOCAL)
    return start, end


def _where(filters: LedgerFilter, bind: Parameters, *, after: str | None) -> str:
    start, end = _bounds(filters)
    scheme = SCHEME[filters.kind].value
    conditions = [
        " OR ".join(
            f"e.{column} = {bind(code)}"
            for column, code in path_branches([filters.region_code], PATH_COLUMNS)
        ),
        f"e.reported_at >= {bind(start)}",
        f"e.reported_at < {bind(end)}",
        f"starts_with(e.category_key, {bind(scheme + '.')})",
        "e.merged_into_id IS NULL",
    ]
    if filters.category_group is not None:
        conditions.append(f"{GROUP} = {bind(filters.category_group)}")
    if after is not None:
        group, at, event_id = _split(after)
        conditions.append(
            f"({GROUP}, e.reported_at, e.id) > ({bind(group)}, {bind(at)}, {bind(event_id)})"
        )
    return " AND ".join(conditions)


def _split(cursor: str) -> tuple[str, datetime, uuid.UUID]:
    try:
        group, at, event_id = cursor.rsplit("|", 2)
        return group, datetime.fromisoformat(at), uuid.UUID(event_id)
    except ValueError:
        raise ValidationFailed(_("malformed cursor"), field="after") from None


async def _rows(filters: LedgerFilter, *, after: str | None, limit: int) -> list[LedgerEntry]:
    bind = Parameters()
    where = _where(filters, bind, after=after)
    statement = f"{SELECT} WHERE {where} ORDER BY {GROUP}, e.reported_at, e.id LIMIT {bind(limit)}"
    rows = await connections.get("default").execute_query_dict(statement, bind.values)
    return [LedgerEntry(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class Counted:
    """The ledger's events, counted on demand (a connection's totalCount)."""

    filters: LedgerFilter

    async def count(self) -> int:
        bind = Parameters()
        where = _where(self.filters, bind, after=None)
        statement = (
            "SELECT count(*) AS n FROM events e "
            f"LEFT JOIN event_categories c ON c.key = e.category_key WHERE {where}"
        )
        rows = await connections.get("default").execute_query_dict(statement, bind.values)
        return int(rows[0]["n"])


async def ledger(
    *, actor: Principal, filters: LedgerFilter, page: PageRequest
) -> tuple[Page[LedgerEntry], Counted]:
    """A page of the ledger, by category group, then as reported."""
    _check(actor, filters)
    rows = await _rows(filters, after=page.after, limit=page.first + 1)
    return make_page(rows, page, lambda entry: entry.key), Counted(filters)


# ---------------------------------------------------------------- the XLSX export

HEADERS: Final = (
    "类别分组",
    "事件类别",
    "案卷编号",
    "上报时间",
    "网格",
    "来源",
    "事项",
    "状态",
    "处置部门",
    "处置人",
    "处置结果",
    "办结时间",
    "黄红牌",
)


JOBS: Final = ExportJobs(
    model=EventLedgerExport, function="export_event_ledger", prefix="event-ledger"
)
enqueue, requeue_stale = JOBS.enqueue, JOBS.requeue_stale
mine, readable_export = JOBS.mine, JOBS.readable_export


def payload(export: EventLedgerExport) -> dict[str, Any]:
    return {
        "export_id": str(export.id),
        "state": export.state.value,
        "rows_total": export.rows_total,
        "rows_written": export.rows_written,
        "error": export.error,
        "at": clock.now().isoformat(),
    }


async def _publish(export: EventLedgerExport, *, fields: Sequence[str]) -> None:
    """Save the changed fields and queue a progress message, in one short transaction."""
    async with in_transaction():
        await export.save(update_fields=list(fields))
        await outbox.add(topic=TOPIC, region_code=export.region_code, payload=payload(export))


async def start(*, actor: Principal, filters: LedgerFilter, redis: Redis) -> EventLedgerExport:
    """Record an export of the ledger (checked like reading it) and, once committed, queue it."""
    _check(actor, filters)
    if filters.category_group is not None:
        raise ValidationFailed(_("an export holds every group"), field="categoryGroup")
    async with in_transaction():
        export = await EventLedgerExport.create(
            id=uuid.uuid4(),
            kind=filters.kind,
            requested_by_id=requester(actor),
            region_code=filters.region_code,
            first_day=filters.first_day,
            last_day=filters.last_day,
            state=ExportState.QUEUED,
            filename=f"{TITLE[filters.kind]}-{filters.region_code}-"
            f"{filters.first_day}-{filters.last_day}.xlsx",
            created_at=clock.now(),
        )
        queued = await outbox.add(
            topic=TOPIC, region_code=export.region_code, payload=payload(export)
        )
        export.first_sequence = queued.id
        await export.save(update_fields=["first_sequence"])
        await audit(
            actor=actor,
            action="ledger.export",
            object_type="event_ledger_export",
            object_id=str(export.id),
            region_code=filters.region_code,
            detail={"kind": filters.kind.value},
        )
    await enqueue(redis, export.id)
    return export


def _when(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if moment else ""


def cells(entry: LedgerEntry, labels: dict[tuple[str, str], str]) -> list[Any]:
    """One ledger row as the sheet shows it (text cells formula-safe)."""
    return [
        entry.group_name or entry.group_key,
        entry.category_name or entry.category_key,
        entry.case_number,
        _when(entry.reported_at),
        entry.region_name or entry.region_code,
        labels.get(("EventSource", entry.source), entry.source),
        formula_safe(entry.title),
        labels.get(("EventStatus", entry.status), entry.status),
        formula_safe(entry.department_name),
        formula_safe(entry.assignee_name),
        formula_safe(entry.outcome),
        _when(entry.closed_at),
        labels.get(("Card", entry.card), ""),
    ]


def _labels() -> dict[tuple[str, str], str]:
    """The Chinese labels of the codes the sheet shows, from the vocabulary."""
    found = {
        (name, member.value): vocabulary.label(name, member.value)
        for name in ("EventSource", "EventStatus", "Card")
        for member in vocabulary.LABELS[name][0]
    }
    found[("Card", "none")] = ""
    return found


@asynccontextmanager
async def _streamed(
    filters: LedgerFilter,
) -> AsyncIterator[Callable[[int], Awaitable[list[LedgerEntry]]]]:
    """The whole ledger in its order, fetched a batch at a time from one server-side cursor
    (one sort, one snapshot), on a connection of the pool held for the export."""
    bind = Parameters()
    statement = f"{SELECT} WHERE {_where(filters, bind, after=None)} ORDER BY {ORDER}"
    async with (
        connections.get("default").acquire_connection() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        cursor = await connection.cursor(statement, *bind.values)

        async def fetch(size: int) -> list[LedgerEntry]:
            return [LedgerEntry(**dict(row)) for row in await cursor.fetch(size)]

        yield fetch


async def run(export_id: uuid.UUID, *, settings: Settings | None = None) -> ExportState | None:
    """Write the export's file (the worker's part); safe to run again after a crash."""
    settings = settings or get_settings()
    export = await EventLedgerExport.get_or_none(id=export_id)
    if export is None or export.state in (ExportState.DONE, ExportState.FAILED):
        return export.state if export else None
    filters = LedgerFilter(
        kind=export.kind,
        region_code=export.region_code,
        first_day=export.first_day,
        last_day=export.last_day,
    )
    export.state = ExportState.RUNNING
    export.attempts += 1
    export.rows_written = 0
    export.rows_total = min(await Counted(filters).count(), MAX_ROWS)
    await _publish(export, fields=["state", "attempts", "rows_written", "rows_total"])
    labels = _labels()
    with XlsxSheet(settings.attachment_dir, title=TITLE[export.kind], headers=HEADERS) as sheet:
        last_report = time.monotonic()
        async with _streamed(filters) as fetch:
            while export.rows_written < export.rows_total:
                rows = await fetch(min(BATCH, export.rows_total - export.rows_written))
                if not rows:
                    break
                # the sheet is written in a thread: the worker's loop keeps serving its other jobs
                await anyio.to_thread.run_sync(sheet.append, [cells(row, labels) for row in rows])
                export.rows_written += len(rows)
                if time.monotonic() - last_report >= PROGRESS_SECONDS:
                    last_report = time.monotonic()
                    await _publish(export, fields=["rows_written"])
        sha256, size = await anyio.to_thread.run_sync(sheet.finish)
    export.sha256, export.size = sha256, size
    export.state = ExportState.DONE
    export.finished_at = clock.now()
    await _publish(export, fields=["sha256", "size", "state", "rows_written", "finished_at"])
    return export.state


async def fail(export_id: uuid.UUID, reason: str) -> None:
    """Give up an export after its last try (its job raised every time)."""
    async with in_transaction():
        export = await (
            EventLedgerExport.filter(
                id=export_id, state__in=[ExportState.QUEUED, ExportState.RUNNING]
            )
            .select_for_update()
            .first()
        )
        if export is None:
            return
        export.state = ExportState.FAILED
        export.error = reason[:500]
        export.finished_at = clock.now()
        await export.save(update_fields=["state", "error", "finished_at"])
        await outbox.add(topic=TOPIC, region_code=export.region_code, payload=payload(export))
