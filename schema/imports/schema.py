"""Bulk import (批量导入): start one from an uploaded file, follow it, read its row problems."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.file_uploads import Upload

from api.domains.imports import files, service
from api.domains.imports.enums import FINISHED, Atomicity, ImportKind, ImportMode, ImportState
from api.errors import NotFound
from api.feeds import FeedSource
from api.feeds import imports as feeds_imports
from api.pagination import page_request
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.imports.types import ImportJobType, ImportProgress
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.realtime.subscriptions import feed
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.type(description="The job started (or the same one already waiting for this file).")
class ImportJobPayload:
    job: ImportJobType
    is_new: bool = strawberry.field(description="False: this file was already queued by you.")


StartImportResult = Annotated[
    ImportJobPayload | ValidationError | NotFoundError,
    strawberry.union("StartImportResult", description="Outcome of starting an import."),
]


@strawberry.type(description="The batch after the review.")
class ImportReviewPayload:
    job: ImportJobType


ReviewImportResult = Annotated[
    ImportReviewPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("ReviewImportResult", description="Outcome of reviewing an import batch."),
]


def _progress(message: dict[str, Any]) -> ImportProgress:
    return ImportProgress(
        sequence=message["sequence"],
        job_id=strawberry.ID(message["job_id"]),
        state=ImportState(message["state"]),
        rows_read=message["rows_read"],
        rows_valid=message["rows_valid"],
        rows_failed=message["rows_failed"],
        rows_inserted=message["rows_inserted"],
        rows_updated=message["rows_updated"],
        rows_unchanged=message["rows_unchanged"],
        error=message.get("error"),
        at=datetime.fromisoformat(message["at"]),
    )


@strawberry.type
class ImportsQuery:
    @strawberry.field(
        description="An import job you started or that lies in your scope (null otherwise).",
        extensions=signed_in(),
    )
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJobType | None:
        job_id = parse_uuid(id)
        if job_id is None:
            return None
        try:
            job = await service.get_job(actor=info.context.principal, job_id=job_id)
        except NotFound:
            return None
        return ImportJobType.from_model(job)

    @strawberry.field(
        description="Import jobs you started or that lie in your scope, newest first.",
        extensions=signed_in(),
    )
    async def import_jobs(
        self,
        info: Info,
        kind: ImportKind | None = None,
        state: ImportState | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ImportJobType]:
        page, filtered = await service.list_jobs(
            actor=info.context.principal,
            page=page_request(first, after),
            kind=kind,
            state=state,
        )
        return connection(page, filtered, ImportJobType.from_model)


@strawberry.type
class ImportsMutation:
    @strawberry.mutation(
        description="Import a CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX file of `kind` "
        "(multipart upload). One worker job runs it; follow it with importProgress or importJob. "
        "Rows are upserted by their natural key, so running a file again changes nothing.",
        extensions=signed_in(),
    )
    async def start_import(
        self,
        info: Info,
        kind: ImportKind,
        file: Upload,
        mode: ImportMode = ImportMode.VALIDATE,
        atomicity: Atomicity = Atomicity.ALL_OR_NOTHING,
        region_code: str | None = None,
    ) -> StartImportResult:
        settings = info.context.settings
        started = await service.start_import(
            actor=info.context.principal,
            kind=kind,
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            upload=cast("files.UploadedFile", file),
            mode=mode,
            atomicity=atomicity,
            region_code=region_code,
            root=settings.import_dir,
            max_bytes=settings.gridgov_max_import_bytes,
            redis=info.context.redis,
        )
        return ImportJobPayload(job=ImportJobType.from_model(started.job), is_new=started.is_new)

    @strawberry.mutation(
        description="审核: approve an import batch held for review (mode REVIEW; the worker "
        "checks it again and writes it) or return it with a note (nothing is written).",
        extensions=allow("registry_change", "review"),
    )
    async def review_import(
        self, info: Info, job_id: strawberry.ID, approve: bool, note: str = ""
    ) -> ReviewImportResult:
        parsed = parse_uuid(job_id)
        if parsed is None:
            raise NotFound("import job", job_id, field="jobId")
        job = await service.review_import(
            actor=info.context.principal,
            job_id=parsed,
            approve=approve,
            note=note,
            redis=info.context.redis,
        )
        return ImportReviewPayload(job=ImportJobType.from_model(job))


@strawberry.type
class ImportsSubscription:
    @strawberry.subscription(
        description="Progress of an import job: every message since it was queued (or since "
        "`after`), then live; ends once the job has finished.",
        extensions=signed_in(),
    )
    async def import_progress(
        self, info: Info, job_id: strawberry.ID, after: int | None = None
    ) -> AsyncGenerator[ImportProgress, None]:
        principal = info.context.principal

        async def source() -> FeedSource:
            parsed = parse_uuid(job_id)
            if parsed is None:
                raise NotFound("import job", job_id, field="jobId")
            return await feeds_imports.import_progress(actor=principal, job_id=parsed)

        async for message in feed(info.context, source, _progress, after=after):
            yield message
            if message.state in FINISHED:
                return
