"""Approval items, their flows as versioned data, applications and their files; risk
assessments and the opinion of each stage. Timelines and cards go to the flow kernel's shared
tables (flow_timeline, flow_cards), which every flow's history has the same shape in."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.approvals.enums import ApplicationStatus, AssessmentStatus, RiskLevel


class ApprovalItem(Model):
    """An item of the catalogue (事项目录 / 办事指南): what may be applied for, where, on what
    legal basis, within which promised time, with which materials and which form."""

    id = fields.UUIDField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=100)
    region_code = fields.CharField(max_length=15, description="the implementing body's region")
    department_id = fields.UUIDField(null=True, description="the implementing department")
    legal_basis = fields.TextField(default="")
    promised_days = fields.SmallIntField(description="承诺时限, in working days")
    fee = fields.CharField(max_length=100, default="", description="收费标准, as published")
    where_to_apply = fields.CharField(max_length=200, default="")
    # [{key, name, required, original, fileTypes}]
    materials: fields.JSONField[Any] = fields.JSONField(default=list)
    form_template: fields.JSONField[Any] = fields.JSONField(default=dict)
    decides_at = fields.CharField(
        max_length=10, description="authority ceiling: the lowest level that may decide"
    )
    flow_version = fields.SmallIntField(default=0, description="the newest flow version; 0: none")
    published = fields.BooleanField(default=False)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "approval_items"


class ApprovalFlowVersion(Model):
    """One version of an item's flow; applications keep the version they started with, so a
    version is never changed once saved, only followed by a newer one."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[ApprovalItem] = fields.ForeignKeyField(
        "gridgov.ApprovalItem", related_name="flow_versions", on_delete=fields.RESTRICT
    )
    item_id: Any
    version = fields.SmallIntField()
    # [{name, level, role, departmentId, approverIds, days, actions}]
    steps: fields.JSONField[Any] = fields.JSONField()
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "approval_flow_versions"
        unique_together = (("item", "version"),)


class Application(Model):
    """An application for an item, by a citizen or filed on a resident's behalf (代办)."""

    id = fields.UUIDField(primary_key=True)
    number = fields.CharField(max_length=40, unique=True, description="受理编号")
    item: fields.ForeignKeyRelation[ApprovalItem] = fields.ForeignKeyField(
        "gridgov.ApprovalItem", related_name="applications", on_delete=fields.RESTRICT
    )
    item_id: Any
    flow_version = fields.SmallIntField(description="the flow version it started with")
    status = fields.CharEnumField(ApplicationStatus, max_length=24)
    applicant_id = fields.UUIDField(null=True, description="the resident's citizen account")
    applicant_name = fields.CharField(max_length=50)
    applicant_phone = fields.CharField(max_length=20, null=True)
    filed_by_id = fields.UUIDField(description="who filed it: the applicant, or staff (代办)")
    on_behalf = fields.BooleanField(default=False, description="代办: filed by staff")
    region_code = fields.CharField(max_length=15, description="the community applied at")
    step_index = fields.SmallIntField(default=0)
    holder_region_code = fields.CharField(max_length=15, description="where it waits")
    waiting_role = fields.CharField(max_length=20, null=True, description="who it waits for")
    waiting_department_id = fields.UUIDField(null=True)
    form: fields.JSONField[Any] = fields.JSONField(default=dict)
    # {material key: [file id, …]}
    materials: fields.JSONField[Any] = fields.JSONField(default=dict)
    certificate_number = fields.CharField(max_length=60, null=True)
    refusal_reason = fields.TextField(null=True)
    decided_at = fields.DatetimeField(null=True)
    promised_due_at = fields.DatetimeField(
        null=True,
        description="承诺时限 from filing, on the work calendar: on time if decided by it",
    )
    collected_at = fields.DatetimeField(null=True)
    stage = fields.CharField(max_length=16, null=True)
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
        table = "applications"


class ApprovalFile(Model):
    """A scanned material (uploaded before the application that lists it) or an assessment
    report, kept once by SHA-256 in the attachment store."""

    id = fields.UUIDField(primary_key=True)
    application_id = fields.UUIDField(null=True, description="null until an application lists it")
    assessment_id = fields.UUIDField(null=True, description="the assessment it reports on")
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()
    filename = fields.CharField(max_length=200)
    uploaded_by_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "approval_files"
        indexes = (("application_id",), ("uploaded_by_id", "created_at"))


class RiskAssessment(Model):
    """The risk assessment of a major decision (重大决策社会稳定风险评估)."""

    id = fields.UUIDField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    sponsor_unit = fields.CharField(max_length=100, description="承办单位")
    decision_type = fields.CharField(max_length=40)
    region_code = fields.CharField(max_length=15)
    status = fields.CharEnumField(AssessmentStatus, max_length=16)
    final_level = fields.CharEnumField(RiskLevel, max_length=8, null=True)
    report_file_id = fields.UUIDField(null=True)
    created_by_id = fields.UUIDField(null=True)
    assessed_at = fields.DatetimeField(null=True)
    stage = fields.CharField(max_length=16, null=True)
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
        table = "risk_assessments"


class RiskReview(Model):
    """What one stage (初评, 复评, 审核) found: reviewer, opinion, risk points, level, report."""

    id = fields.BigIntField(primary_key=True)
    assessment: fields.ForeignKeyRelation[RiskAssessment] = fields.ForeignKeyField(
        "gridgov.RiskAssessment", related_name="reviews", on_delete=fields.RESTRICT
    )
    assessment_id: Any
    stage = fields.CharEnumField(AssessmentStatus, max_length=16)
    reviewer_id = fields.UUIDField()
    reviewer_label = fields.CharField(max_length=100)
    opinion = fields.TextField()
    risk_points: fields.JSONField[Any] = fields.JSONField(default=list)
    risk_level = fields.CharEnumField(RiskLevel, max_length=8)
    report_file_id = fields.UUIDField(null=True)
    at = fields.DatetimeField()

    class Meta:
        table = "risk_reviews"
        indexes = (("assessment_id", "id"),)
