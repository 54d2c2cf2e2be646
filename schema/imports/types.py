"""Import jobs and their row problems as GraphQL types."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from api.domains.imports import service
from api.domains.imports.enums import Atomicity, FileFormat, ImportKind, ImportMode, ImportState
from api.domains.imports.models import ImportJob, ImportRowError
from api.pagination import page_request
from schema.pagination import Connection, connection
from schema.types import Info

strawberry.enum(ImportKind, name="ImportKind", description="What a file holds.")
strawberry.enum(
    ImportMode, name="ImportMode", description="VALIDATE checks every row and writes nothing."
)
strawberry.enum(
    Atomicity,
    name="ImportAtomicity",
    description="ALL_OR_NOTHING writes nothing if a row is bad; BEST_EFFORT writes the good rows.",
)
strawberry.enum(ImportState, name="ImportState", description="Where an import job stands.")
strawberry.enum(FileFormat, name="ImportFileFormat", description="CSV or XLSX.")


@strawberry.type(name="ImportRowError", description="A problem of one row (and cell) of the file.")
class ImportRowErrorType:
    row: int = strawberry.field(description="Spreadsheet row number: the header is row 1.")
    column: str | None = strawberry.field(description="The field at fault; null: the whole row.")
    code: str = strawberry.field(
        description="Stable: REQUIRED, INVALID, TOO_LONG, INVALID_CODE, INVALID_ID_NUMBER, "
        "ENCODING, OUT_OF_SCOPE, UNKNOWN_REGION, UNKNOWN_PARENT, UNKNOWN_DEPARTMENT, "
        "ROLE_NOT_AT_LEVEL, NOT_ALLOWED, DUPLICATE, SIGNED_OFF."
    )
    reason: str = strawberry.field(description="What is wrong, readably.")
    value: str | None = strawberry.field(
        description="The cell as given (truncated); identifiers (ID numbers, phones) whole "
        "for the one who uploaded the file, masked for anyone else."
    )

    @classmethod
    def from_model(cls, error: ImportRowError, *, uploader: bool) -> ImportRowErrorType:
        reason, value = service.shown_error(error, uploader=uploader)
        return cls(
            row=error.row_number, column=error.column, code=error.code, reason=reason, value=value
        )


@strawberry.type(name="ImportJob", description="批量导入: one uploaded file and its run.")
class ImportJobType:
    job_id: strawberry.Private[uuid.UUID]
    job: strawberry.Private[ImportJob]
    kind: ImportKind
    mode: ImportMode
    atomicity: Atomicity = strawberry.field(description="All-or-nothing or best-effort.")
    state: ImportState
    region_code: str = strawberry.field(description="Rows outside this subtree are rejected.")
    filename: str
    file_sha256: str
    file_size: int = strawberry.field(description="Bytes.")
    file_format: FileFormat
    encoding: str | None = strawberry.field(description="CSV: the encoding detected.")
    columns: list[str] = strawberry.field(description="Fields recognised in the header.")
    ignored_columns: list[str] = strawberry.field(description="Headers not recognised.")
    rows_read: int = strawberry.field(description="Non-blank rows read so far.")
    rows_valid: int = strawberry.field(description="Rows that passed every check.")
    rows_failed: int = strawberry.field(description="Rows with at least one problem.")
    rows_inserted: int = strawberry.field(description="New records written.")
    rows_updated: int = strawberry.field(description="Existing records changed.")
    rows_unchanged: int = strawberry.field(description="Valid rows equal to what was stored.")
    rows_written: int = strawberry.field(description="Inserted + updated.")
    errors_stored: int = strawberry.field(description="Row problems kept (capped per job).")
    error: str | None = strawberry.field(description="Why the file failed as a whole.")
    attempts: int
    created_by_label: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    reviewed_by_label: str | None = strawberry.field(
        description="REVIEW mode: who approved or returned the batch."
    )
    reviewed_at: datetime | None
    review_note: str

    @strawberry.field(description="Id of the job (pass to importJob and importProgress).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.job_id))

    @strawberry.field(description="Download the row problems as CSV (same credentials).")
    def errors_url(self) -> str:
        return f"/imports/{self.job_id}/errors.csv"

    @strawberry.field(description="Row problems by row.")
    async def errors(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ImportRowErrorType]:
        page, filtered = await service.list_errors(
            job_id=self.job_id, page=page_request(first, after)
        )
        uploader = service.is_uploader(info.context.principal, self.job)
        return connection(
            page, filtered, lambda error: ImportRowErrorType.from_model(error, uploader=uploader)
        )

    @classmethod
    def from_model(cls, job: ImportJob) -> ImportJobType:
        return cls(
            job_id=job.id,
            job=job,
            kind=job.kind,
            mode=job.mode,
            atomicity=job.atomicity,
            state=job.state,
            region_code=job.region_code,
            filename=job.filename,
            file_sha256=job.file_sha256,
            file_size=job.file_size,
            file_format=job.file_format,
            encoding=job.encoding,
            columns=list(job.columns or []),
            ignored_columns=list(job.ignored_columns or []),
            rows_read=job.rows_read,
            rows_valid=job.rows_valid,
            rows_failed=job.rows_failed,
            rows_inserted=job.rows_inserted,
            rows_updated=job.rows_updated,
            rows_unchanged=job.rows_unchanged,
            rows_written=job.rows_written,
            errors_stored=job.errors_stored,
            error=job.error,
            attempts=job.attempts,
            created_by_label=job.created_by_label,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            reviewed_by_label=job.reviewed_by_label,
            reviewed_at=job.reviewed_at,
            review_note=job.review_note,
        )


@strawberry.type(description="An import job's counts as they change, in sequence order.")
class ImportProgress:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    job_id: strawberry.ID
    state: ImportState
    rows_read: int
    rows_valid: int
    rows_failed: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    error: str | None
    at: datetime
