"""Emergency plans (应急预案, versioned), incidents and their tasks (flow records on the kernel),
situation reports and the CAP alerts issued. Incidents' and tasks' timelines and cards live in
the kernel's shared tables (flow_timeline, flow_cards) under their flows' names."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class EmergencyPlan(Model):
    """One version of a plan; a new version is a new row with the same `code`, and an
    activation keeps the row (the version) it used."""

    id = fields.UUIDField(primary_key=True)
    code = fields.CharField(max_length=40, description="the plan across its versions")
    version = fields.IntField()
    name = fields.CharField(max_length=200)
    type_code = fields.CharField(max_length=4, description="GB/T 35561 sub-type")
    region_code = fields.CharField(max_length=15, description="the region it covers")
    highest_level = fields.CharField(max_length=3, description="the gravest level it covers")
    lowest_level = fields.CharField(max_length=3, description="the mildest level it covers")
    # [{department_id, role, duty}]
    departments: fields.JSONField[Any] = fields.JSONField(default=list)
    # [{name, leader, phone, size}]
    teams: fields.JSONField[Any] = fields.JSONField(default=list)
    # [{name, quantity, unit, place}]
    supplies: fields.JSONField[Any] = fields.JSONField(default=list)
    # [{name, place, lat, lng, capacity, contact}]
    shelters: fields.JSONField[Any] = fields.JSONField(default=list)
    # [{title, department_id, team, hours}]
    task_templates: fields.JSONField[Any] = fields.JSONField(default=list)
    is_current = fields.BooleanField(default=True, description="the newest version")
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "emergency_plans"
        unique_together = (("code", "version"),)
        indexes = (("region_code", "is_current"),)


class Incident(Model):
    """An emergency (突发事件) from intake to end, on the flow kernel."""

    id = fields.UUIDField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True, description="YJ410611-20261207-001")
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    type_code = fields.CharField(max_length=4, description="GB/T 35561 sub-type")
    level = fields.CharField(max_length=3, null=True, description="response level, once active")
    drill = fields.BooleanField(default=False, description="演练: never counted as real")
    source = fields.CharField(max_length=16)
    caller_name = fields.CharField(max_length=50, null=True)
    caller_phone = fields.CharField(max_length=20, null=True)
    work_order_ticket = fields.CharField(max_length=64, null=True)
    event_id = fields.UUIDField(null=True, unique=True, description="the event it came from")
    region_code = fields.CharField(max_length=15, description="where it happened")
    centre_region_code = fields.CharField(max_length=15, description="the centre that opened it")
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    address = fields.CharField(max_length=200, null=True)
    affected_area: fields.JSONField[Any] = fields.JSONField(null=True, description="GeoJSON")
    plan_id = fields.UUIDField(null=True, description="the plan version activated")
    commander_id = fields.UUIDField(null=True, description="现场指挥: the incident commander")
    summary = fields.TextField(null=True)
    status = fields.CharField(max_length=16)
    stage = fields.CharField(max_length=16, null=True)
    stage_started_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    remind_at = fields.DatetimeField(null=True)
    red_at = fields.DatetimeField(null=True)
    due_by_stage: fields.JSONField[Any] = fields.JSONField(default=dict)
    card = fields.CharField(max_length=8, default="none")
    warning_level = fields.SmallIntField(default=0)
    version = fields.IntField(default=1)
    reported_at = fields.DatetimeField(description="when the report came in")
    activated_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    created_by_id = fields.UUIDField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "emergency_incidents"
        indexes = (("region_code", "reported_at"), ("status", "due_at"))


class IncidentTask(Model):
    """A department's or team's task in an incident, with its deadline on the kernel."""

    id = fields.UUIDField(primary_key=True)
    incident_id = fields.UUIDField(db_index=True)
    title = fields.CharField(max_length=200)
    department_id = fields.UUIDField(null=True)
    team = fields.CharField(max_length=100, null=True)
    hours = fields.SmallIntField(description="its time limit in natural hours")
    result = fields.TextField(null=True)
    attachment_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    commander_id = fields.UUIDField(null=True, description="who hears of its deadline")
    region_code = fields.CharField(max_length=15, description="the incident's")
    drill = fields.BooleanField(default=False)
    status = fields.CharField(max_length=16)
    stage = fields.CharField(max_length=16, null=True)
    stage_started_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    remind_at = fields.DatetimeField(null=True)
    red_at = fields.DatetimeField(null=True)
    due_by_stage: fields.JSONField[Any] = fields.JSONField(default=dict)
    card = fields.CharField(max_length=8, default="none")
    warning_level = fields.SmallIntField(default=0)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "emergency_tasks"
        indexes = (("status", "due_at"),)


class SituationReport(Model):
    """A situation report (情况报告): 时间, 伤亡, 影响范围, 处置进展; numbered in order."""

    id = fields.UUIDField(primary_key=True)
    incident_id = fields.UUIDField()
    number = fields.SmallIntField()
    observed_at = fields.DatetimeField(description="the time the report describes")
    deaths = fields.IntField(default=0)
    injuries = fields.IntField(default=0)
    missing = fields.IntField(default=0)
    affected_scope = fields.TextField(description="影响范围")
    progress = fields.TextField(description="处置进展")
    author_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "emergency_situation_reports"
        unique_together = (("incident_id", "number"),)


class CapAlert(Model):
    """A public warning as issued (CAP 1.2 XML), kept as sent: an update or cancel refers to it."""

    id = fields.UUIDField(primary_key=True)
    incident_id = fields.UUIDField(db_index=True)
    identifier = fields.CharField(max_length=64, unique=True)
    sender = fields.CharField(max_length=64, description="the issuing centre")
    msg_type = fields.CharField(max_length=8)
    sent_at = fields.DatetimeField()
    xml = fields.TextField()
    created_by_id = fields.UUIDField(null=True)
