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


class Card(StrEnum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


class CategoryScheme(StrEnum):
    DISPUTE = "dispute"
    CITY = "city"


class DeadlineUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    NATURAL_DAYS = "natural_days"
    NATURAL_HOURS = "natural_hours"


class EventStatus(StrEnum):
    REPORTED = "reported"
    FILED = "filed"
    REJECTED = "rejected"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    HANDLED = "handled"
    VERIFIED = "verified"
    CLOSED = "closed"
    EVALUATED = "evaluated"


class Level(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"
    COMMUNITY = "community"
    GRID = "grid"


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    MAJOR = "major"


class Source(StrEnum):
    GRID_PATROL = "grid_patrol"
    CITIZEN = "citizen"
    WECHAT = "wechat"
    HOTLINE = "hotline"
    DEPARTMENT = "department"
    SUPERIOR = "superior"
    VIDEO = "video"


class Stage(StrEnum):
    FILE = "file"
    DISPATCH = "dispatch"
    HANDLE = "handle"
    VERIFY = "verify"
    CLOSE = "close"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0002_paths_and_integrity")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CalendarDay",
            fields=[
                ("day", fields.DateField(primary_key=True, unique=True, db_index=True)),
                ("is_workday", fields.BooleanField()),
                ("name", fields.CharField(max_length=50)),
            ],
            options={
                "table": "calendar_days",
                "app": "gridgov",
                "pk_attr": "day",
                "table_description": "An exception to the Monday–Friday week: a holiday, or a weekend made a working day.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseCounter",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("region_code", fields.CharField(max_length=15)),
                ("day", fields.DateField()),
                ("last_number", fields.IntField(default=0)),
            ],
            options={
                "table": "case_counters",
                "app": "gridgov",
                "unique_together": (("region_code", "day"),),
                "pk_attr": "id",
                "table_description": "Per region and day sequence behind case numbers (row-locked increment).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Category",
            fields=[
                (
                    "key",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40),
                ),
                (
                    "scheme",
                    fields.CharEnumField(
                        description="DISPUTE: dispute\nCITY: city",
                        enum_type=CategoryScheme,
                        max_length=16,
                    ),
                ),
                ("code", fields.CharField(max_length=16)),
                ("name", fields.CharField(max_length=100)),
                ("parent_key", fields.CharField(null=True, max_length=40)),
                ("is_active", fields.BooleanField(default=True)),
            ],
            options={
                "table": "event_categories",
                "app": "gridgov",
                "pk_attr": "key",
                "table_description": "An event category of one of the two dictionaries; key = scheme.code, e.g. dispute.0101.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DeadlineRule",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("category_key", fields.CharField(null=True, max_length=40)),
                (
                    "stage",
                    fields.CharEnumField(
                        description="FILE: file\nDISPATCH: dispatch\nHANDLE: handle\nVERIFY: verify\nCLOSE: close",
                        enum_type=Stage,
                        max_length=16,
                    ),
                ),
                ("amount", fields.IntField()),
                (
                    "unit",
                    fields.CharEnumField(
                        description="WORKING_HOURS: working_hours\nWORKING_DAYS: working_days\nNATURAL_DAYS: natural_days\nNATURAL_HOURS: natural_hours",
                        enum_type=DeadlineUnit,
                        max_length=16,
                    ),
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
                "table": "deadline_rules",
                "app": "gridgov",
                "unique_together": (("category_key", "stage"),),
                "pk_attr": "id",
                "table_description": "Time limit of one stage for a category (or every category, when category_key is null).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Event",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("case_number", fields.CharField(unique=True, max_length=32)),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(unique=False)),
                ("category_key", fields.CharField(db_index=True, max_length=40)),
                (
                    "source",
                    fields.CharEnumField(
                        description="GRID_PATROL: grid_patrol\nCITIZEN: citizen\nWECHAT: wechat\nHOTLINE: hotline\nDEPARTMENT: department\nSUPERIOR: superior\nVIDEO: video",
                        enum_type=Source,
                        max_length=16,
                    ),
                ),
                (
                    "priority",
                    fields.CharEnumField(
                        default=Priority.NORMAL,
                        description="NORMAL: normal\nURGENT: urgent\nMAJOR: major",
                        enum_type=Priority,
                        max_length=8,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        db_index=True,
                        description="REPORTED: reported\nFILED: filed\nREJECTED: rejected\nASSIGNED: assigned\nIN_PROGRESS: in_progress\nHANDLED: handled\nVERIFIED: verified\nCLOSED: closed\nEVALUATED: evaluated",
                        enum_type=EventStatus,
                        max_length=16,
                    ),
                ),
                ("region_code", fields.CharField(description="where it happened", max_length=15)),
                ("city_code", fields.CharField(max_length=4)),
                ("district_code", fields.CharField(null=True, max_length=6)),
                ("township_code", fields.CharField(null=True, max_length=9)),
                ("community_code", fields.CharField(null=True, max_length=12)),
                (
                    "handling_region_code",
                    fields.CharField(description="the level holding it", max_length=15),
                ),
                (
                    "handling_level",
                    fields.CharEnumField(
                        description="CITY: city\nDISTRICT: district\nTOWNSHIP: township\nCOMMUNITY: community\nGRID: grid",
                        enum_type=Level,
                        max_length=12,
                    ),
                ),
                ("assignee_department_id", fields.UUIDField(null=True, db_index=True)),
                ("assignee_user_id", fields.UUIDField(null=True, db_index=True)),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                ("address", fields.CharField(null=True, max_length=200)),
                ("reporter_id", fields.UUIDField(null=True, db_index=True)),
                ("reporter_api_key_id", fields.UUIDField(null=True)),
                ("citizen_name", fields.CharField(null=True, max_length=50)),
                ("citizen_phone", fields.CharField(null=True, max_length=20)),
                (
                    "stage",
                    fields.CharEnumField(
                        null=True,
                        description="FILE: file\nDISPATCH: dispatch\nHANDLE: handle\nVERIFY: verify\nCLOSE: close",
                        enum_type=Stage,
                        max_length=16,
                    ),
                ),
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
                    fields.CharEnumField(
                        default=Card.NONE,
                        description="NONE: none\nYELLOW: yellow\nRED: red",
                        enum_type=Card,
                        max_length=8,
                    ),
                ),
                ("rework_count", fields.IntField(default=0)),
                ("escalation_count", fields.IntField(default=0)),
                ("satisfaction", fields.IntField(null=True)),
                ("version", fields.IntField(default=1)),
                ("reported_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("filed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "events", "app": "gridgov", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Attachment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "gridgov.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attachments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("sha256", fields.CharField(db_index=True, max_length=64)),
                ("content_type", fields.CharField(max_length=100)),
                ("size", fields.BigIntField()),
                ("filename", fields.CharField(max_length=200)),
                ("uploaded_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "event_attachments",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A file of an event, stored once by its SHA-256 under the attachment directory.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TimelineEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "gridgov.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="timeline",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "action",
                    fields.CharEnumField(
                        description="REPORT: report\nFILE: file\nREJECT: reject\nASSIGN: assign\nACCEPT: accept\nRETURN: return\nSUBMIT: submit\nVERIFY: verify\nCLOSE: close\nEVALUATE: evaluate\nESCALATE: escalate\nSELF_HANDLE: self_handle\nSUPERVISE: supervise\nCOMMENT: comment\nATTACH: attach",
                        enum_type=Action,
                        max_length=16,
                    ),
                ),
                ("actor_id", fields.UUIDField(null=True)),
                ("actor_label", fields.CharField(max_length=100)),
                (
                    "from_status",
                    fields.CharEnumField(
                        null=True,
                        description="REPORTED: reported\nFILED: filed\nREJECTED: rejected\nASSIGNED: assigned\nIN_PROGRESS: in_progress\nHANDLED: handled\nVERIFIED: verified\nCLOSED: closed\nEVALUATED: evaluated",
                        enum_type=EventStatus,
                        max_length=16,
                    ),
                ),
                (
                    "to_status",
                    fields.CharEnumField(
                        null=True,
                        description="REPORTED: reported\nFILED: filed\nREJECTED: rejected\nASSIGNED: assigned\nIN_PROGRESS: in_progress\nHANDLED: handled\nVERIFIED: verified\nCLOSED: closed\nEVALUATED: evaluated",
                        enum_type=EventStatus,
                        max_length=16,
                    ),
                ),
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
                "table": "event_timeline",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "One step of an event's history; rows are only ever added.",
            },
            bases=["Model"],
        ),
    ]
