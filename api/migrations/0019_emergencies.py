"""Emergency management (issue 19): versioned plans, incidents and their tasks on the flow
kernel (timelines and cards in the kernel's tables), situation reports and CAP alerts; prefix
indexes for subtree queries and the open records the deadline sweep reads."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0018_import_error_values")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CapAlert",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("incident_id", fields.UUIDField(db_index=True)),
                ("identifier", fields.CharField(unique=True, max_length=64)),
                ("sender", fields.CharField(description="the issuing centre", max_length=64)),
                ("msg_type", fields.CharField(max_length=8)),
                ("sent_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("xml", fields.TextField(unique=False)),
                ("created_by_id", fields.UUIDField(null=True)),
            ],
            options={
                "table": "capalert",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A public warning as issued (CAP 1.2 XML), kept as sent: an update or cancel refers to it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="EmergencyPlan",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "code",
                    fields.CharField(description="the plan across its versions", max_length=40),
                ),
                ("version", fields.IntField()),
                ("name", fields.CharField(max_length=200)),
                ("type_code", fields.CharField(description="GB/T 35561 sub-type", max_length=4)),
                (
                    "region_code",
                    fields.CharField(description="the region it covers", max_length=15),
                ),
                (
                    "highest_level",
                    fields.CharField(description="the gravest level it covers", max_length=3),
                ),
                (
                    "lowest_level",
                    fields.CharField(description="the mildest level it covers", max_length=3),
                ),
                ("departments", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("teams", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("supplies", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("shelters", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "task_templates",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("is_current", fields.BooleanField(default=True, description="the newest version")),
                ("created_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "emergency_plans",
                "app": "gridgov",
                "unique_together": (("code", "version"),),
                "indexes": [Index(fields=["region_code", "is_current"])],
                "pk_attr": "id",
                "table_description": "One version of a plan; a new version is a new row with the same `code`, and an",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Incident",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "number",
                    fields.CharField(
                        unique=True, description="YJ410611-20261207-001", max_length=32
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(unique=False)),
                ("type_code", fields.CharField(description="GB/T 35561 sub-type", max_length=4)),
                (
                    "level",
                    fields.CharField(
                        null=True, description="response level, once active", max_length=3
                    ),
                ),
                (
                    "drill",
                    fields.BooleanField(default=False, description="演练: never counted as real"),
                ),
                ("source", fields.CharField(max_length=16)),
                ("caller_name", fields.CharField(null=True, max_length=50)),
                ("caller_phone", fields.CharField(null=True, max_length=20)),
                ("work_order_ticket", fields.CharField(null=True, max_length=64)),
                (
                    "event_id",
                    fields.UUIDField(null=True, unique=True, description="the event it came from"),
                ),
                ("region_code", fields.CharField(description="where it happened", max_length=15)),
                (
                    "centre_region_code",
                    fields.CharField(description="the centre that opened it", max_length=15),
                ),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                ("address", fields.CharField(null=True, max_length=200)),
                (
                    "affected_area",
                    fields.JSONField(
                        null=True, description="GeoJSON", encoder=JSON_DUMPS, decoder=loads
                    ),
                ),
                ("plan_id", fields.UUIDField(null=True, description="the plan version activated")),
                (
                    "commander_id",
                    fields.UUIDField(null=True, description="现场指挥: the incident commander"),
                ),
                ("summary", fields.TextField(null=True, unique=False)),
                ("status", fields.CharField(max_length=16)),
                ("stage", fields.CharField(null=True, max_length=16)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("card", fields.CharField(default="none", max_length=8)),
                ("warning_level", fields.SmallIntField(default=0)),
                ("version", fields.IntField(default=1)),
                (
                    "reported_at",
                    fields.DatetimeField(
                        description="when the report came in", auto_now=False, auto_now_add=False
                    ),
                ),
                (
                    "activated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_by_id", fields.UUIDField(null=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "emergency_incidents",
                "app": "gridgov",
                "indexes": [
                    Index(fields=["region_code", "reported_at"]),
                    Index(fields=["status", "due_at"]),
                ],
                "pk_attr": "id",
                "table_description": "An emergency (突发事件) from intake to end, on the flow kernel.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IncidentTask",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("incident_id", fields.UUIDField(db_index=True)),
                ("title", fields.CharField(max_length=200)),
                ("department_id", fields.UUIDField(null=True)),
                ("team", fields.CharField(null=True, max_length=100)),
                ("hours", fields.SmallIntField(description="its time limit in natural hours")),
                ("result", fields.TextField(null=True, unique=False)),
                (
                    "attachment_ids",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "commander_id",
                    fields.UUIDField(null=True, description="who hears of its deadline"),
                ),
                ("region_code", fields.CharField(description="the incident's", max_length=15)),
                ("drill", fields.BooleanField(default=False)),
                ("status", fields.CharField(max_length=16)),
                ("stage", fields.CharField(null=True, max_length=16)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("card", fields.CharField(default="none", max_length=8)),
                ("warning_level", fields.SmallIntField(default=0)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "emergency_tasks",
                "app": "gridgov",
                "indexes": [Index(fields=["status", "due_at"])],
                "pk_attr": "id",
                "table_description": "A department's or team's task in an incident, with its deadline on the kernel.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SituationReport",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("incident_id", fields.UUIDField()),
                ("number", fields.SmallIntField()),
                (
                    "observed_at",
                    fields.DatetimeField(
                        description="the time the report describes",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("deaths", fields.IntField(default=0)),
                ("injuries", fields.IntField(default=0)),
                ("missing", fields.IntField(default=0)),
                ("affected_scope", fields.TextField(description="影响范围", unique=False)),
                ("progress", fields.TextField(description="处置进展", unique=False)),
                ("author_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "emergency_situation_reports",
                "app": "gridgov",
                "unique_together": (("incident_id", "number"),),
                "pk_attr": "id",
                "table_description": "A situation report (情况报告): 时间, 伤亡, 影响范围, 处置进展; numbered in order.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                # `LIKE 'prefix%'` needs varchar_pattern_ops under a non-C collation (DESIGN §2).
                "CREATE INDEX emergency_incidents_region_pattern"
                " ON emergency_incidents (region_code varchar_pattern_ops, reported_at)",
                "CREATE INDEX emergency_plans_region_pattern"
                " ON emergency_plans (region_code varchar_pattern_ops) WHERE is_current",
                "CREATE INDEX emergency_tasks_incident ON emergency_tasks (incident_id, created_at)",
            ],
            reverse_sql=[
                "DROP INDEX emergency_incidents_region_pattern",
                "DROP INDEX emergency_plans_region_pattern",
                "DROP INDEX emergency_tasks_incident",
            ],
        ),
    ]
