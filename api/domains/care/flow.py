"""The flow of a hazard's rectification (隐患整改), declared for the kernel (api/flows/): the
rectification clock runs to the deadline the inspector set, so the shared sweep reminds before
it, gives a yellow card at it and a red one past it; closure after a passed re-inspection has a
limit of its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

from api.domains.care.enums import (
    HazardAction,
    HazardStage,
    HazardStatus,
    InspectionAction,
    InspectionStatus,
)
from api.domains.care.models import Hazard, Inspection
from api.flows import Concerned, Flow, Rule, Store, Transition, register, snapshot_of, table_limits
from api.flows.calendar import DeadlineUnit
from api.flows.models import FlowCard, FlowStep

TIMELINE = Store(FlowStep, record_column="record_id", flow_column="flow")
CARDS = Store(FlowCard, record_column="record_id", flow_column="flow")


class HazardSnapshot(TypedDict):
    """What a live change message shows of a hazard."""

    id: str
    inspection_id: str
    region_code: str
    hazard_type: str
    level: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    version: int


def concerned(hazard: Hazard) -> Sequence[UUID]:
    """Who hears of a hazard's deadline: the inspector and the owner, if a user."""
    people = [hazard.inspector_id]
    if hazard.owner_user_id is not None:
        people.append(hazard.owner_user_id)
    return people


def own_deadline(hazard: Hazard, stage: StrEnum) -> datetime | None:
    """Rectification runs to the deadline the inspector set (or extended)."""
    return hazard.deadline if stage == HazardStage.RECTIFICATION else None


HAZARDS: Flow[Hazard] = register(
    Flow(
        name="hazard",
        noun="a hazard",
        model=Hazard,
        states=HazardStatus,
        transitions={
            HazardAction.REINSPECT: Transition(
                frozenset({HazardStatus.RECTIFYING}), HazardStatus.REINSPECTED, HazardStage.CLOSURE
            ),
            HazardAction.EXTEND: Transition(
                frozenset({HazardStatus.RECTIFYING}),
                HazardStatus.RECTIFYING,
                HazardStage.RECTIFICATION,
            ),
            HazardAction.CLOSE: Transition(
                frozenset({HazardStatus.REINSPECTED}), HazardStatus.CLOSED
            ),
            HazardAction.ESCALATE: Transition(
                frozenset({HazardStatus.RECTIFYING, HazardStatus.REINSPECTED}), None
            ),
        },
        open_states=frozenset({HazardStatus.RECTIFYING, HazardStatus.REINSPECTED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda hazard: hazard.level,
        # the rectification rule gives only the reminder's and red card's shares of the
        # inspector's deadline; closure follows a passed re-inspection within two working days
        limits=table_limits(
            "hazard",
            {
                HazardStage.RECTIFICATION.value: Rule(7, DeadlineUnit.NATURAL_DAYS, 0.8, 1.5),
                HazardStage.CLOSURE.value: Rule(2, DeadlineUnit.WORKING_DAYS),
            },
        ),
        label=lambda hazard: f"隐患整改 {hazard.description[:60]}",
        topic="hazard",
        subject="hazard",
        snapshot=lambda hazard: snapshot_of(HazardSnapshot, hazard),
        deadlines=Concerned(concerned),
        deadline=own_deadline,
    )
)


class InspectionSnapshot(TypedDict):
    """What a live change message shows of an inspection."""

    id: str
    region_code: str
    target_kind: str
    target_label: str
    status: str
    version: int


# An inspection has no clock of its own (its hazards' deadlines are what fall due); the kernel
# keeps its timeline and change messages.
INSPECTIONS: Flow[Inspection] = register(
    Flow(
        name="inspection",
        noun="an inspection",
        model=Inspection,
        states=InspectionStatus,
        transitions={
            InspectionAction.CLOSE: Transition(
                frozenset({InspectionStatus.OPEN}), InspectionStatus.CLOSED
            ),
        },
        open_states=frozenset({InspectionStatus.OPEN}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda inspection: inspection.target_kind,
        limits=table_limits("inspection", {}),
        label=lambda inspection: f"安全检查 {inspection.target_label}",
        topic="inspection",
        subject="inspection",
        snapshot=lambda inspection: snapshot_of(InspectionSnapshot, inspection),
        deadlines=Concerned(lambda inspection: [inspection.inspector_id]),
    )
)
