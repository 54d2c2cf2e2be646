from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from enum import StrEnum


# The enums as they were when this migration was written (a migration imports no live code).
class ApplicationStatus(StrEnum):
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REFUSED = "refused"
    READY_FOR_COLLECTION = "ready_for_collection"
    COLLECTED = "collected"


class AssessmentStatus(StrEnum):
    PENDING = "pending"
    INITIAL_REVIEW = "initial_review"
    RE_REVIEW = "re_review"
    AUDIT = "audit"
    ASSESSED = "assessed"


class RiskLevel(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# What waits for staff: the statuses myApprovalTasks reads, written out for the partial index.
WAITING = "('in_review', 'approved', 'ready_for_collection')"
INDEXES = [
    # myApprovalTasks: held at the caller's region, waiting for the caller's role, soonest due
    "CREATE INDEX applications_tasks ON applications"
    f" (holder_region_code, waiting_role, due_at, id) WHERE status IN {WAITING}",
    # lists: newest first, the subtree filtered on the way (DESIGN §2: LIKE needs pattern_ops)
    "CREATE INDEX applications_newest ON applications (created_at DESC, id DESC)",
    "CREATE INDEX applications_region ON applications"
    " (region_code varchar_pattern_ops, created_at DESC, id DESC)",
    "CREATE INDEX applications_item ON applications (item_id, created_at DESC, id DESC)",
    "CREATE INDEX applications_applicant ON applications (applicant_id, created_at DESC)",
    "CREATE INDEX applications_filed_by ON applications (filed_by_id, created_at DESC)",
    "CREATE INDEX approval_items_region ON approval_items (region_code varchar_pattern_ops)",
    "CREATE INDEX risk_assessments_region ON risk_assessments"
    " (region_code varchar_pattern_ops, created_at DESC, id DESC)",
    *(
        f"CREATE INDEX {table}_running_{column} ON {table} ({column}) WHERE stage IS NOT NULL"
        for table in ("applications", "risk_assessments")
        for column in ("remind_at", "due_at", "red_at")
    ),
]


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0020_diaries")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ApprovalFile",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "application_id",
                    fields.UUIDField(null=True, description="null until an application lists it"),
                ),
                (
                    "assessment_id",
                    fields.UUIDField(null=True, description="the assessment it reports on"),
                ),
                ("sha256", fields.CharField(max_length=64)),
                ("content_type", fields.CharField(max_length=100)),
                ("size", fields.IntField()),
                ("filename", fields.CharField(max_length=200)),
                ("uploaded_by_id", fields.UUIDField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "approval_files",
                "app": "gridgov",
                "indexes": [
                    Index(fields=["application_id"]),
                    Index(fields=["uploaded_by_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A scanned material (uploaded before the application that lists it) or an assessment",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApprovalItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=40)),
                ("name", fields.CharField(max_length=100)),
                (
                    "region_code",
                    fields.CharField(description="the implementing body's region", max_length=15),
                ),
                (
                    "department_id",
                    fields.UUIDField(null=True, description="the implementing department"),
                ),
                ("legal_basis", fields.TextField(default="", unique=False)),
                ("promised_days", fields.SmallIntField(description="承诺时限, in working days")),
                (
                    "fee",
                    fields.CharField(
                        default="", description="收费标准, as published", max_length=100
                    ),
                ),
                ("where_to_apply", fields.CharField(default="", max_length=200)),
                ("materials", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "form_template",
                    fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "decides_at",
                    fields.CharField(
                        description="authority ceiling: the lowest level that may decide",
                        max_length=10,
                    ),
                ),
                (
                    "flow_version",
                    fields.SmallIntField(default=0, description="the newest flow version; 0: none"),
                ),
                ("published", fields.BooleanField(default=False)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "approval_items",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "An item of the catalogue (事项目录 / 办事指南): what may be applied for, where, on what",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Application",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("number", fields.CharField(unique=True, description="受理编号", max_length=40)),
                (
                    "item",
                    fields.ForeignKeyField(
                        "gridgov.ApprovalItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="applications",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "flow_version",
                    fields.SmallIntField(description="the flow version it started with"),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="IN_REVIEW: in_review\nRETURNED: returned\nAPPROVED: approved\nREFUSED: refused\nREADY_FOR_COLLECTION: ready_for_collection\nCOLLECTED: collected",
                        enum_type=ApplicationStatus,
                        max_length=24,
                    ),
                ),
                (
                    "applicant_id",
                    fields.UUIDField(null=True, description="the resident's citizen account"),
                ),
                ("applicant_name", fields.CharField(max_length=50)),
                ("applicant_phone", fields.CharField(null=True, max_length=20)),
                (
                    "filed_by_id",
                    fields.UUIDField(description="who filed it: the applicant, or staff (代办)"),
                ),
                (
                    "on_behalf",
                    fields.BooleanField(default=False, description="代办: filed by staff"),
                ),
                (
                    "region_code",
                    fields.CharField(description="the community applied at", max_length=15),
                ),
                ("step_index", fields.SmallIntField(default=0)),
                (
                    "holder_region_code",
                    fields.CharField(description="where it waits", max_length=15),
                ),
                (
                    "waiting_role",
                    fields.CharField(null=True, description="who it waits for", max_length=20),
                ),
                ("waiting_department_id", fields.UUIDField(null=True)),
                ("form", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("materials", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("certificate_number", fields.CharField(null=True, max_length=60)),
                ("refusal_reason", fields.TextField(null=True, unique=False)),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "promised_due_at",
                    fields.DatetimeField(
                        null=True,
                        description="承诺时限 from filing, on the work calendar: on time if decided by it",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                (
                    "collected_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("stage", fields.CharField(null=True, max_length=16)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "card",
                    fields.CharField(default="none", description="worst so far", max_length=8),
                ),
                ("warning_level", fields.SmallIntField(default=0)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "applications",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "An application for an item, by a citizen or filed on a resident's behalf (代办).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApprovalFlowVersion",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "gridgov.ApprovalItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="flow_versions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("version", fields.SmallIntField()),
                ("steps", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("created_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "approval_flow_versions",
                "app": "gridgov",
                "unique_together": (("item", "version"),),
                "pk_attr": "id",
                "table_description": "One version of an item's flow; applications keep the version they started with, so a",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RiskAssessment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                ("sponsor_unit", fields.CharField(description="承办单位", max_length=100)),
                ("decision_type", fields.CharField(max_length=40)),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "status",
                    fields.CharEnumField(
                        description="PENDING: pending\nINITIAL_REVIEW: initial_review\nRE_REVIEW: re_review\nAUDIT: audit\nASSESSED: assessed",
                        enum_type=AssessmentStatus,
                        max_length=16,
                    ),
                ),
                (
                    "final_level",
                    fields.CharEnumField(
                        null=True,
                        description="HIGH: high\nMEDIUM: medium\nLOW: low",
                        enum_type=RiskLevel,
                        max_length=8,
                    ),
                ),
                ("report_file_id", fields.UUIDField(null=True)),
                ("created_by_id", fields.UUIDField(null=True)),
                (
                    "assessed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("stage", fields.CharField(null=True, max_length=16)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "card",
                    fields.CharField(default="none", description="worst so far", max_length=8),
                ),
                ("warning_level", fields.SmallIntField(default=0)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "risk_assessments",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "The risk assessment of a major decision (重大决策社会稳定风险评估).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RiskReview",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "assessment",
                    fields.ForeignKeyField(
                        "gridgov.RiskAssessment",
                        source_field="assessment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reviews",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "stage",
                    fields.CharEnumField(
                        description="PENDING: pending\nINITIAL_REVIEW: initial_review\nRE_REVIEW: re_review\nAUDIT: audit\nASSESSED: assessed",
                        enum_type=AssessmentStatus,
                        max_length=16,
                    ),
                ),
                ("reviewer_id", fields.UUIDField()),
                ("reviewer_label", fields.CharField(max_length=100)),
                ("opinion", fields.TextField(unique=False)),
                ("risk_points", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "risk_level",
                    fields.CharEnumField(
                        description="HIGH: high\nMEDIUM: medium\nLOW: low",
                        enum_type=RiskLevel,
                        max_length=8,
                    ),
                ),
                ("report_file_id", fields.UUIDField(null=True)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "risk_reviews",
                "app": "gridgov",
                "indexes": [Index(fields=["assessment_id", "id"])],
                "pk_attr": "id",
                "table_description": "What one stage (初评, 复评, 审核) found: reviewer, opinion, risk points, level, report.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            INDEXES,
            reverse_sql=[f"DROP INDEX {sql.split()[2]}" for sql in INDEXES],
        ),
    ]
