"""Work diaries with their photos, quotas and their assessments, household assignments and
visits, patrols with packed tracks, and investigation rounds (issue 17). Diaries and rounds keep
the flow kernel's clock columns; their steps and cards go to the kernel's flow_timeline and
flow_cards."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0019_emergencies")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Diary",
            fields=[
                ("status", fields.CharField(max_length=16)),
                ("version", fields.IntField(default=1)),
                (
                    "flow_version",
                    fields.SmallIntField(
                        default=1, description="the flow definition it started with"
                    ),
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
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("author_id", fields.UUIDField()),
                ("author_label", fields.CharField(max_length=100)),
                ("region_code", fields.CharField(description="the author's grid", max_length=15)),
                ("day", fields.DateField(description="the China-time day it is about")),
                ("kind", fields.CharField(max_length=16)),
                ("text", fields.TextField(unique=False)),
                (
                    "problems",
                    fields.JSONField(
                        default=dict, description="type → count", encoder=JSON_DUMPS, decoder=loads
                    ),
                ),
                (
                    "household_ids",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "lat",
                    fields.FloatField(
                        null=True, description="the author's nearest reported position"
                    ),
                ),
                ("lng", fields.FloatField(null=True)),
                (
                    "position_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "remark",
                    fields.TextField(
                        default="", description="the reviewer's latest remark (点评)", unique=False
                    ),
                ),
                ("reviewed_by_id", fields.UUIDField(null=True)),
                (
                    "reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "diaries",
                "app": "gridgov",
                "indexes": [
                    Index(fields=["author_id", "day"]),
                    Index(fields=["region_code", "status"]),
                ],
                "pk_attr": "id",
                "table_description": "One diary entry of a grid worker (民情日记), reviewed by the levels above.",
            },
            bases=["ClockColumns"],
        ),
        ops.CreateModel(
            name="DiaryAttachment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("diary_id", fields.UUIDField(db_index=True)),
                ("sha256", fields.CharField(max_length=64)),
                ("content_type", fields.CharField(max_length=100)),
                ("size", fields.BigIntField()),
                ("filename", fields.CharField(max_length=200)),
                ("uploaded_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "diary_attachments",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A photo (or other file) of a diary, stored once by its SHA-256 beside events' files.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DiaryEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("diary_id", fields.UUIDField(db_index=True)),
                ("event_id", fields.UUIDField(unique=True)),
                ("problem_type", fields.CharField(max_length=20)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "diary_events",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A problem of a diary that became an event: the link both ways.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DiaryQuota",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("role", fields.CharField(max_length=32)),
                ("region_code", fields.CharField(max_length=15)),
                ("period", fields.CharField(max_length=8)),
                ("version", fields.IntField()),
                ("min_diaries", fields.IntField()),
                ("min_visits", fields.IntField()),
                ("min_visit_minutes", fields.IntField()),
                ("created_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "diary_quotas",
                "app": "gridgov",
                "unique_together": (("role", "region_code", "period", "version"),),
                "pk_attr": "id",
                "table_description": "One version of a quota (考核要求): the minimum diaries, visits and visiting minutes per",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="HouseholdAssignment",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("household_id", fields.UUIDField()),
                ("user_id", fields.UUIDField(db_index=True)),
                (
                    "region_code",
                    fields.CharField(description="the household's region", max_length=15),
                ),
                ("assigned_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "household_assignments",
                "app": "gridgov",
                "unique_together": (("household_id", "user_id"),),
                "pk_attr": "id",
                "table_description": "A household assigned to a cadre or grid worker to look after (分片包户).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="HouseholdVisit",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("household_id", fields.UUIDField()),
                ("user_id", fields.UUIDField()),
                (
                    "region_code",
                    fields.CharField(description="the household's region", max_length=15),
                ),
                ("visited_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("minutes", fields.IntField()),
                ("purpose", fields.CharField(max_length=200)),
                ("notes", fields.TextField(default="", unique=False)),
                ("follow_up_needed", fields.BooleanField(default=False)),
                ("patrol_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "household_visits",
                "app": "gridgov",
                "indexes": [
                    Index(fields=["household_id", "visited_at"]),
                    Index(fields=["user_id", "visited_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A visit to a household (走访): who, when, why, what was found, whether to follow up.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InvestigationRound",
            fields=[
                ("status", fields.CharField(max_length=16)),
                ("version", fields.IntField(default=1)),
                (
                    "flow_version",
                    fields.SmallIntField(
                        default=1, description="the flow definition it started with"
                    ),
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
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("kind", fields.CharField(max_length=12)),
                (
                    "period_key",
                    fields.CharField(
                        description="community:2026-W49, township:2026-12-上", max_length=40
                    ),
                ),
                ("period_start", fields.DateField()),
                ("period_end", fields.DateField(description="the last day, inclusive")),
                ("region_code", fields.CharField(max_length=15)),
                ("title", fields.CharField(max_length=100)),
                ("disputes_found", fields.IntField(default=0)),
                ("resolved_on_the_spot", fields.IntField(default=0)),
                ("escalated_as_events", fields.IntField(default=0)),
                ("hidden_dangers", fields.IntField(default=0)),
                ("notes", fields.TextField(default="", unique=False)),
                ("submitted_by_id", fields.UUIDField(null=True)),
                (
                    "submitted_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("submitted_late", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "investigation_rounds",
                "app": "gridgov",
                "unique_together": (("region_code", "period_key"),),
                "indexes": [Index(fields=["kind", "period_start"])],
                "pk_attr": "id",
                "table_description": "One scheduled dispute investigation round of a community or township, filled in and",
            },
            bases=["ClockColumns"],
        ),
        ops.CreateModel(
            name="Patrol",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("user_id", fields.UUIDField()),
                ("region_code", fields.CharField(description="the worker's grid", max_length=15)),
                ("status", fields.CharField(max_length=8)),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("distance_m", fields.FloatField(default=0)),
                ("point_count", fields.IntField(default=0)),
                (
                    "flagged_points",
                    fields.IntField(default=0, description="points far outside the grid (kept)"),
                ),
                ("track", fields.BinaryField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "patrols",
                "app": "gridgov",
                "indexes": [Index(fields=["user_id", "started_at"])],
                "pk_attr": "id",
                "table_description": "A grid worker's patrol (巡查). While it runs its track is the worker's reported positions;",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="QuotaShortfall",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("user_id", fields.UUIDField()),
                ("region_code", fields.CharField(max_length=15)),
                ("period", fields.CharField(max_length=8)),
                ("period_start", fields.DateField()),
                ("period_end", fields.DateField(description="the last day, inclusive")),
                (
                    "quota",
                    fields.ForeignKeyField(
                        "gridgov.DiaryQuota",
                        source_field="quota_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="shortfalls",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("diaries", fields.IntField()),
                ("visits", fields.IntField()),
                ("visit_minutes", fields.IntField()),
                ("missed", fields.SmallIntField(description="minimums missed: 0 to 3")),
                ("assessed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "diary_quota_assessments",
                "app": "gridgov",
                "unique_together": (("user_id", "period", "period_start"),),
                "pk_attr": "id",
                "table_description": "A person's assessed period under a quota version: what was done, what was wanted, and how",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                # patrols of one worker never overlap: at most one running, even under a race
                "CREATE UNIQUE INDEX patrols_one_running ON patrols (user_id)"
                " WHERE status = 'active'",
                # what the deadline sweep claims: open records with a clock running
                "CREATE INDEX diaries_due ON diaries (remind_at) WHERE status = 'submitted'",
                "CREATE INDEX investigation_rounds_due ON investigation_rounds (remind_at)"
                " WHERE status = 'open'",
            ],
            reverse_sql=[
                "DROP INDEX investigation_rounds_due",
                "DROP INDEX diaries_due",
                "DROP INDEX patrols_one_running",
            ],
        ),
    ]
