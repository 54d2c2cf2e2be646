"""The kernel's own tables, for flows that keep no tables of their own: the record, its
timeline, its cards, and the time limits of its stages. States, actions and stages are each
flow's own strings (its enums' values), so one table serves every flow."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ClockColumns(Model):
    """The columns the flow kernel keeps on a record with stage clocks (a domain's own table
    of reviewed records inherits them)."""

    status = fields.CharField(max_length=16)
    version = fields.IntField(default=1)
    flow_version = fields.SmallIntField(
        default=1, description="the flow definition it started with"
    )
    stage = fields.CharField(max_length=16, null=True)
    stage_started_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    remind_at = fields.DatetimeField(null=True)
    red_at = fields.DatetimeField(null=True)
    due_by_stage: fields.JSONField[Any] = fields.JSONField(default=dict)
    card = fields.CharField(max_length=8, default="none", description="worst so far")
    warning_level = fields.SmallIntField(default=0)

    class Meta:
        abstract = True


class FlowRecord(Model):
    """A reviewed record of a flow that needs nothing beyond a title and a holder (a notice
    awaiting acknowledgement, a diary under review …); `data` holds what is its own."""

    id = fields.UUIDField(primary_key=True)
    flow = fields.CharField(max_length=32)
    flow_version = fields.SmallIntField(description="the flow definition it started with")
    kind = fields.CharField(max_length=40, description="whose time limits apply")
    status = fields.CharField(max_length=32)
    title = fields.CharField(max_length=200)
    region_code = fields.CharField(max_length=15)
    owner_id = fields.UUIDField(null=True, description="who started it")
    assignee_id = fields.UUIDField(null=True, description="who holds the running stage")
    data: fields.JSONField[Any] = fields.JSONField(default=dict)
    stage = fields.CharField(max_length=32, null=True)
    stage_started_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    remind_at = fields.DatetimeField(null=True)
    red_at = fields.DatetimeField(null=True)
    due_by_stage: fields.JSONField[Any] = fields.JSONField(default=dict)
    card = fields.CharField(max_length=8, default="none", description="worst so far")
    warning_level = fields.SmallIntField(default=0)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "flow_records"
        indexes = (("flow", "region_code"),)


class FlowStep(Model):
    """One step of a record's history; rows are only ever added."""

    id = fields.BigIntField(primary_key=True)
    flow = fields.CharField(max_length=32)
    record_id = fields.UUIDField()
    action = fields.CharField(max_length=32)
    actor_id = fields.UUIDField(null=True)
    actor_label = fields.CharField(max_length=100)
    from_status = fields.CharField(max_length=32, null=True)
    to_status = fields.CharField(max_length=32, null=True)
    from_region_code = fields.CharField(max_length=15, null=True)
    to_region_code = fields.CharField(max_length=15, null=True)
    note = fields.TextField(default="")
    attachment_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    seconds_spent = fields.IntField(null=True, description="since the previous step")
    at = fields.DatetimeField()

    class Meta:
        table = "flow_timeline"
        indexes = (("record_id", "id"),)


class FlowCard(Model):
    """A yellow or red card as given, kept even when later forgiven."""

    id = fields.BigIntField(primary_key=True)
    flow = fields.CharField(max_length=32)
    record_id = fields.UUIDField(db_index=True)
    card = fields.CharField(max_length=8)
    stage = fields.CharField(max_length=32)
    due_at = fields.DatetimeField()
    given_at = fields.DatetimeField()
    region_code = fields.CharField(max_length=15)
    forgiven_at = fields.DatetimeField(null=True)
    forgiven_reason = fields.TextField(null=True)

    class Meta:
        table = "flow_cards"
        unique_together = (("record_id", "card", "stage", "due_at"),)


class FlowLimit(Model):
    """The time limit of a stage of a flow, for one kind (or every kind, when kind is null)."""

    id = fields.IntField(primary_key=True)
    flow = fields.CharField(max_length=32)
    kind = fields.CharField(max_length=40, null=True)
    stage = fields.CharField(max_length=32)
    amount = fields.IntField()
    unit = fields.CharField(max_length=16, description="working_hours, working_days …")
    reminder_share = fields.FloatField(default=0.8, description="remind at this share of the limit")
    red_share = fields.FloatField(default=1.5, description="red card at this share of the limit")

    class Meta:
        table = "flow_limits"
        unique_together = (("flow", "kind", "stage"),)
