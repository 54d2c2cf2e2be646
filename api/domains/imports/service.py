"""Starting imports and reading their jobs and row problems (DESIGN.md §6, bulk import)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock, jobs, outbox, uploads
from api.auth import Principal
from api.domains.imports import files, pipeline
from api.domains.imports.enums import FINISHED, Atomicity, ImportKind, ImportMode, ImportState
from api.domains.imports.kinds.available import kind_of
from api.domains.imports.models import ImportJob, ImportRowError
from api.domains.imports.progress import payload
from api.domains.registry import review_flow
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import subtree_filter
from api.regions import Level
from api.settings import Settings, get_settings
from api.spreadsheets import formula_safe
from policies.enforcer import authorize, scope_prefixes

ERRORS_CSV_BATCH = 5000
MAX_REVIEW_NOTE = 500
# A job queued this long without a worker picking it up lost its enqueue (Redis down after the
# commit): the worker's requeue sweep queues it again under the same id.
STALE_QUEUED = timedelta(minutes=2)

# A stored file younger than this is never deleted by the purge, even with no job naming it:
# an upload of the same content stores (refreshing its time) before its job row commits.
PURGE_GRACE = timedelta(hours=1)

log = structlog.get_logger("gridgov.imports")


@dataclass(frozen=True, slots=True)
class StartedImport:
    job: ImportJob
    is_new: bool  # False: the same file was already waiting or running for you


def job_key(job_id: uuid.UUID) -> str:
    """The worker job's id: one per import job, so enqueuing twice runs it once."""
    return f"import:{job_id}"


def _import_scope(actor: Principal, kind: ImportKind, region_code: str | None) -> str:
    """The subtree the import may touch: the given region, or the one region the caller may
    import this kind at; a caller who may not import it anywhere is refused outright."""
    prefixes = scope_prefixes(actor.assignments, "import", kind.value)
    if not prefixes:
        raise PermissionDenied(_("your roles may not import {value}", value=kind.value))
    if region_code is None:
        if len(prefixes) > 1:
            raise ValidationFailed(
                _(
                    "you may import {value} in {items}: say which region",
                    value=kind.value,
                    items=", ".join(prefixes),
                ),
                field="regionCode",
            )
        region_code = prefixes[0]
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("malformed region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "import", kind.value, at=region_code)
    return region_code


async def start_import(
    *,
    actor: Principal,
    kind: ImportKind,
    upload: files.UploadedFile,
    mode: ImportMode,
    atomicity: Atomicity,
    region_code: str | None,
    root: Path,
    max_bytes: int,
    redis: Redis,
) -> StartedImport:
    """Store the file, record its job and, once that is committed, queue the worker job."""
    scope = _import_scope(actor, kind, region_code)
    if mode is ImportMode.REVIEW and Level.of_code(scope) not in (Level.COMMUNITY, Level.GRID):
        raise ValidationFailed(
            _("a batch is reviewed by its community: import into a community or grid"),
            field="regionCode",
        )
    if mode is ImportMode.COMMIT and await _held(actor, scope):
        mode = ImportMode.REVIEW  # the community reviews this caller's imports: a held batch
    if kind_of(kind) is None:
        raise ValidationFailed(_("{value} cannot be imported yet", value=kind.value), field="kind")
    stored = await files.store(upload, root=root, max_bytes=max_bytes)
    creator = actor.user_id or actor.api_key_id
    async with in_transaction():
        waiting = (
            await ImportJob.filter(
                created_by_id=creator,
                file_sha256=stored.sha256,
                kind=kind,
                mode=mode,
                atomicity=atomicity,
                region_code=scope,
                state__in=[ImportState.QUEUED, ImportState.RUNNING],
            )
            .select_for_update()
            .first()
        )
        job = waiting or await ImportJob.create(
            kind=kind,
            mode=mode,
            atomicity=atomicity,
            region_code=scope,
            file_sha256=stored.sha256,
            filename=stored.filename,
            file_size=stored.size,
            file_format=stored.file_format,
            created_by_id=creator,
            created_by_label=actor.label[:100],
        )
        if waiting is None:
            queued = await outbox.add(topic="import", region_code=scope, payload=payload(job))
            job.first_sequence = queued.id
            await job.save(update_fields=["first_sequence"])
    # Queued again when the same file was already waiting: the job id makes that a no-op, unless
    # the first enqueue was lost.
    await enqueue(redis, job.id)
    return StartedImport(job, is_new=waiting is None)


async def _held(actor: Principal, scope: str) -> bool:
    """Whether an import into `scope` by the caller waits for review: the scope lies in a
    community that requires review, whose staff the caller is not (an import over several
    communities is reviewed only when asked for: mode REVIEW)."""
    if review_flow.may_review(actor, scope):
        return False
    return await review_flow.review_required(scope)


async def review_import(
    *, actor: Principal, job_id: uuid.UUID, approve: bool, note: str, redis: Redis
) -> ImportJob:
    """Approve a batch held for review (it is checked again and written by the worker) or return
    it (nothing is written); the uploader never approves their own, and of two reviewers
    deciding at once one wins."""
    cleaned = (note or "").strip()
    if len(cleaned) > MAX_REVIEW_NOTE:
        raise ValidationFailed(
            _("note is at most {MAX_REVIEW_NOTE} characters", MAX_REVIEW_NOTE=MAX_REVIEW_NOTE),
            field="note",
        )
    if not approve and not cleaned:
        raise ValidationFailed(_("say why the batch is returned"), field="note")
    async with in_transaction():
        job = await ImportJob.filter(readable_jobs(actor), id=job_id).select_for_update().first()
        if job is None:
            raise NotFound("import job", job_id)
        try:
            authorize(actor.assignments, "registry_change", "review", at=job.region_code)
        except PermissionDenied as error:
            raise NotAllowed(_("your roles may not review imports here")) from error
        if job.created_by_id is not None and job.created_by_id in {
            actor.user_id,
            actor.api_key_id,
        }:
            raise NotAllowed(_("a batch is reviewed by someone other than its uploader"))
        if job.state is not ImportState.AWAITING_REVIEW:
            raise Conflict(
                _("the import is {value}, not awaiting review", value=job.state.value),
                code=ErrorCode.INVALID_TRANSITION,
            )
        job.reviewed_by_id = actor.user_id or actor.api_key_id
        job.reviewed_by_label = actor.label[:100]
        job.reviewed_at = clock.now()
        job.review_note = cleaned
        job.state = ImportState.QUEUED if approve else ImportState.RETURNED
        if not approve:
            job.finished_at = job.reviewed_at
        await job.save()
        await outbox.add(topic="import", region_code=job.region_code, payload=payload(job))
    if approve:
        await enqueue(redis, job.id)
    return job


async def enqueue(redis: Redis, job_id: uuid.UUID) -> bool:
    """Queue the worker job of a committed import job; False when Redis did not take it (the
    requeue sweep queues it once Redis answers again)."""
    try:
        await jobs.queue(redis).enqueue_job("run_import", str(job_id), _job_id=job_key(job_id))
    except (RedisError, OSError) as error:
        log.warning("import job not enqueued", job_id=str(job_id), error=repr(error))
        return False
    return True


async def requeue_stale(redis: Redis) -> int:
    """Queue again the jobs whose enqueue was lost (under the same job id: never twice)."""
    stale = await ImportJob.filter(
        state=ImportState.QUEUED, created_at__lt=clock.now() - STALE_QUEUED
    ).values_list("id", flat=True)
    queue = jobs.queue(redis)
    for job_id in map(uuid.UUID, map(str, stale)):
        await queue.enqueue_job("run_import", str(job_id), _job_id=job_key(job_id))
    return len(stale)


async def purge_finished(*, settings: Settings | None = None) -> int:
    """Delete the jobs finished more than the retention period ago, with their row problems (the
    uploaders' own cells among them: personal data kept no longer than that) and every stored
    file no remaining job names; returns the number of jobs deleted."""
    settings = settings or get_settings()
    now = clock.now()
    cutoff = now - timedelta(days=settings.gridgov_import_retention_days)
    old = ImportJob.filter(state__in=list(FINISHED), finished_at__lt=cutoff)
    files_of = {str(sha) for sha in await old.values_list("file_sha256", flat=True)}
    deleted = await old.delete()  # row problems go with their job (ON DELETE CASCADE)
    named = ImportJob.filter(file_sha256__in=list(files_of)).values_list("file_sha256", flat=True)
    still_named = {str(sha) for sha in await named}
    for sha256 in files_of - still_named:
        path = uploads.path_of(settings.import_dir, sha256)
        try:
            if path.stat().st_mtime < (now - PURGE_GRACE).timestamp():
                path.unlink()
        except FileNotFoundError:
            continue
    if deleted:
        log.info("imports purged", jobs=deleted, files=len(files_of - still_named))
    return int(deleted)


async def run(job_id: uuid.UUID, *, last_try: bool) -> ImportState | None:
    """Run one import job (the worker's part); unexpected failures raise, so that the queue
    tries again, and the last try marks the job failed."""
    try:
        return await pipeline.run(job_id)
    except Exception:
        if last_try:
            job = await ImportJob.get_or_none(id=job_id)
            if job is not None:
                await pipeline.fail(job, "the import stopped on an internal error; start it again")
        raise


def readable_jobs(actor: Principal) -> Q:
    """Jobs in the subtree where the caller may read imports, and the caller's own. A
    special-groups job (its rows and row problems name people under management) only where the
    caller may also read special groups, an enrolments job only where enrolments: an
    administrator reads imports everywhere, not them."""
    groups = subtree_filter(
        scope_prefixes(actor.assignments, "special_group", "read"), "region_code"
    )
    enrolments = subtree_filter(
        scope_prefixes(actor.assignments, "enrolment", "read"), "region_code"
    )
    scoped = (
        subtree_filter(scope_prefixes(actor.assignments, "import", "read"), "region_code")
        & (~Q(kind=ImportKind.SPECIAL_GROUPS) | groups)
        & (~Q(kind=ImportKind.ENROLMENTS) | enrolments)
    )
    creator = actor.user_id or actor.api_key_id
    return scoped | Q(created_by_id=creator) if creator else scoped


async def get_job(*, actor: Principal, job_id: uuid.UUID) -> ImportJob:
    job = await ImportJob.filter(readable_jobs(actor), id=job_id).first()
    if job is None:
        raise NotFound("import job", job_id)
    return job


async def list_jobs(
    *,
    actor: Principal,
    page: PageRequest,
    kind: ImportKind | None = None,
    state: ImportState | None = None,
) -> tuple[Page[ImportJob], Any]:
    """Import jobs in scope, newest first."""
    query = ImportJob.filter(readable_jobs(actor))
    if kind is not None:
        query = query.filter(kind=kind)
    if state is not None:
        query = query.filter(state=state)
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(created_at__lt=after_at) | Q(created_at=after_at, id__lt=after_id))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda j: f"{j.created_at.isoformat()}|{j.id}"), filtered


async def list_errors(*, job_id: uuid.UUID, page: PageRequest) -> tuple[Page[ImportRowError], Any]:
    """Row problems of a job the caller has already been allowed to read, by row."""
    query = ImportRowError.filter(job_id=job_id)
    filtered = query
    if page.after is not None:
        if not page.after.isdigit():
            raise ValidationFailed(_("malformed cursor"), field="after")
        query = query.filter(id__gt=int(page.after))
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda error: error.id), filtered


ERRORS_CSV_HEADER = ["row", "column", "code", "reason", "value"]


def is_uploader(actor: Principal, job: ImportJob) -> bool:
    """The one who sent the file: shown the cells they typed, identifiers included."""
    return actor.user_id is not None and actor.user_id == job.created_by_id


def shown_error(error: ImportRowError, *, uploader: bool) -> tuple[str, str | None]:
    """The reason and value of a row problem: whole for the uploader, identifiers masked for
    anyone else who may read the job."""
    if not uploader or error.uploaded_value is None:
        return error.reason, error.value
    reason = error.reason
    if error.value:
        reason = reason.replace(error.value, error.uploaded_value)
    return reason, error.uploaded_value


async def errors_csv(job: ImportJob, *, actor: Principal) -> AsyncIterator[bytes]:
    """The job's row problems as CSV (UTF-8 with BOM, so spreadsheet programs show Chinese),
    streamed in batches; identifiers whole for the uploader only (`shown_error`)."""
    uploader = is_uploader(actor, job)
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ERRORS_CSV_HEADER)
    after = 0
    while True:
        rows = (
            await ImportRowError.filter(job_id=job.id, id__gt=after)
            .order_by("id")
            .limit(ERRORS_CSV_BATCH)
        )
        for row in rows:
            reason, value = shown_error(row, uploader=uploader)
            writer.writerow(
                [
                    row.row_number,
                    row.column or "",
                    row.code,
                    formula_safe(reason),
                    formula_safe(value),
                ]
            )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < ERRORS_CSV_BATCH:
            return
        after = rows[-1].id
