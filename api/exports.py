"""The job side of every export kind (a ledger written as XLSX by a worker): one arq job per
export under a deterministic id, a lost enqueue queued again, the export read by whoever asked
for it alone, and its file offered once whole, for a day. A kind declares its table and job:

    JOBS = ExportJobs(model=LedgerExport, function="export_hazard_ledger", prefix="hazard-ledger")

The file itself is written by `api.spreadsheets.XlsxSheet`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Generic, TypeVar

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise import fields
from tortoise.models import Model

from api import clock, jobs
from api.auth import Principal
from api.errors import NotAllowed, NotFound
from api.i18n import _
from api.spreadsheets import XLSX_TYPE, ExportFile, ExportState

log = structlog.get_logger(__name__)

VALID_FOR: Final = timedelta(days=1)  # a download link's life
# An export queued this long without a worker picking it up lost its enqueue (Redis down after
# the commit): the cron queues it again under the same job id.
STALE_QUEUED: Final = timedelta(minutes=2)


class ExportColumns(Model):
    """The columns of every export kind's table: who asked, the region and period, the job's
    progress and the finished file (offered once whole, state DONE, never before)."""

    id = fields.UUIDField(primary_key=True)
    requested_by_id = fields.UUIDField(
        description="the user or API key that asked; the only reader"
    )
    region_code = fields.CharField(max_length=15)
    first_day = fields.DateField()
    last_day = fields.DateField()
    state = fields.CharEnumField(ExportState, max_length=8)
    rows_total = fields.IntField(null=True, description="known once the job has counted them")
    rows_written = fields.IntField(default=0)
    attempts = fields.IntField(default=0)
    error = fields.CharField(max_length=500, null=True)
    sha256 = fields.CharField(max_length=64, null=True, description="the finished file's")
    size = fields.BigIntField(null=True)
    filename = fields.CharField(max_length=100)
    content_type = fields.CharField(max_length=80, default=XLSX_TYPE)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        abstract = True


M = TypeVar("M", bound=ExportColumns)


def requester(actor: Principal) -> uuid.UUID:
    """Who asks for an export: its only reader."""
    who = actor.user_id or actor.api_key_id
    if who is None:
        raise NotAllowed(_("sign in to export"))
    return uuid.UUID(str(who))


@dataclass(frozen=True)
class ExportJobs(Generic[M]):
    """One export kind's table (an `ExportColumns`), its arq function and the prefix of its
    job ids."""

    model: type[M]
    function: str
    prefix: str

    def job_key(self, export_id: uuid.UUID) -> str:
        return f"{self.prefix}:{export_id}"

    async def enqueue(self, redis: Redis, export_id: uuid.UUID) -> bool:
        """Queue the job of a committed export; False when Redis did not take it (the requeue
        cron queues it once Redis answers again)."""
        try:
            await jobs.queue(redis).enqueue_job(
                self.function, str(export_id), _job_id=self.job_key(export_id)
            )
        except (RedisError, OSError) as error:
            log.warning("export not enqueued", export_id=str(export_id), error=repr(error))
            return False
        return True

    async def requeue_stale(self, redis: Redis) -> int:
        """Queue again the exports whose enqueue was lost, under the same job id (never twice)."""
        stale = await self.model.filter(
            state=ExportState.QUEUED, created_at__lt=clock.now() - STALE_QUEUED
        ).values_list("id", flat=True)
        for export_id in stale:
            await self.enqueue(redis, uuid.UUID(str(export_id)))
        return len(stale)

    async def mine(self, *, actor: Principal, export_id: uuid.UUID) -> M:
        """An export the caller asked for (anyone else's is not found)."""
        found = await self.model.get_or_none(id=export_id, requested_by_id=requester(actor))
        if found is None:
            raise NotFound("export", export_id, field="id")
        return found

    async def readable_export(self, *, actor: Principal, export_id: uuid.UUID) -> ExportFile:
        """The finished file of the caller's own export, within its day (else not found)."""
        found = await self.mine(actor=actor, export_id=export_id)
        if (
            found.state is not ExportState.DONE
            or found.finished_at is None
            or found.finished_at < clock.now() - VALID_FOR
            or found.sha256 is None
            or found.size is None
        ):
            raise NotFound("export", export_id, field="id")
        return ExportFile(
            sha256=found.sha256,
            content_type=found.content_type,
            size=found.size,
            filename=found.filename,
        )
