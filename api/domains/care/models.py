"""Tables of care groups (helpers, visit rules) and of safety inspections and hazards."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.care.enums import (
    HazardLevel,
    HelperKind,
    TargetKind,
)
from api.domains.diaries.models import ClockColumns
from api.domains.registry.enums import SpecialGroup
from api.exports import ExportColumns


class CareHelper(Model):
    """A helper paired with a person in a care group (结对帮扶); ended pairings stay."""

    id = fields.UUIDField(primary_key=True)
    record_id = fields.UUIDField(description="the care group's special-group record")
    region_code = fields.CharField(max_length=15, description="the person's grid")
    kind = fields.CharEnumField(HelperKind, max_length=16)
    helper_id = fields.UUIDField(description="a user, volunteer or party member, by kind")
    helper_label = fields.CharField(max_length=100)
    assigned_by_id = fields.UUIDField(null=True)
    assigned_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "care_helpers"
        indexes = (("record_id", "ended_at"),)


class CareVisitRule(Model):
    """How often a care group is visited (走访频次) in a region and below; the deepest rule
    over a person's grid applies."""

    id = fields.IntField(primary_key=True)
    region_code = fields.CharField(max_length=15)
    group = fields.CharEnumField(SpecialGroup, max_length=24)
    every_days = fields.SmallIntField()
    set_by_id = fields.UUIDField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "care_visit_rules"
        unique_together = (("region_code", "group"),)


class Inspection(ClockColumns):
    """A safety inspection (安全检查) of a house, building or organisation, on the flow kernel
    (its timeline: recorded, closed with its last hazard); its hazards carry the clocks."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the target's grid")
    target_kind = fields.CharEnumField(TargetKind, max_length=16)
    target_id = fields.UUIDField()
    target_label = fields.CharField(max_length=200)
    inspector_id = fields.UUIDField()
    inspector_label = fields.CharField(max_length=100)
    inspected_at = fields.DatetimeField()
    note = fields.TextField(default="")
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "care_inspections"
        indexes = (("region_code", "inspected_at"),)


class Hazard(ClockColumns):
    """A hazard found in an inspection and its rectification (整改), on the flow kernel."""

    id = fields.UUIDField(primary_key=True)
    inspection_id = fields.UUIDField(db_index=True)
    region_code = fields.CharField(max_length=15)
    hazard_type = fields.CharField(max_length=4, description="GB/T 31000 5.19 隐患类型")
    level = fields.CharEnumField(HazardLevel, max_length=8)
    description = fields.CharField(max_length=1000)
    photo_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    owner_name = fields.CharField(max_length=100, description="整改责任人")
    owner_user_id = fields.UUIDField(null=True, description="told of the deadline, if a user")
    deadline = fields.DatetimeField(description="整改期限")
    inspector_id = fields.UUIDField()
    found_at = fields.DatetimeField()
    reinspected_at = fields.DatetimeField(null=True)
    reinspection_note = fields.TextField(null=True)
    closed_at = fields.DatetimeField(null=True)
    event_id = fields.UUIDField(null=True, description="the event it was escalated into")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "care_hazards"
        indexes = (("region_code", "found_at"),)


class LedgerExport(ExportColumns):
    """An XLSX export of the hazard ledger, written by a worker job; offered for download to
    whoever asked for it once it is whole (state DONE), never before."""

    status_filter = fields.CharField(max_length=16, null=True)
    level_filter = fields.CharField(max_length=8, null=True)
    overdue_only = fields.BooleanField(default=False)

    class Meta:
        table = "care_ledger_exports"
        indexes = (("requested_by_id", "created_at"),)
