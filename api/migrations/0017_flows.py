"""The flow kernel's own tables (api/flows/models.py): records of flows that keep no table of
their own, with the definition version each started with, their timeline, cards and time
limits. Events keep theirs (events, event_timeline, event_cards, deadline_rules) and run on
version 1 of their flow."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0016_principal_notices")]

    initial = False

    operations = [
        ops.CreateModel(
            name="FlowCard",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("flow", fields.CharField(max_length=32)),
                ("record_id", fields.UUIDField(db_index=True)),
                ("card", fields.CharField(max_length=8)),
                ("stage", fields.CharField(max_length=32)),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("given_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "forgiven_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("forgiven_reason", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "flow_cards",
                "app": "gridgov",
                "unique_together": (("record_id", "card", "stage", "due_at"),),
                "pk_attr": "id",
                "table_description": "A yellow or red card as given, kept even when later forgiven.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FlowLimit",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("flow", fields.CharField(max_length=32)),
                ("kind", fields.CharField(null=True, max_length=40)),
                ("stage", fields.CharField(max_length=32)),
                ("amount", fields.IntField()),
                (
                    "unit",
                    fields.CharField(description="working_hours, working_days …", max_length=16),
                ),
                (
                    "reminder_share",
                    fields.FloatField(default=0.8, description="remind at this share of the limit"),
                ),
                (
                    "red_share",
                    fields.FloatField(
                        default=1.5, description="red card at this share of the limit"
                    ),
                ),
            ],
            options={
                "table": "flow_limits",
                "app": "gridgov",
                "unique_together": (("flow", "kind", "stage"),),
                "pk_attr": "id",
                "table_description": "The time limit of a stage of a flow, for one kind (or every kind, when kind is null).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FlowRecord",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("flow", fields.CharField(max_length=32)),
                (
                    "flow_version",
                    fields.SmallIntField(description="the flow definition it started with"),
                ),
                ("kind", fields.CharField(description="whose time limits apply", max_length=40)),
                ("status", fields.CharField(max_length=32)),
                ("title", fields.CharField(max_length=200)),
                ("region_code", fields.CharField(max_length=15)),
                ("owner_id", fields.UUIDField(null=True, description="who started it")),
                (
                    "assignee_id",
                    fields.UUIDField(null=True, description="who holds the running stage"),
                ),
                ("data", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("stage", fields.CharField(null=True, max_length=32)),
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
                "table": "flow_records",
                "app": "gridgov",
                "indexes": [Index(fields=["flow", "region_code"])],
                "pk_attr": "id",
                "table_description": "A reviewed record of a flow that needs nothing beyond a title and a holder (a notice",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FlowStep",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("flow", fields.CharField(max_length=32)),
                ("record_id", fields.UUIDField()),
                ("action", fields.CharField(max_length=32)),
                ("actor_id", fields.UUIDField(null=True)),
                ("actor_label", fields.CharField(max_length=100)),
                ("from_status", fields.CharField(null=True, max_length=32)),
                ("to_status", fields.CharField(null=True, max_length=32)),
                ("from_region_code", fields.CharField(null=True, max_length=15)),
                ("to_region_code", fields.CharField(null=True, max_length=15)),
                ("note", fields.TextField(default="", unique=False)),
                (
                    "attachment_ids",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "seconds_spent",
                    fields.IntField(null=True, description="since the previous step"),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "flow_timeline",
                "app": "gridgov",
                "indexes": [Index(fields=["record_id", "id"])],
                "pk_attr": "id",
                "table_description": "One step of a record's history; rows are only ever added.",
            },
            bases=["Model"],
        ),
        # The deadline sweep reads only running clocks (a closed record has no stage), by flow
        # and next due moment.
        ops.RunSQL(
            [
                f"CREATE INDEX flow_records_running_{column} ON flow_records (flow, {column})"
                " WHERE stage IS NOT NULL"
                for column in ("remind_at", "due_at", "red_at")
            ],
            reverse_sql=[
                f"DROP INDEX flow_records_running_{column}"
                for column in ("remind_at", "due_at", "red_at")
            ],
        ),
    ]
