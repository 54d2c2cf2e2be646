"""Changing the catalogue and flows, applying, each step of an application, and assessing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, cast

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from api.domains.approvals import assessments, service
from api.domains.approvals import files as files_module
from api.domains.approvals.definitions import Step
from api.domains.approvals.enums import Action, RiskLevel, StepAction
from api.domains.approvals.models import Application, RiskAssessment
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.regions import Level
from schema.approvals.types import (
    ApplicationType,
    AssessmentType,
    FileType,
    FlowVersionType,
    ItemType,
    StepType,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.hierarchy import types as hierarchy_types  # noqa: F401  (Level as GraphQL knows it)
from schema.permissions import signed_in
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.input(name="ApprovalMaterialInput", description="A material of an item.")
class MaterialInput:
    key: str
    name: str
    required: bool = True
    original: bool = False
    file_types: list[str] = strawberry.field(
        default_factory=lambda: ["application/pdf", "image/jpeg", "image/png"]
    )


@strawberry.input(description="An item of the catalogue (事项目录).")
class ApprovalItemInput:
    code: str
    name: str
    region_code: str = strawberry.field(description="The implementing body's region.")
    promised_days: int = strawberry.field(description="承诺时限, in working days.")
    decides_at: Level = strawberry.field(
        description="Authority ceiling: the lowest deciding level."
    )
    form_template: JSON = strawberry.field(description="A JSON Schema (Draft 2020-12) object.")
    materials: list[MaterialInput] = strawberry.field(default_factory=list)
    department_id: uuid.UUID | None = None
    legal_basis: str = ""
    fee: str = ""
    where_to_apply: str = ""
    published: bool = False


@strawberry.input(name="ApprovalStepInput", description="A step of an item's flow.")
class StepInput:
    name: str
    level: Level
    role: str = strawberry.field(description="The role that acts at the step.")
    days: int = strawberry.field(description="Time limit in working days.")
    actions: list[StepAction]
    department_id: uuid.UUID | None = None
    approver_ids: list[uuid.UUID] = strawberry.field(
        default_factory=list, description="Only these people act, where named."
    )


@strawberry.input(description="The files of one material.")
class MaterialFilesInput:
    key: str
    file_ids: list[strawberry.ID]


@strawberry.input(description="An application: by a citizen, or by staff for a resident (代办).")
class ApplicationInput:
    id: uuid.UUID | None = strawberry.field(
        default=None, description="Choose it offline: a retry is the same application."
    )
    item_id: strawberry.ID
    region_code: str = strawberry.field(description="The community applied at.")
    form: JSON
    materials: list[MaterialFilesInput] = strawberry.field(default_factory=list)
    applicant_name: str | None = strawberry.field(default=None, description="代办 only.")
    applicant_phone: str | None = strawberry.field(default=None, description="代办 only.")


@strawberry.input(description="A major decision put up for risk assessment.")
class RiskAssessmentInput:
    id: uuid.UUID | None = strawberry.field(default=None, description="A retry is the same.")
    title: str
    sponsor_unit: str
    decision_type: str
    region_code: str
    description: str = ""


@strawberry.input(description="What an assessment stage found (初评, 复评 or 审核).")
class RiskStageInput:
    opinion: str
    risk_level: RiskLevel
    risk_points: list[str] = strawberry.field(default_factory=list)
    report_file_id: strawberry.ID | None = None


@strawberry.type(description="The item after the change.")
class ApprovalItemPayload:
    item: ItemType


@strawberry.type(description="The new flow version.")
class ApprovalFlowPayload:
    flow: FlowVersionType


@strawberry.type(description="The files kept, to list in an application or as a report.")
class ApprovalFilesPayload:
    files: list[FileType]


@strawberry.type(description="The application after the step.")
class ApplicationPayload:
    application: ApplicationType


@strawberry.type(description="The assessment after the step.")
class RiskAssessmentPayload:
    assessment: AssessmentType


Failures = ValidationError | NotFoundError | ConflictError | NotAllowedError
ApprovalItemResult = Annotated[
    ApprovalItemPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ApprovalItemResult", description="Outcome of saving an item."),
]
ApprovalFlowResult = Annotated[
    ApprovalFlowPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ApprovalFlowResult", description="Outcome of saving a flow version."),
]
ApprovalFilesResult = Annotated[
    ApprovalFilesPayload | ValidationError | NotAllowedError,
    strawberry.union("ApprovalFilesResult", description="Outcome of an upload."),
]
ApplicationResult = Annotated[
    ApplicationPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("ApplicationResult", description="Outcome of a step of an application."),
]
RiskAssessmentResult = Annotated[
    RiskAssessmentPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("RiskAssessmentResult", description="Outcome of an assessment step."),
]


def _id(value: str, type_name: str, field: str = "id") -> uuid.UUID:
    parsed = parse_uuid(value, type_name)
    if parsed is None:
        raise NotFound(type_name, value, field=field)
    return parsed


def _materials(given: list[MaterialFilesInput]) -> dict[str, list[uuid.UUID]]:
    found: dict[str, list[uuid.UUID]] = {}
    for material in given:
        if material.key in found:
            raise ValidationFailed(_("each material once"), field=f"materials.{material.key}")
        found[material.key] = [
            _id(file_id, "ApprovalFile", f"materials.{material.key}")
            for file_id in material.file_ids
        ]
    return found


async def _application(step: Callable[[], Awaitable[Application]]) -> ApplicationResult:
    return ApplicationPayload(application=ApplicationType.from_model(await step()))


async def _assessment(step: Callable[[], Awaitable[RiskAssessment]]) -> RiskAssessmentResult:
    return RiskAssessmentPayload(assessment=AssessmentType.from_model(await step()))


def _step_mutation(action: Action, description: str) -> Any:
    async def resolve(
        self: Any,
        info: Info,
        id: strawberry.ID,
        note: str = "",
        certificate_number: str | None = None,
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await _application(
            lambda: service.take_step(
                actor=info.context.principal,
                application_id=_id(id, "Application"),
                action=action,
                note=note,
                certificate_number=certificate_number,
                expected_version=expected_version,
            )
        )

    return strawberry.mutation(resolve, description=description, extensions=signed_in())


@strawberry.type
class ApprovalsMutation:
    """Steps declare `signed_in()` only: whether the caller may act depends on the step the
    application waits at, so the service answers with a typed NotAllowedError."""

    @strawberry.mutation(
        description="Add an item to your unit's catalogue, or change one (with its id).",
        extensions=signed_in(),
    )
    async def save_approval_item(
        self, info: Info, input: ApprovalItemInput, id: strawberry.ID | None = None
    ) -> ApprovalItemResult:
        data = service.ItemInput(
            code=input.code,
            name=input.name,
            region_code=input.region_code,
            promised_days=input.promised_days,
            decides_at=input.decides_at,
            form_template=cast("Mapping[str, Any]", input.form_template),
            materials=[
                service.Material(
                    key=m.key,
                    name=m.name,
                    required=m.required,
                    original=m.original,
                    file_types=tuple(m.file_types),
                )
                for m in input.materials
            ],
            department_id=input.department_id,
            legal_basis=input.legal_basis,
            fee=input.fee,
            where_to_apply=input.where_to_apply,
            published=input.published,
        )
        item = await service.save_item(
            actor=info.context.principal,
            data=data,
            item_id=_id(id, "ApprovalItem") if id is not None else None,
        )
        return ApprovalItemPayload(item=ItemType.from_model(item))

    @strawberry.mutation(
        description="A new version of an item's flow; running applications keep theirs.",
        extensions=signed_in(),
    )
    async def save_approval_flow(
        self, info: Info, item_id: strawberry.ID, steps: list[StepInput]
    ) -> ApprovalFlowResult:
        saved = await service.save_flow(
            actor=info.context.principal,
            item_id=_id(item_id, "ApprovalItem", "itemId"),
            steps=[
                Step(
                    name=s.name,
                    level=s.level,
                    role=s.role,
                    days=s.days,
                    actions=frozenset(s.actions),
                    department_id=s.department_id,
                    approver_ids=tuple(s.approver_ids),
                )
                for s in steps
            ],
        )
        return ApprovalFlowPayload(
            flow=FlowVersionType(
                version=saved.version,
                steps=[StepType.from_step(Step.from_json(s)) for s in saved.steps],
                created_at=saved.created_at,
            )
        )

    @strawberry.mutation(
        description="Upload scanned materials (or a report) before listing them; PDF, images, DOCX.",
        extensions=signed_in(),
    )
    async def upload_approval_files(self, info: Info, files: list[Upload]) -> ApprovalFilesResult:
        settings = info.context.settings
        kept = await files_module.upload(
            actor=info.context.principal,
            files=cast("list[files_module.UploadedFile]", files),
            root=settings.attachment_dir,
            max_bytes=settings.gridgov_max_upload_bytes,
            max_files=settings.gridgov_max_upload_files,
        )
        return ApprovalFilesPayload(files=[FileType.from_model(f) for f in kept])

    @strawberry.mutation(
        description="申请: apply (a citizen), or file for a resident (community staff, 代办).",
        extensions=signed_in(),
    )
    async def submit_application(self, info: Info, input: ApplicationInput) -> ApplicationResult:
        data = service.ApplicationInput(
            item_id=_id(input.item_id, "ApprovalItem", "itemId"),
            region_code=input.region_code,
            form=cast("Mapping[str, Any]", input.form),
            materials=_materials(input.materials),
            application_id=input.id,
            applicant_name=input.applicant_name,
            applicant_phone=input.applicant_phone,
        )
        return await _application(lambda: service.submit(actor=info.context.principal, data=data))

    review_application = _step_mutation(Action.REVIEW, "审核: checked, on to the next step.")
    return_application = _step_mutation(
        Action.RETURN, "反退: back to the applicant for correction (give the reason as note)."
    )
    approve_application = _step_mutation(
        Action.APPROVE,
        "审批: approve; below the item's ceiling this passes it up to the level that decides.",
    )
    refuse_application = _step_mutation(
        Action.REFUSE, "审批: refuse, with the reason as note (at the deciding level)."
    )
    register_application = _step_mutation(
        Action.REGISTER, "注册: record the certificate or licence number."
    )
    file_application = _step_mutation(Action.FILE, "备案: put the approval on file.")

    @strawberry.mutation(
        description="补正: correct a returned application and send it back to its step.",
        extensions=signed_in(),
    )
    async def resubmit_application(
        self,
        info: Info,
        id: strawberry.ID,
        form: JSON,
        materials: list[MaterialFilesInput],
        note: str = "",
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await _application(
            lambda: service.resubmit(
                actor=info.context.principal,
                application_id=_id(id, "Application"),
                form=cast("Mapping[str, Any]", form),
                materials=_materials(materials),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="领取: the community hands the certificate to the resident.",
        extensions=signed_in(),
    )
    async def hand_over_application(
        self,
        info: Info,
        id: strawberry.ID,
        note: str = "",
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await _application(
            lambda: service.hand_over(
                actor=info.context.principal,
                application_id=_id(id, "Application"),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="Put a major decision up for risk assessment (待评估).", extensions=signed_in()
    )
    async def submit_risk_assessment(
        self, info: Info, input: RiskAssessmentInput
    ) -> RiskAssessmentResult:
        data = assessments.DecisionInput(
            title=input.title,
            sponsor_unit=input.sponsor_unit,
            decision_type=input.decision_type,
            region_code=input.region_code,
            description=input.description,
            assessment_id=input.id,
        )
        return await _assessment(
            lambda: assessments.submit(actor=info.context.principal, data=data)
        )

    @strawberry.mutation(
        description="Take a decision up for assessment: 待评估 → 初评.", extensions=signed_in()
    )
    async def accept_risk_assessment(
        self, info: Info, id: strawberry.ID, note: str = "", expected_version: int | None = None
    ) -> RiskAssessmentResult:
        return await _assessment(
            lambda: assessments.accept(
                actor=info.context.principal,
                assessment_id=_id(id, "RiskAssessment"),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="Record the running stage's findings (初评, 复评, 审核) and move on.",
        extensions=signed_in(),
    )
    async def record_risk_assessment_stage(
        self,
        info: Info,
        id: strawberry.ID,
        input: RiskStageInput,
        expected_version: int | None = None,
    ) -> RiskAssessmentResult:
        data = assessments.StageInput(
            opinion=input.opinion,
            risk_level=input.risk_level,
            risk_points=input.risk_points,
            report_file_id=(
                _id(input.report_file_id, "ApprovalFile", "reportFileId")
                if input.report_file_id
                else None
            ),
        )
        return await _assessment(
            lambda: assessments.record_stage(
                actor=info.context.principal,
                assessment_id=_id(id, "RiskAssessment"),
                data=data,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="Send an assessment back to its previous stage, with the reason.",
        extensions=signed_in(),
    )
    async def return_risk_assessment(
        self, info: Info, id: strawberry.ID, reason: str, expected_version: int | None = None
    ) -> RiskAssessmentResult:
        return await _assessment(
            lambda: assessments.return_to_previous(
                actor=info.context.principal,
                assessment_id=_id(id, "RiskAssessment"),
                reason=reason,
                expected_version=expected_version,
            )
        )
