"""Bulk import jobs (批量导入) and the problems found in their rows."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.imports.enums import Atomicity, FileFormat, ImportKind, ImportMode, ImportState


class ImportJob(Model):
    """One uploaded file and its run: one worker job per file, never per row."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(ImportKind, max_length=16)
    mode = fields.CharEnumField(ImportMode, max_length=12)
    atomicity = fields.CharEnumField(Atomicity, max_length=16)
    state = fields.CharEnumField(ImportState, max_length=16, default=ImportState.QUEUED)
    region_code = fields.CharField(
        max_length=15, description="the subtree rows may touch; rows outside it are rejected"
    )
    file_sha256 = fields.CharField(max_length=64)
    filename = fields.CharField(max_length=200)
    file_size = fields.BigIntField()
    file_format = fields.CharEnumField(FileFormat, max_length=8)
    encoding = fields.CharField(max_length=16, null=True, description="CSV only, as detected")
    columns: fields.JSONField[Any] = fields.JSONField(
        default=list, description="fields recognised in the header"
    )
    ignored_columns: fields.JSONField[Any] = fields.JSONField(
        default=list, description="headers not recognised (left out)"
    )
    rows_read = fields.IntField(default=0)
    rows_valid = fields.IntField(default=0)
    rows_failed = fields.IntField(default=0)
    rows_inserted = fields.IntField(default=0)
    rows_updated = fields.IntField(default=0)
    rows_unchanged = fields.IntField(default=0)
    errors_stored = fields.IntField(default=0, description="row problems kept (capped)")
    error = fields.CharField(max_length=500, null=True, description="why the file failed whole")
    attempts = fields.IntField(default=0)
    first_sequence = fields.BigIntField(null=True, description="outbox sequence of 'queued'")
    created_by_id = fields.UUIDField(null=True)
    created_by_label = fields.CharField(max_length=100)
    reviewed_by_id = fields.UUIDField(null=True, description="REVIEW mode: who decided")
    reviewed_by_label = fields.CharField(max_length=100, null=True)
    reviewed_at = fields.DatetimeField(null=True)
    review_note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "import_jobs"

    @property
    def rows_written(self) -> int:
        return self.rows_inserted + self.rows_updated


class ImportRowError(Model):
    """A problem of one cell (or a whole row, column null), by spreadsheet row number."""

    id = fields.BigIntField(primary_key=True)
    job: fields.ForeignKeyRelation[ImportJob] = fields.ForeignKeyField(
        "gridgov.ImportJob", related_name="row_errors", on_delete=fields.CASCADE
    )
    row_number = fields.IntField(description="as a spreadsheet shows it: the header is row 1")
    column = fields.CharField(max_length=64, null=True)
    code = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=300)
    value = fields.CharField(max_length=200, null=True)
    # Personal data (PIPL): kept in this row, so no longer than the job's errors are kept.
    uploaded_value = fields.CharField(
        max_length=200,
        null=True,
        description="the cell whole where value is masked; shown to the uploader only",
    )

    job_id: str

    class Meta:
        table = "import_row_errors"
