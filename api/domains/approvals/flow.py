"""Applications and risk assessments declared to the flow kernel (api/flows/): their tables,
transition tables, time limits, change messages and who hears of their deadlines. Timelines and
cards go to the kernel's shared tables (flow_timeline, flow_cards), keyed by the flow's name."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Final, TypedDict

from tortoise.expressions import Q

from api import bulk
from api.domains.accounts.models import RoleAssignment
from api.domains.approvals.definitions import steps_of
from api.domains.approvals.enums import (
    OPEN_APPLICATION_STATUSES,
    OPEN_ASSESSMENT_STATUSES,
    Action,
    ApplicationStatus,
    AssessmentAction,
    AssessmentStatus,
    Stage,
)
from api.domains.approvals.models import Application, ApprovalFlowVersion, RiskAssessment
from api.flows.calendar import LOCAL, DeadlineUnit, calendar_from
from api.flows.clocks import Limits, Needs, StageRule
from api.flows.definition import Concerned, Flow, register
from api.flows.generic import CARDS, TIMELINE
from api.flows.limits import Rule, table_limits
from api.flows.records import snapshot_of
from api.flows.sweep import Writes
from api.flows.transitions import Transition

IN_REVIEW, RETURNED, APPROVED = (
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.RETURNED,
    ApplicationStatus.APPROVED,
)
# The stage of a move is the running step's (Stage.of_step): the service puts it on the
# table's transition, whose states the guard checks first.
APPLICATION_TRANSITIONS: Final[dict[Action, Transition[ApplicationStatus, Stage]]] = {
    Action.REVIEW: Transition(frozenset({IN_REVIEW}), IN_REVIEW),
    Action.PASS_UP: Transition(frozenset({IN_REVIEW}), IN_REVIEW),
    Action.RETURN: Transition(frozenset({IN_REVIEW}), RETURNED),
    Action.RESUBMIT: Transition(frozenset({RETURNED}), IN_REVIEW),
    Action.APPROVE: Transition(frozenset({IN_REVIEW}), APPROVED),
    Action.REFUSE: Transition(frozenset({IN_REVIEW}), ApplicationStatus.REFUSED),
    Action.REGISTER: Transition(frozenset({APPROVED}), APPROVED),
    Action.FILE: Transition(frozenset({APPROVED}), APPROVED),
    Action.HAND_OVER: Transition(
        frozenset({ApplicationStatus.READY_FOR_COLLECTION}), ApplicationStatus.COLLECTED
    ),
}
COLLECTION_RULE: Final = Rule(5, DeadlineUnit.WORKING_DAYS)  # the community tells the resident


def application_kind(application: Application) -> str:
    """Whose limits apply: the item's flow version the application follows."""
    return f"{application.item_id}/{application.flow_version}"


async def application_limits(needs: Needs, now: datetime) -> Limits:
    """Each step's own limit (working days) from the flow version, read once per batch."""
    wanted = set(needs)
    keys = {kind for kind, _ in wanted}
    condition = Q()
    for kind in keys:
        item_id, _, version = kind.partition("/")
        condition |= Q(item_id=uuid.UUID(item_id), version=int(version))
    rows = await ApprovalFlowVersion.filter(condition) if keys else []
    steps = {f"{row.item_id}/{row.version}": steps_of(row.steps) for row in rows}
    rules: dict[tuple[str, str], StageRule] = {}
    for kind, stage in wanted:
        index = Stage(stage).step_index
        rules[(kind, stage)] = (
            COLLECTION_RULE
            if index is None
            else Rule(steps[kind][index].days, DeadlineUnit.WORKING_DAYS)
        )
    return Limits(rules=rules, calendar=await calendar_from(now.astimezone(LOCAL).date()))


class ApplicationSnapshot(TypedDict):
    """What a feed shows of an application in each change message."""

    id: str
    number: str
    item_id: str
    flow_version: int
    status: str
    region_code: str
    holder_region_code: str
    waiting_role: str | None
    step_index: int
    due_at: str | None
    card: str
    version: int


class StepHolders:
    """Who hears of an application's deadline: the people named on its step, else everyone
    holding the role the step waits for at the region holding it (one query per batch)."""

    def __init__(self) -> None:
        self.holders: dict[tuple[str, str, uuid.UUID | None], list[uuid.UUID]] = {}

    async def prepare(self, records: Sequence[Application], now: datetime) -> StepHolders:
        batch = StepHolders()
        wanted = {
            (a.holder_region_code, a.waiting_role, a.waiting_department_id)
            for a in records
            if a.waiting_role
        }
        if not wanted:
            return batch
        rows = await RoleAssignment.filter(
            region_code__in=list({region for region, _, _ in wanted}),
            role__in=list({role for _, role, _ in wanted}),
        ).values("user_id", "role", "region_code", "department_id")
        found: dict[tuple[str, str, uuid.UUID | None], list[uuid.UUID]] = defaultdict(list)
        for row in rows:
            found[(row["region_code"], str(row["role"]), row["department_id"])].append(
                row["user_id"]
            )
            if row["department_id"] is not None:
                found[(row["region_code"], str(row["role"]), None)].append(row["user_id"])
        batch.holders = dict(found)
        return batch

    def concerned(self, record: Application) -> Sequence[uuid.UUID]:
        if record.waiting_role is None:
            return []
        return self.holders.get(
            (record.holder_region_code, record.waiting_role, record.waiting_department_id), []
        )

    def after_cards(self, record: Application, writes: Writes[Application]) -> bool:
        return False

    async def update(self, records: Sequence[Application], fields: Sequence[str]) -> None:
        await bulk.update(records, fields)


APPLICATIONS: Final = register(
    Flow(
        name="approval",
        noun="an application",
        model=Application,
        states=ApplicationStatus,
        transitions=APPLICATION_TRANSITIONS,  # type: ignore[arg-type]
        open_states=OPEN_APPLICATION_STATUSES,
        timeline=TIMELINE,
        cards=CARDS,
        kind=application_kind,
        limits=application_limits,
        label=lambda application: f"{application.number} {application.applicant_name}",
        topic="approval",
        subject="application",
        snapshot=lambda application: snapshot_of(ApplicationSnapshot, application),
        deadlines=StepHolders(),
        holder=lambda application: application.holder_region_code,
    )
)


A = AssessmentStatus
ASSESSMENT_TRANSITIONS: Final = {
    AssessmentAction.ACCEPT: Transition(frozenset({A.PENDING}), A.INITIAL_REVIEW, A.INITIAL_REVIEW),
    AssessmentAction.INITIAL_REVIEW: Transition(
        frozenset({A.INITIAL_REVIEW}), A.RE_REVIEW, A.RE_REVIEW
    ),
    AssessmentAction.RE_REVIEW: Transition(frozenset({A.RE_REVIEW}), A.AUDIT, A.AUDIT),
    AssessmentAction.AUDIT: Transition(frozenset({A.AUDIT}), A.ASSESSED),
    # back to the previous stage: the service names it (Transition to it, with its clock)
    AssessmentAction.RETURN: Transition(frozenset({A.INITIAL_REVIEW, A.RE_REVIEW, A.AUDIT}), None),
}
ASSESSMENT_LIMITS: Final = {
    A.PENDING: Rule(3, DeadlineUnit.WORKING_DAYS),
    A.INITIAL_REVIEW: Rule(10, DeadlineUnit.WORKING_DAYS),
    A.RE_REVIEW: Rule(10, DeadlineUnit.WORKING_DAYS),
    A.AUDIT: Rule(5, DeadlineUnit.WORKING_DAYS),
}


class AssessmentSnapshot(TypedDict):
    """What a feed shows of a risk assessment in each change message."""

    id: str
    title: str
    decision_type: str
    region_code: str
    status: str
    final_level: str | None
    due_at: str | None
    card: str
    version: int


def _assessed(assessment: RiskAssessment, now: datetime) -> None:
    if assessment.status is AssessmentStatus.ASSESSED and assessment.assessed_at is None:
        assessment.assessed_at = now


ASSESSMENTS: Final = register(
    Flow(
        name="risk_assessment",
        noun="an assessment",
        model=RiskAssessment,
        states=AssessmentStatus,
        transitions=ASSESSMENT_TRANSITIONS,  # type: ignore[arg-type]
        open_states=OPEN_ASSESSMENT_STATUSES,
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda assessment: assessment.decision_type,
        limits=table_limits("risk_assessment", {str(k): v for k, v in ASSESSMENT_LIMITS.items()}),
        label=lambda assessment: assessment.title,
        topic="risk_assessment",
        subject="assessment",
        snapshot=lambda assessment: snapshot_of(AssessmentSnapshot, assessment),
        # who started it follows it up (the assessing centre's staff see it in their pending list)
        deadlines=Concerned(lambda a: [a.created_by_id] if a.created_by_id else []),
        entered=_assessed,
    )
)
