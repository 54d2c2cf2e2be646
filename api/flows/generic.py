"""Flows on the kernel's own tables (api/flows/models.py): for a reviewed record that needs no
table of its own, `record_flow` declares everything but its states, transitions and limits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypedDict

from api import clock
from api.flows.definition import Concerned, Flow, Store
from api.flows.limits import Rule, table_limits
from api.flows.models import FlowCard, FlowRecord, FlowStep
from api.flows.records import snapshot_of
from api.flows.transitions import Transition

TIMELINE = Store(FlowStep, record_column="record_id", flow_column="flow")
CARDS = Store(FlowCard, record_column="record_id", flow_column="flow")


class RecordSnapshot(TypedDict):
    """What a change message shows of a record on the kernel's table."""

    id: str
    flow: str
    flow_version: int
    kind: str
    status: str
    title: str
    region_code: str
    assignee_id: str | None
    stage: str | None
    due_at: str | None
    card: str
    version: int


def _holders(record: FlowRecord) -> Sequence[uuid.UUID]:
    """Who hears of a record's deadlines: whoever holds the stage, else whoever started it."""
    holder = record.assignee_id or record.owner_id
    return [holder] if holder else []


def record_flow(
    *,
    name: str,
    noun: str,
    states: type[StrEnum],
    transitions: Mapping[StrEnum, Transition[Any, Any]],
    open_states: frozenset[StrEnum],
    limits: Mapping[str, Rule],
    version: int = 1,
) -> Flow[FlowRecord]:
    """A flow whose records live in `flow_records`: limits by stage (`limits`, overridden per
    kind by rows of `flow_limits`), changes to the live feed of topic `name`, deadline notices
    to the record's assignee (else its owner)."""
    return Flow(
        name=name,
        noun=noun,
        model=FlowRecord,
        states=states,
        transitions=transitions,
        open_states=open_states,
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda record: record.kind,
        limits=table_limits(name, limits),
        label=lambda record: record.title,
        topic=name,
        subject="record",
        snapshot=lambda record: snapshot_of(RecordSnapshot, record),
        deadlines=Concerned(_holders),
        version=version,
        where={"flow": name},
    )


def new_record(
    flow: Flow[FlowRecord],
    *,
    state: StrEnum,
    kind: str,
    title: str,
    region_code: str,
    owner_id: uuid.UUID | None = None,
    assignee_id: uuid.UUID | None = None,
    data: Mapping[str, Any] | None = None,
) -> FlowRecord:
    """A record of `flow` (not saved: `moves.start` writes it), on the flow's newest version."""
    return FlowRecord(
        id=uuid.uuid4(),
        flow=flow.name,
        flow_version=flow.version,
        kind=kind,
        status=state,
        title=title,
        region_code=region_code,
        owner_id=owner_id,
        assignee_id=assignee_id,
        data=dict(data or {}),
        created_at=clock.now(),
    )
