from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields

# The enums as they were when this migration was written: literals, so that a later
# change of the live enums (or their move) never changes what this migration does.


class Atomicity(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    BEST_EFFORT = "best_effort"


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class ImportKind(StrEnum):
    REGIONS = "regions"
    USERS = "users"
    RESIDENTS = "residents"
    HOUSEHOLDS = "households"
    HOUSES = "houses"
    BUILDINGS = "buildings"
    ORGANISATIONS = "organisations"


class ImportMode(StrEnum):
    VALIDATE = "validate"
    COMMIT = "commit"


class ImportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    VALIDATED = "validated"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0012_intake")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ImportJob",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="REGIONS: regions\nUSERS: users\nRESIDENTS: residents\nHOUSEHOLDS: households\nHOUSES: houses\nBUILDINGS: buildings\nORGANISATIONS: organisations",
                        enum_type=ImportKind,
                        max_length=16,
                    ),
                ),
                (
                    "mode",
                    fields.CharEnumField(
                        description="VALIDATE: validate\nCOMMIT: commit",
                        enum_type=ImportMode,
                        max_length=12,
                    ),
                ),
                (
                    "atomicity",
                    fields.CharEnumField(
                        description="ALL_OR_NOTHING: all_or_nothing\nBEST_EFFORT: best_effort",
                        enum_type=Atomicity,
                        max_length=16,
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=ImportState.QUEUED,
                        description="QUEUED: queued\nRUNNING: running\nVALIDATED: validated\nCOMPLETED: completed\nREJECTED: rejected\nFAILED: failed",
                        enum_type=ImportState,
                        max_length=12,
                    ),
                ),
                (
                    "region_code",
                    fields.CharField(
                        description="the subtree rows may touch; rows outside it are rejected",
                        max_length=15,
                    ),
                ),
                ("file_sha256", fields.CharField(max_length=64)),
                ("filename", fields.CharField(max_length=200)),
                ("file_size", fields.BigIntField()),
                (
                    "file_format",
                    fields.CharEnumField(
                        description="CSV: csv\nXLSX: xlsx", enum_type=FileFormat, max_length=8
                    ),
                ),
                (
                    "encoding",
                    fields.CharField(null=True, description="CSV only, as detected", max_length=16),
                ),
                (
                    "columns",
                    fields.JSONField(
                        default=list,
                        description="fields recognised in the header",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                (
                    "ignored_columns",
                    fields.JSONField(
                        default=list,
                        description="headers not recognised (left out)",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("rows_read", fields.IntField(default=0)),
                ("rows_valid", fields.IntField(default=0)),
                ("rows_failed", fields.IntField(default=0)),
                ("rows_inserted", fields.IntField(default=0)),
                ("rows_updated", fields.IntField(default=0)),
                ("rows_unchanged", fields.IntField(default=0)),
                (
                    "errors_stored",
                    fields.IntField(default=0, description="row problems kept (capped)"),
                ),
                (
                    "error",
                    fields.CharField(
                        null=True, description="why the file failed whole", max_length=500
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                (
                    "first_sequence",
                    fields.BigIntField(null=True, description="outbox sequence of 'queued'"),
                ),
                ("created_by_id", fields.UUIDField(null=True)),
                ("created_by_label", fields.CharField(max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "import_jobs",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "One uploaded file and its run: one worker job per file, never per row.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ImportRowError",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "job",
                    fields.ForeignKeyField(
                        "gridgov.ImportJob",
                        source_field="job_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="row_errors",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "row_number",
                    fields.IntField(description="as a spreadsheet shows it: the header is row 1"),
                ),
                ("column", fields.CharField(null=True, max_length=64)),
                ("code", fields.CharField(max_length=32)),
                ("reason", fields.CharField(max_length=300)),
                ("value", fields.CharField(null=True, max_length=200)),
            ],
            options={
                "table": "import_row_errors",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A problem of one cell (or a whole row, column null), by spreadsheet row number.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                # lists are scoped by subtree and ordered newest first
                "CREATE INDEX import_jobs_region_pattern ON import_jobs"
                " (region_code varchar_pattern_ops, created_at DESC, id DESC)",
                "CREATE INDEX import_jobs_creator ON import_jobs (created_by_id, created_at DESC, id DESC)",
                "CREATE INDEX import_row_errors_job_row ON import_row_errors (job_id, row_number, id)",
            ],
            reverse_sql=[
                "DROP INDEX import_row_errors_job_row",
                "DROP INDEX import_jobs_creator",
                "DROP INDEX import_jobs_region_pattern",
            ],
        ),
    ]
