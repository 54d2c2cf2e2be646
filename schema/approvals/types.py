"""GraphQL types of the approval catalogue, applications and risk assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.domains.approvals import enums
from api.domains.approvals.definitions import Step
from api.domains.approvals.enums import ApplicationStatus, AssessmentStatus, RiskLevel, StepAction
from api.domains.approvals.models import (
    Application,
    ApprovalFile,
    ApprovalItem,
    RiskAssessment,
    RiskReview,
)
from api.flows.models import FlowStep
from api.regions import Level
from schema.hierarchy import types as hierarchy_types  # noqa: F401  (Level as GraphQL knows it)
from schema.node import global_id
from schema.types import Info

strawberry.enum(enums.ApplicationStatus, description="Where an application stands.")
strawberry.enum(enums.StepAction, description="What a flow step lets its approvers do.")
strawberry.enum(enums.AssessmentStatus, description="待评估 → 初评 → 复评 → 审核 → 已评估.")
strawberry.enum(enums.RiskLevel, description="Assessed risk: high, medium or low.")


@strawberry.type(name="ApprovalMaterial", description="A material an application brings.")
class MaterialType:
    key: str = strawberry.field(description="Its key in an application's `materials`.")
    name: str
    required: bool
    original: bool = strawberry.field(description="原件 (else a copy, 复印件).")
    file_types: list[str] = strawberry.field(description="Accepted content types.")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MaterialType:
        return cls(
            key=data["key"],
            name=data["name"],
            required=data["required"],
            original=data["original"],
            file_types=list(data["fileTypes"]),
        )


@strawberry.type(name="ApprovalStep", description="A step of an item's flow.")
class StepType:
    name: str
    level: Level
    role: str = strawberry.field(description="The role the step waits for.")
    department_id: UUID | None
    days: int = strawberry.field(description="Its time limit in working days.")
    actions: list[StepAction]

    @classmethod
    def from_step(cls, step: Step) -> StepType:
        return cls(
            name=step.name,
            level=step.level,
            role=step.role,
            department_id=step.department_id,
            days=step.days,
            actions=sorted(step.actions),
        )


@strawberry.type(name="ApprovalFlowVersion", description="A saved version of an item's flow.")
class FlowVersionType:
    version: int
    steps: list[StepType]
    created_at: datetime


@strawberry.type(
    name="ApprovalItem", description="An item of the catalogue and its guide (办事指南)."
)
class ItemType:
    uuid: UUID
    code: str
    name: str
    region_code: str = strawberry.field(description="The implementing body's region.")
    department_id: UUID | None = strawberry.field(description="The implementing department.")
    legal_basis: str
    promised_days: int = strawberry.field(description="承诺时限, in working days.")
    fee: str
    where_to_apply: str
    decides_at: Level = strawberry.field(description="The lowest level that may decide it.")
    materials: list[MaterialType]
    form_template: JSON = strawberry.field(description="The form, as a JSON Schema.")
    published: bool
    flow_version: int = strawberry.field(description="The flow new applications start on.")
    version: int

    @strawberry.field(description="Global id.")
    def id(self) -> strawberry.ID:
        return global_id("ApprovalItem", str(self.uuid))

    @classmethod
    def from_model(cls, item: ApprovalItem) -> ItemType:
        return cls(
            uuid=item.id,
            code=item.code,
            name=item.name,
            region_code=item.region_code,
            department_id=item.department_id,
            legal_basis=item.legal_basis,
            promised_days=item.promised_days,
            fee=item.fee,
            where_to_apply=item.where_to_apply,
            decides_at=Level(item.decides_at),
            materials=[MaterialType.from_json(m) for m in item.materials],
            form_template=item.form_template,
            published=item.published,
            flow_version=item.flow_version,
            version=item.version,
        )


@strawberry.type(name="ApprovalFile", description="An uploaded material or report.")
class FileType:
    uuid: UUID
    filename: str
    content_type: str
    size: int

    @strawberry.field(description="Where to fetch it (with the same credentials as /graphql).")
    def url(self) -> str:
        return f"/approval-files/{self.uuid}"

    @classmethod
    def from_model(cls, row: ApprovalFile) -> FileType:
        return cls(uuid=row.id, filename=row.filename, content_type=row.content_type, size=row.size)


@strawberry.type(name="FlowTimelineEntry", description="A step of a record's history.")
class FlowStepType:
    action: str
    actor_label: str = strawberry.field(description="Who took the step.")
    from_status: str | None
    to_status: str | None
    from_region_code: str | None = strawberry.field(description="Region holding it before.")
    to_region_code: str | None = strawberry.field(description="Region holding it after.")
    note: str
    seconds_spent: int | None = strawberry.field(description="Time since the previous step.")
    at: datetime

    @classmethod
    def from_model(cls, row: FlowStep) -> FlowStepType:
        return cls(
            action=row.action,
            actor_label=row.actor_label,
            from_status=row.from_status,
            to_status=row.to_status,
            from_region_code=row.from_region_code,
            to_region_code=row.to_region_code,
            note=row.note,
            seconds_spent=row.seconds_spent,
            at=row.at,
        )


@strawberry.type(name="Application", description="An application for an approval item.")
class ApplicationType:
    uuid: UUID
    number: str = strawberry.field(description="受理编号.")
    item_id: UUID
    flow_version: int = strawberry.field(description="The flow version it follows.")
    status: ApplicationStatus
    applicant_name: str
    on_behalf: bool = strawberry.field(description="代办: filed by staff for the resident.")
    region_code: str = strawberry.field(description="The community applied at.")
    holder_region_code: str = strawberry.field(description="Where it waits now.")
    waiting_role: str | None = strawberry.field(description="The role it waits for.")
    step_index: int = strawberry.field(description="The running step (from 0).")
    form: JSON
    materials: JSON = strawberry.field(description="Material key → file ids.")
    certificate_number: str | None
    refusal_reason: str | None
    decided_at: datetime | None
    collected_at: datetime | None
    due_at: datetime | None = strawberry.field(description="When the running stage is due.")
    card: str = strawberry.field(description="The worst card so far: none, yellow, red.")
    version: int = strawberry.field(description="Pass as expectedVersion to act on it.")
    created_at: datetime

    @strawberry.field(description="Global id.")
    def id(self) -> strawberry.ID:
        return global_id("Application", str(self.uuid))

    @strawberry.field(description="The steps so far, oldest first.")
    async def timeline(self, info: Info) -> list[FlowStepType]:
        rows = await info.context.loaders.timeline_by_application.load(self.uuid)
        return [FlowStepType.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, a: Application) -> ApplicationType:
        return cls(
            uuid=a.id,
            number=a.number,
            item_id=a.item_id,
            flow_version=a.flow_version,
            status=a.status,
            applicant_name=a.applicant_name,
            on_behalf=a.on_behalf,
            region_code=a.region_code,
            holder_region_code=a.holder_region_code,
            waiting_role=a.waiting_role,
            step_index=a.step_index,
            form=a.form,
            materials=a.materials,
            certificate_number=a.certificate_number,
            refusal_reason=a.refusal_reason,
            decided_at=a.decided_at,
            collected_at=a.collected_at,
            due_at=a.due_at,
            card=a.card,
            version=a.version,
            created_at=a.created_at,
        )


@strawberry.type(name="RiskReview", description="What one assessment stage found.")
class RiskReviewType:
    stage: AssessmentStatus
    reviewer_label: str
    opinion: str
    risk_points: list[str]
    risk_level: RiskLevel
    report_file_id: UUID | None
    at: datetime

    @classmethod
    def from_model(cls, r: RiskReview) -> RiskReviewType:
        return cls(
            stage=r.stage,
            reviewer_label=r.reviewer_label,
            opinion=r.opinion,
            risk_points=list(r.risk_points),
            risk_level=r.risk_level,
            report_file_id=r.report_file_id,
            at=r.at,
        )


@strawberry.type(name="RiskAssessment", description="A major decision's risk assessment.")
class AssessmentType:
    uuid: UUID
    title: str
    description: str
    sponsor_unit: str
    decision_type: str
    region_code: str
    status: AssessmentStatus
    final_level: RiskLevel | None
    report_file_id: UUID | None
    assessed_at: datetime | None
    due_at: datetime | None
    card: str
    version: int = strawberry.field(description="Pass as expectedVersion to act on it.")
    created_at: datetime

    @strawberry.field(description="Global id.")
    def id(self) -> strawberry.ID:
        return global_id("RiskAssessment", str(self.uuid))

    @strawberry.field(description="Each stage's findings, oldest first.")
    async def reviews(self, info: Info) -> list[RiskReviewType]:
        rows = await info.context.loaders.reviews_by_assessment.load(self.uuid)
        return [RiskReviewType.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, a: RiskAssessment) -> AssessmentType:
        return cls(
            uuid=a.id,
            title=a.title,
            description=a.description,
            sponsor_unit=a.sponsor_unit,
            decision_type=a.decision_type,
            region_code=a.region_code,
            status=a.status,
            final_level=a.final_level,
            report_file_id=a.report_file_id,
            assessed_at=a.assessed_at,
            due_at=a.due_at,
            card=a.card,
            version=a.version,
            created_at=a.created_at,
        )
