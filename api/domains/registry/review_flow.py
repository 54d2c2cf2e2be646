"""Reviewed data entry (审核): a community may hold its grid workers' registry edits for review.
Here the flow of a held edit (`registry_change`, on the kernel: timeline, review clock, cards,
notices, live changes), the rule that says whether an edit is held, and holding it; approving,
returning and reading held edits are `review.py`'s."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypedDict

from tortoise.exceptions import IntegrityError

from api import clock
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.registry.enums import (
    OPEN_PENDING,
    PendingAction,
    PendingStage,
    PendingStatus,
    RecordKind,
)
from api.domains.registry.models import PendingChange, ReviewRule
from api.errors import Conflict
from api.flows import Flow, Rule, Store, Transition, moves, register, snapshot_of, table_limits
from api.flows.calendar import DeadlineUnit
from api.flows.holders import Place, RoleHolders
from api.flows.models import FlowCard, FlowStep
from api.i18n import _
from api.regions import Level, ancestor_at
from policies.enforcer import can

# Edits of these kinds are held where review is required (the places and people grid workers
# collect); the rest (party records, special groups, enrolments) have their own reviewers.
REVIEWED_KINDS: Final = frozenset(
    {
        RecordKind.PERSON,
        RecordKind.HOUSEHOLD,
        RecordKind.HOUSE,
        RecordKind.BUILDING,
        RecordKind.ORGANISATION,
    }
)


class PendingSnapshot(TypedDict):
    """What a live change message shows of a held edit."""

    id: str
    record_kind: str
    record_id: str
    region_code: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    version: int


def reviewers(change: PendingChange) -> Sequence[Place]:
    """Who reviews a grid's held edits: the staff of its community."""
    return [(Role.COMMUNITY_STAFF.value, ancestor_at(change.region_code, Level.COMMUNITY))]


PENDING_CHANGES: Flow[PendingChange] = register(
    Flow(
        name="registry_change",
        noun="a pending registry change",
        model=PendingChange,
        states=PendingStatus,
        transitions={
            PendingAction.APPROVE: Transition(
                frozenset({PendingStatus.PENDING}), PendingStatus.APPROVED
            ),
            PendingAction.RETURN: Transition(
                frozenset({PendingStatus.PENDING}), PendingStatus.RETURNED
            ),
            PendingAction.RESUBMIT: Transition(
                frozenset({PendingStatus.RETURNED}), PendingStatus.PENDING, PendingStage.REVIEW
            ),
            PendingAction.WITHDRAW: Transition(frozenset(OPEN_PENDING), PendingStatus.WITHDRAWN),
        },
        open_states=frozenset({PendingStatus.PENDING}),
        timeline=Store(FlowStep, record_column="record_id", flow_column="flow"),
        cards=Store(FlowCard, record_column="record_id", flow_column="flow"),
        kind=lambda change: change.record_kind.value,
        # reviewed within three working days (a city sets its own in flow_limits)
        limits=table_limits(
            "registry_change",
            {PendingStage.REVIEW.value: Rule(3, DeadlineUnit.WORKING_DAYS)},
        ),
        label=lambda change: f"{change.submitted_by_label} 的{change.record_kind.value}变更",
        topic="registry_change",
        subject="pending_change",
        snapshot=lambda change: snapshot_of(PendingSnapshot, change),
        deadlines=RoleHolders(reviewers),
    )
)


def mark_decided(record: Any, actor: Principal, now: datetime, note: str) -> None:
    """Who decided a held edit or a filing, when, and their note (both record them alike)."""
    record.reviewed_by_id = actor.user_id or actor.api_key_id
    record.reviewed_by_label = actor.label[:100]
    record.reviewed_at = now
    record.note = note


def may_review(actor: Principal, region_code: str) -> bool:
    return can(actor.assignments, "registry_change", "review", at=region_code)


async def review_required(region_code: str) -> bool:
    """Whether the community of `region_code` holds edits and imports for review."""
    level = Level.of_code(region_code)
    if level is None or level not in (Level.COMMUNITY, Level.GRID):
        return False
    community = ancestor_at(region_code, Level.COMMUNITY)
    return await ReviewRule.exists(region_code=community, required=True)


async def held(actor: Principal, kind: RecordKind, region_code: str) -> bool:
    """Whether an edit by `actor` of a record in `region_code` is held for review: the community
    requires it and the actor is not one of its reviewers."""
    if kind not in REVIEWED_KINDS or may_review(actor, region_code):
        return False
    return await review_required(region_code)


async def hold(
    actor: Principal, kind: RecordKind, record: Any, changes: Mapping[str, Any]
) -> PendingChange:
    """Keep the edit as a pending change of the (locked) record; the author's own returned
    change takes the new diff and goes back to review, anyone else's open one is a conflict."""
    author = actor.user_id or actor.api_key_id
    now = clock.now()
    open_change = await PendingChange.filter(
        record_id=record.id, status__in=[s.value for s in OPEN_PENDING]
    ).first()
    if open_change is not None:
        if open_change.status != PendingStatus.RETURNED or open_change.submitted_by_id != author:
            raise Conflict(
                _(
                    "the {value} has a change awaiting review: it must be decided first",
                    value=kind.value,
                ),
                field="id",
            )
        async with moves.transition(
            PENDING_CHANGES,
            actor=actor,
            record_id=open_change.id,
            action=PendingAction.RESUBMIT,
            note="fixed and submitted again",
        ) as move:
            move.record.changes = dict(changes)
            move.record.base_version = record.version
        return move.record
    change = PendingChange(
        id=uuid.uuid4(),
        record_kind=kind,
        record_id=record.id,
        region_code=record.region_code,
        base_version=record.version,
        changes=dict(changes),
        status=PendingStatus.PENDING,
        submitted_by_id=author,
        submitted_by_label=actor.label[:100],
        created_at=now,
    )
    try:
        await moves.start(
            PENDING_CHANGES,
            change,
            actor=actor,
            action=PendingAction.SUBMIT,
            stage=PendingStage.REVIEW,
        )
    except IntegrityError as error:  # a concurrent edit of the record was held first
        raise Conflict(
            _(
                "the {value} has a change awaiting review: it must be decided first",
                value=kind.value,
            ),
            field="id",
        ) from error
    return change
