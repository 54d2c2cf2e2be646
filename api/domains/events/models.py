"""Events (incidents) and everything the closed loop records about them."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.events.enums import (
    Action,
    CalendarSource,
    Card,
    CategoryScheme,
    DeadlineUnit,
    EventStatus,
    Priority,
    Source,
    Stage,
    Verification,
)
from api.flows.models import ClockColumns
from api.regions import Level


class Category(Model):
    """An event category of one of the two dictionaries; key = scheme.code, e.g. dispute.0101."""

    key = fields.CharField(primary_key=True, max_length=40)
    scheme = fields.CharEnumField(CategoryScheme, max_length=16)
    code = fields.CharField(max_length=16)
    name = fields.CharField(max_length=100)
    parent_key = fields.CharField(max_length=40, null=True)
    is_active = fields.BooleanField(default=True)  # false: retired (a code is never deleted)
    verification = fields.CharEnumField(
        Verification,
        max_length=8,
        default=Verification.DESK,
        description="desk: the centre checks results; on_site: the grid's leader (现场核查)",
    )
    # a region's own extension below a national code (null: national); used in its subtree only
    region_code = fields.CharField(max_length=15, null=True)
    # the table's version when the row last changed (the loaded dictionaries are version 0)
    version = fields.IntField(default=0)

    class Meta:
        table = "event_categories"


class DeadlineRule(Model):
    """Time limit of one stage for a category (or every category, when category_key is null)."""

    id = fields.IntField(primary_key=True)
    category_key = fields.CharField(max_length=40, null=True)
    stage = fields.CharEnumField(Stage, max_length=16)
    amount = fields.IntField()
    unit = fields.CharEnumField(DeadlineUnit, max_length=16)
    reminder_share = fields.FloatField(default=0.8, description="remind at this share of the limit")
    red_share = fields.FloatField(default=1.5, description="red card at this share of the limit")

    class Meta:
        table = "deadline_rules"
        unique_together = (("category_key", "stage"),)


class CalendarDay(Model):
    """An exception to the Monday–Friday week: a holiday, or a weekend made a working day."""

    day = fields.DateField(primary_key=True)
    is_workday = fields.BooleanField()
    name = fields.CharField(max_length=50)
    source = fields.CharEnumField(
        CalendarSource,
        max_length=8,
        default=CalendarSource.LOCAL,
        description="national: seeded; local: the city's own, never overwritten",
    )

    class Meta:
        table = "calendar_days"


class Event(Model):
    id = fields.UUIDField(primary_key=True)
    case_number = fields.CharField(max_length=32, unique=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    category_key = fields.CharField(max_length=40, db_index=True)
    source = fields.CharEnumField(Source, max_length=16)
    priority = fields.CharEnumField(Priority, max_length=8, default=Priority.NORMAL)
    status = fields.CharEnumField(EventStatus, max_length=16, db_index=True)
    region_code = fields.CharField(max_length=15, description="where it happened")
    # Its ancestors by level: "under S" becomes an equality, so an index on (ancestor,
    # reported_at) yields the newest events of any subtree already in order (see path_columns).
    city_code = fields.CharField(max_length=4)
    district_code = fields.CharField(max_length=6, null=True)
    township_code = fields.CharField(max_length=9, null=True)
    community_code = fields.CharField(max_length=12, null=True)
    handling_region_code = fields.CharField(max_length=15, description="the level holding it")
    handling_level = fields.CharEnumField(Level, max_length=12)
    assignee_department_id = fields.UUIDField(null=True, db_index=True)
    assignee_user_id = fields.UUIDField(null=True, db_index=True)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    address = fields.CharField(max_length=200, null=True)
    reporter_id = fields.UUIDField(null=True, db_index=True)
    reporter_api_key_id = fields.UUIDField(null=True)
    citizen_name = fields.CharField(max_length=50, null=True)
    citizen_phone = fields.CharField(max_length=20, null=True)
    stage = fields.CharEnumField(Stage, max_length=16, null=True)
    stage_started_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    remind_at = fields.DatetimeField(null=True)
    red_at = fields.DatetimeField(null=True)
    due_by_stage: fields.JSONField[Any] = fields.JSONField(default=dict)
    card = fields.CharEnumField(Card, max_length=8, default=Card.NONE, description="worst so far")
    # How far the running stage's deadline has been enforced: 0 nothing, 1 reminded, 2 yellow
    # card, 3 red card; back to 0 when a stage's clock starts.
    warning_level = fields.SmallIntField(default=0)
    rework_count = fields.IntField(default=0)
    escalation_count = fields.IntField(default=0)
    satisfaction = fields.IntField(null=True)
    # 重复件: a report merged into another event (api/domains/triage); its reporter follows that
    # one, and it closes with it. Never a chain: a main event is never itself merged.
    merged_into_id = fields.UUIDField(null=True)
    version = fields.IntField(default=1)
    reported_at = fields.DatetimeField()
    filed_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "events"


class TimelineEntry(Model):
    """One step of an event's history; rows are only ever added."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "gridgov.Event", related_name="timeline", on_delete=fields.RESTRICT
    )
    action = fields.CharEnumField(Action, max_length=16)
    actor_id = fields.UUIDField(null=True)
    actor_label = fields.CharField(max_length=100)
    from_status = fields.CharEnumField(EventStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(EventStatus, max_length=16, null=True)
    from_region_code = fields.CharField(max_length=15, null=True)
    to_region_code = fields.CharField(max_length=15, null=True)
    note = fields.TextField(default="")
    attachment_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    seconds_spent = fields.IntField(null=True, description="since the previous step")
    at = fields.DatetimeField()

    event_id: str

    class Meta:
        table = "event_timeline"


class Attachment(Model):
    """A file of an event, stored once by its SHA-256 under the attachment directory."""

    id = fields.UUIDField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "gridgov.Event", related_name="attachments", on_delete=fields.RESTRICT
    )
    sha256 = fields.CharField(max_length=64, db_index=True)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    filename = fields.CharField(max_length=200)
    uploaded_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    event_id: str

    class Meta:
        table = "event_attachments"


class CaseCounter(Model):
    """Per region and day sequence behind case numbers (row-locked increment)."""

    region_code = fields.CharField(max_length=15)
    day = fields.DateField()
    last_number = fields.IntField(default=0)

    class Meta:
        table = "case_counters"
        unique_together = (("region_code", "day"),)


class CardRecord(Model):
    """A yellow or red card as given, kept even when later forgiven on appeal (rankings count
    the facts; exemptions are separate)."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "gridgov.Event", related_name="cards", on_delete=fields.RESTRICT
    )
    card = fields.CharEnumField(Card, max_length=8)
    stage = fields.CharEnumField(Stage, max_length=16)
    due_at = fields.DatetimeField()
    given_at = fields.DatetimeField()
    handling_region_code = fields.CharField(max_length=15, db_index=True)
    assignee_department_id = fields.UUIDField(null=True, db_index=True)
    assignee_user_id = fields.UUIDField(null=True)
    forgiven_at = fields.DatetimeField(null=True)
    forgiven_reason = fields.TextField(null=True)

    event_id: str

    class Meta:
        table = "event_cards"
        unique_together = (("event", "card", "stage", "due_at"),)


class Cohandling(ClockColumns):
    """A co-handling department's task on an event (协办): its own task, time limit and result,
    beside the lead department the event is dispatched to. Runs on the flow kernel (its steps
    and cards are in the kernel's shared `flow_timeline` and `flow_cards`)."""

    id = fields.UUIDField(primary_key=True)
    event_id = fields.UUIDField(db_index=True)
    department_id = fields.UUIDField(db_index=True)
    region_code = fields.CharField(max_length=15, description="where the event happened")
    category_key = fields.CharField(max_length=40, description="whose time limits apply")
    task = fields.TextField(description="what the department is asked to do")
    deadline = fields.DatetimeField(null=True, description="set at dispatch, else the limit")
    result = fields.TextField(default="")
    reported_by_id = fields.UUIDField(null=True)
    reported_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_cohandlings"
        indexes = (("department_id", "status"),)


class SiteCheck(Model):
    """One on-site verification (现场核查) of an event's result by the leader of its grid:
    the verdict, where it was recorded and how far that is from the event."""

    id = fields.BigIntField(primary_key=True)
    event_id = fields.UUIDField(db_index=True)
    verifier_id = fields.UUIDField(null=True)
    verifier_label = fields.CharField(max_length=100)
    passed = fields.BooleanField()
    note = fields.TextField(default="")
    lat = fields.FloatField()
    lng = fields.FloatField()
    distance_m = fields.FloatField(null=True, description="from the event's location")
    attachment_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    at = fields.DatetimeField()

    class Meta:
        table = "event_site_checks"
