"""Risk assessment of major decisions (重大决策社会稳定风险评估), a built-in flow on the kernel:
待评估 → 初评 → 复评 → 审核 → 已评估, each stage's reviewer, opinion, risk points, level and
report kept, a return to the previous stage possible; the final level and report stay with the
decision."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock, flows
from api.auth import Principal
from api.domains.approvals.enums import (
    ASSESSMENT_ORDER,
    OPEN_ASSESSMENT_STATUSES,
    AssessmentAction,
    AssessmentStatus,
    RiskLevel,
)
from api.domains.approvals.flow import ASSESSMENT_TRANSITIONS, ASSESSMENTS
from api.domains.approvals.models import ApprovalFile, RiskAssessment, RiskReview
from api.domains.hierarchy.models import Region
from api.errors import NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.flows.transitions import Transition
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import subtree_filter
from api.regions import Level
from policies.enforcer import authorize, scope_prefixes

MAX_RISK_POINTS = 50
# the action that records the stage an assessment is in
STAGE_ACTION = {
    AssessmentStatus.INITIAL_REVIEW: AssessmentAction.INITIAL_REVIEW,
    AssessmentStatus.RE_REVIEW: AssessmentAction.RE_REVIEW,
    AssessmentStatus.AUDIT: AssessmentAction.AUDIT,
}


@dataclass(frozen=True, slots=True)
class DecisionInput:
    title: str
    sponsor_unit: str
    decision_type: str
    region_code: str
    description: str = ""
    assessment_id: uuid.UUID | None = None  # chosen by the client: a retry is the same


def readable_assessments(actor: Principal) -> Q:
    return subtree_filter(
        scope_prefixes(actor.assignments, "risk_assessment", "read"), "region_code"
    )


def _bounded(value: str, name: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if (required and not value) or len(value) > limit:
        raise ValidationFailed(_("1 to {limit} characters", limit=limit), field=name)
    return value


async def submit(*, actor: Principal, data: DecisionInput) -> RiskAssessment:
    """A major decision put up for assessment (待评估)."""
    if Level.of_code(data.region_code) in (None, Level.GRID, Level.COMMUNITY):
        raise ValidationFailed(_("a decision belongs to a township or above"), field="regionCode")
    authorize(actor.assignments, "risk_assessment", "create", at=data.region_code)
    title = _bounded(data.title, "title", 200)
    sponsor = _bounded(data.sponsor_unit, "sponsorUnit", 100)
    decision_type = _bounded(data.decision_type, "decisionType", 40)
    description = _bounded(data.description, "description", 10000, required=False)
    if data.assessment_id is not None:
        earlier = await RiskAssessment.filter(
            readable_assessments(actor), id=data.assessment_id
        ).first()
        if earlier is not None:
            return earlier
    if not await Region.filter(code=data.region_code, is_active=True).exists():
        raise ValidationFailed(
            _("no region {region_code}", region_code=data.region_code), field="regionCode"
        )
    assessment = RiskAssessment(
        id=data.assessment_id or uuid.uuid4(),
        title=title,
        description=description,
        sponsor_unit=sponsor,
        decision_type=decision_type,
        region_code=data.region_code,
        status=AssessmentStatus.PENDING,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    await flows.start(
        ASSESSMENTS,
        assessment,
        actor=actor,
        action=AssessmentAction.SUBMIT,
        stage=AssessmentStatus.PENDING,
    )
    return assessment


def _check_review(assessment: RiskAssessment, actor: Principal) -> None:
    try:
        authorize(actor.assignments, "risk_assessment", "review", at=assessment.region_code)
    except PermissionDenied as error:
        raise NotAllowed(_("your roles may not assess this decision")) from error


async def accept(
    *, actor: Principal, assessment_id: uuid.UUID, note: str = "", expected_version: int | None
) -> RiskAssessment:
    """Taken up for assessment: 待评估 → 初评."""
    async with flows.transition(
        ASSESSMENTS,
        actor=actor,
        record_id=assessment_id,
        action=AssessmentAction.ACCEPT,
        note=_bounded(note, "note", 2000, required=False),
        scope=readable_assessments(actor),
        expected_version=expected_version,
        authorize=lambda assessment: _check_review(assessment, actor),
    ) as move:
        pass
    return move.record


@dataclass(frozen=True, slots=True)
class StageInput:
    opinion: str
    risk_level: RiskLevel
    risk_points: Sequence[str] = ()
    report_file_id: uuid.UUID | None = None


async def record_stage(
    *,
    actor: Principal,
    assessment_id: uuid.UUID,
    data: StageInput,
    expected_version: int | None,
) -> RiskAssessment:
    """初评, 复评 or 审核 (whichever stage it is in): the stage's findings, and on to the next
    (after 审核: assessed, with its final level and report)."""
    opinion = _bounded(data.opinion, "opinion", 5000)
    if len(data.risk_points) > MAX_RISK_POINTS or any(
        not point.strip() or len(point) > 500 for point in data.risk_points
    ):
        raise ValidationFailed(
            _(
                "up to {MAX_RISK_POINTS} risk points of 1 to 500 characters",
                MAX_RISK_POINTS=MAX_RISK_POINTS,
            ),
            field="riskPoints",
        )
    current = await RiskAssessment.filter(readable_assessments(actor), id=assessment_id).first()
    if current is None:
        raise NotFound("assessment", assessment_id, field="id")
    action = STAGE_ACTION.get(current.status, AssessmentAction.INITIAL_REVIEW)
    async with (
        in_transaction(),
        flows.transition(
            ASSESSMENTS,
            actor=actor,
            record_id=assessment_id,
            action=action,
            note=opinion,
            scope=readable_assessments(actor),
            expected_version=expected_version,
            authorize=lambda assessment: _check_review(assessment, actor),
        ) as move,
    ):
        assessment = move.record
        if data.report_file_id is not None:
            report = await ApprovalFile.filter(
                Q(assessment_id=None) | Q(assessment_id=assessment.id),
                id=data.report_file_id,
                uploaded_by_id=actor.user_id,
                application_id=None,
            ).first()
            if report is None:
                raise NotFound("file", data.report_file_id, field="reportFileId")
            report.assessment_id = assessment.id
            await report.save(update_fields=["assessment_id"])
        elif action is AssessmentAction.AUDIT:
            raise ValidationFailed(_("the audit keeps the assessment report"), field="reportFileId")
        await RiskReview.create(
            assessment_id=assessment.id,
            stage=assessment.status,
            reviewer_id=actor.user_id or actor.api_key_id,
            reviewer_label=actor.label[:100],
            opinion=opinion,
            risk_points=[point.strip() for point in data.risk_points],
            risk_level=data.risk_level,
            report_file_id=data.report_file_id,
            at=move.now,
        )
        if action is AssessmentAction.AUDIT:
            assessment.final_level = data.risk_level
            assessment.report_file_id = data.report_file_id
    return move.record


async def return_to_previous(
    *, actor: Principal, assessment_id: uuid.UUID, reason: str, expected_version: int | None
) -> RiskAssessment:
    """Back to the previous stage, with the reason (its clock starts afresh)."""
    reason = _bounded(reason, "reason", 2000)
    async with flows.transition(
        ASSESSMENTS,
        actor=actor,
        record_id=assessment_id,
        action=AssessmentAction.RETURN,
        note=reason,
        scope=readable_assessments(actor),
        expected_version=expected_version,
        authorize=lambda assessment: _check_review(assessment, actor),
    ) as move:
        previous = ASSESSMENT_ORDER[ASSESSMENT_ORDER.index(move.record.status) - 1]
        move.transition = Transition(
            ASSESSMENT_TRANSITIONS[AssessmentAction.RETURN].frm, previous, previous
        )
    return move.record


async def get(*, actor: Principal, assessment_id: uuid.UUID) -> RiskAssessment | None:
    return await RiskAssessment.filter(readable_assessments(actor), id=assessment_id).first()


async def reviews(assessment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[RiskReview]]:
    """Each assessment's stage findings, oldest first, in one query."""
    grouped: dict[uuid.UUID, list[RiskReview]] = {}
    for row in await RiskReview.filter(assessment_id__in=list(assessment_ids)).order_by("id"):
        grouped.setdefault(row.assessment_id, []).append(row)
    return grouped


async def list_assessments(
    *, actor: Principal, assessed: bool, region_code: str | None, page: PageRequest
) -> tuple[Page[RiskAssessment], Any]:
    """Pending (still in a stage) or assessed decisions in the caller's scope, newest first."""
    if region_code is not None:
        if Level.of_code(region_code) is None:
            raise ValidationFailed(_("not a region code"), field="regionCode")
        authorize(actor.assignments, "risk_assessment", "read", at=region_code)
        prefixes = [region_code]
    else:
        prefixes = scope_prefixes(actor.assignments, "risk_assessment", "read")
        if not prefixes:
            raise PermissionDenied(_("your roles may not read risk assessments"))
    statuses = [AssessmentStatus.ASSESSED] if assessed else list(OPEN_ASSESSMENT_STATUSES)
    query = RiskAssessment.filter(subtree_filter(prefixes, "region_code"), status__in=statuses)
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(created_at__lt=after_at) | Q(created_at=after_at, id__lt=after_id))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda a: f"{a.created_at.isoformat()}|{a.id}"), filtered
