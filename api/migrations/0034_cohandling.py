"""Co-handling (协办) and on-site verification (现场核查), issue 25 parts 1–2: each co-handling
department's task with the flow kernel's clock columns (its steps and cards go to the kernel's
flow_timeline and flow_cards), the on-site checks with their position and distance, each
category's verification mode (the categories the data file marks are verified on site), and
the timeline's two new actions."""

from enum import StrEnum

from orjson import loads

from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Verification(StrEnum):
    DESK = "desk"
    ON_SITE = "on_site"


class Action(StrEnum):
    REPORT = "report"
    FILE = "file"
    REJECT = "reject"
    ASSIGN = "assign"
    ACCEPT = "accept"
    RETURN = "return"
    SUBMIT = "submit"
    VERIFY = "verify"
    CLOSE = "close"
    EVALUATE = "evaluate"
    ESCALATE = "escalate"
    SELF_HANDLE = "self_handle"
    SUPERVISE = "supervise"
    COMMENT = "comment"
    ATTACH = "attach"
    FOLLOW_UP = "follow_up"
    COHANDLE = "cohandle"
    VERIFY_ON_SITE = "verify_on_site"
    MERGE = "merge"
    UNMERGE = "unmerge"
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class AddFieldByRunSQL(ops.AddField):
    """The model state of AddField; the column itself comes from the RunSQL below, with a default
    for the rows already there (tortoise adds a NOT NULL column without one, which fails on them)."""

    async def database_forward(self, *args, **kwargs):
        return None

    async def database_backward(self, *args, **kwargs):
        return None


# The categories city_management.json marks as verified on site, as the data file had them
# when this migration was written (a city's later edits are its own).
ON_SITE_KEYS = ("city.0101", "city.0304", "city.0603", "city.0604")


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0033_review")]

    initial = False

    operations = [
        AddFieldByRunSQL(
            model_name="Category",
            name="verification",
            field=fields.CharEnumField(
                Verification,
                max_length=8,
                default=Verification.DESK,
                description="desk: the centre checks results; on_site: the grid's leader (现场核查)",
            ),
        ),
        ops.RunSQL(
            [
                "ALTER TABLE event_categories ADD COLUMN verification VARCHAR(8) NOT NULL"
                " DEFAULT 'desk'",
                "UPDATE event_categories SET verification = 'on_site' WHERE key IN ("
                + ", ".join(f"'{key}'" for key in ON_SITE_KEYS)
                + ")",
            ],
            reverse_sql=["ALTER TABLE event_categories DROP COLUMN verification"],
        ),
        ops.AlterField(
            model_name="TimelineEntry",
            name="action",
            field=fields.CharEnumField(
                description="\n".join(f"{a.name}: {a.value}" for a in Action),
                enum_type=Action,
                max_length=16,
            ),
        ),
        ops.CreateModel(
            name="Cohandling",
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
                (
                    "due_by_stage",
                    fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "card",
                    fields.CharField(default="none", description="worst so far", max_length=8),
                ),
                ("warning_level", fields.SmallIntField(default=0)),
                ("id", fields.UUIDField(primary_key=True, unique=True, db_index=True)),
                ("event_id", fields.UUIDField(db_index=True)),
                ("department_id", fields.UUIDField(db_index=True)),
                (
                    "region_code",
                    fields.CharField(description="where the event happened", max_length=15),
                ),
                (
                    "category_key",
                    fields.CharField(description="whose time limits apply", max_length=40),
                ),
                (
                    "task",
                    fields.TextField(description="what the department is asked to do", unique=False),
                ),
                (
                    "deadline",
                    fields.DatetimeField(
                        null=True,
                        description="set at dispatch, else the limit",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("result", fields.TextField(default="", unique=False)),
                ("reported_by_id", fields.UUIDField(null=True)),
                (
                    "reported_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "event_cohandlings",
                "app": "gridgov",
                "indexes": [Index(fields=["department_id", "status"])],
                "pk_attr": "id",
                "table_description": "A co-handling department's task on an event (协办): its own task, time limit and result,",
            },
            bases=["ClockColumns"],
        ),
        ops.CreateModel(
            name="SiteCheck",
            fields=[
                (
                    "id",
                    fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("event_id", fields.UUIDField(db_index=True)),
                ("verifier_id", fields.UUIDField(null=True)),
                ("verifier_label", fields.CharField(max_length=100)),
                ("passed", fields.BooleanField()),
                ("note", fields.TextField(default="", unique=False)),
                ("lat", fields.FloatField()),
                ("lng", fields.FloatField()),
                (
                    "distance_m",
                    fields.FloatField(null=True, description="from the event's location"),
                ),
                (
                    "attachment_ids",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "event_site_checks",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "One on-site verification (现场核查) of an event's result by the leader of its grid:",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            # the sweep's claim of due co-handling tasks: open ones only (as diaries_due)
            [
                "CREATE INDEX event_cohandlings_due ON event_cohandlings (remind_at)"
                " WHERE status = 'assigned'"
            ],
            reverse_sql=["DROP INDEX event_cohandlings_due"],
        ),
    ]
