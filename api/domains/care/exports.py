"""The hazard ledger exported as XLSX by a worker job (one job per export, id
`hazard-ledger:<export id>`): progress kept on the export row, the file written in constant
memory (api/spreadsheets.py) to a temporary name and moved into place whole, then offered
for download to the requester alone for a day. A worker killed mid-way leaves the row RUNNING
and its job queued for another try, with no file offered; a run that finds the export done
does nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Final

from redis.asyncio import Redis
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.domains.audit.service import record as audit
from api.domains.care.enums import HazardLevel, HazardStatus
from api.domains.care.inspections import LedgerFilter, _ledger_query
from api.domains.care.models import Hazard, LedgerExport
from api.exports import ExportJobs, requester
from api.flows.calendar import LOCAL
from api.settings import Settings, get_settings
from api.spreadsheets import ExportState, XlsxSheet, formula_safe

BATCH: Final = 500  # rows read and written between progress saves
MAX_ROWS: Final = 200_000  # a year of a district's hazards, many times over
HEADERS: Final = (
    "发现时间",
    "网格",
    "隐患类型",
    "等级",
    "隐患描述",
    "整改责任人",
    "整改期限",
    "状态",
    "黄红牌",
    "复查时间",
    "销号时间",
    "事件",
)


JOBS: Final = ExportJobs(
    model=LedgerExport, function="export_hazard_ledger", prefix="hazard-ledger"
)
job_key, enqueue, requeue_stale = JOBS.job_key, JOBS.enqueue, JOBS.requeue_stale
mine, readable_export = JOBS.mine, JOBS.readable_export


async def start(*, actor: Principal, filters: LedgerFilter, redis: Redis) -> LedgerExport:
    """Record an export of the ledger (checked like reading it) and, once committed, queue it."""
    _ledger_query(actor, filters)  # the same checks and scope as the ledger itself
    export = await LedgerExport.create(
        id=uuid.uuid4(),
        requested_by_id=requester(actor),
        region_code=filters.region_code,
        first_day=filters.first_day,
        last_day=filters.last_day,
        status_filter=filters.status.value if filters.status else None,
        level_filter=filters.level.value if filters.level else None,
        overdue_only=filters.overdue_only,
        state=ExportState.QUEUED,
        filename=f"隐患台账-{filters.region_code}-{filters.first_day}-{filters.last_day}.xlsx",
        created_at=clock.now(),
    )
    await audit(
        actor=actor,
        action="hazard_ledger.export",
        object_type="ledger_export",
        object_id=str(export.id),
        region_code=filters.region_code,
    )
    await enqueue(redis, export.id)
    return export


def _cells(hazard: Hazard) -> list[Any]:
    def when(value: datetime | None) -> str:
        return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        when(hazard.found_at),
        hazard.region_code,
        hazard.hazard_type,
        "重大" if hazard.level == HazardLevel.MAJOR else "一般",
        formula_safe(hazard.description),
        formula_safe(hazard.owner_name),
        when(hazard.deadline),
        {"rectifying": "整改中", "reinspected": "复查合格", "closed": "已销号"}.get(
            hazard.status, hazard.status
        ),
        {"yellow": "黄牌", "red": "红牌"}.get(hazard.card, ""),
        when(hazard.reinspected_at),
        when(hazard.closed_at),
        str(hazard.event_id or ""),
    ]


def _query(export: LedgerExport) -> QuerySet[Hazard]:
    """The export's hazards: its region's subtree, which the requester could read when asking."""
    start = datetime.combine(export.first_day, datetime.min.time(), LOCAL)
    end = datetime.combine(export.last_day + timedelta(days=1), datetime.min.time(), LOCAL)
    query = Hazard.filter(
        region_code__startswith=export.region_code, found_at__gte=start, found_at__lt=end
    )
    if export.status_filter:
        query = query.filter(status=HazardStatus(export.status_filter).value)
    if export.level_filter:
        query = query.filter(level=HazardLevel(export.level_filter))
    if export.overdue_only:
        query = query.filter(card__in=["yellow", "red"])
    return query


async def run(export_id: uuid.UUID, *, settings: Settings | None = None) -> ExportState | None:
    """Write the export's file (the worker's part); safe to run again after a crash."""
    settings = settings or get_settings()
    export = await LedgerExport.get_or_none(id=export_id)
    if export is None or export.state in (ExportState.DONE, ExportState.FAILED):
        return export.state if export else None
    export.state = ExportState.RUNNING
    export.attempts += 1
    export.rows_written = 0
    query = _query(export)
    export.rows_total = min(await query.count(), MAX_ROWS)
    await export.save(update_fields=["state", "attempts", "rows_written", "rows_total"])

    with XlsxSheet(settings.attachment_dir, title="隐患台账", headers=HEADERS) as sheet:
        last: tuple[datetime, uuid.UUID] | None = None
        while export.rows_written < export.rows_total:
            batch = query.order_by("found_at", "id")
            if last is not None:
                batch = batch.filter(Q(found_at__gt=last[0]) | Q(found_at=last[0], id__gt=last[1]))
            rows = await batch.limit(min(BATCH, export.rows_total - export.rows_written))
            if not rows:
                break
            sheet.append(_cells(hazard) for hazard in rows)
            last = (rows[-1].found_at, rows[-1].id)
            export.rows_written += len(rows)
            await export.save(update_fields=["rows_written"])
        sha256, size = sheet.finish()
    export.sha256, export.size = sha256, size
    export.state = ExportState.DONE
    export.finished_at = clock.now()
    await export.save(update_fields=["sha256", "size", "state", "finished_at"])
    return export.state


async def fail(export_id: uuid.UUID, reason: str) -> None:
    """Give up an export after its last try (its job raised every time)."""
    await LedgerExport.filter(
        id=export_id, state__in=[ExportState.QUEUED, ExportState.RUNNING]
    ).update(state=ExportState.FAILED, error=reason[:500], finished_at=clock.now())
