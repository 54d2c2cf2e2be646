"""The flows of post claims and pledges, declared for the kernel (api/flows/): timeline, stage
clocks, reminders, cards, notices and live changes are its; ours are the states, the
transitions, the default limits and who hears (the community's staff)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypedDict

from api.domains.accounts.enums import Role
from api.domains.points.enums import (
    ClaimAction,
    ClaimStage,
    ClaimStatus,
    PledgeAction,
    PledgeStage,
    PledgeStatus,
)
from api.domains.points.models import Pledge, PostClaim
from api.flows import Flow, Rule, Store, Transition, register, snapshot_of, table_limits
from api.flows.calendar import DeadlineUnit
from api.flows.holders import Place, RoleHolders
from api.flows.models import FlowCard, FlowStep
from api.regions import Level, ancestor_at

TIMELINE = Store(FlowStep, record_column="record_id", flow_column="flow")
CARDS = Store(FlowCard, record_column="record_id", flow_column="flow")


def community_staff(record: PostClaim | Pledge) -> Sequence[Place]:
    """The community answers for its posts' claims and its members' pledges."""
    return [(Role.COMMUNITY_STAFF.value, ancestor_at(record.region_code, Level.COMMUNITY))]


class ClaimSnapshot(TypedDict):
    """What a live change message shows of a claim."""

    id: str
    post_id: str
    member_id: str
    region_code: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    version: int


CLAIMS: Flow[PostClaim] = register(
    Flow(
        name="post_claim",
        noun="a claim",
        model=PostClaim,
        states=ClaimStatus,
        transitions={
            ClaimAction.COMPLETE: Transition(
                frozenset({ClaimStatus.CLAIMED, ClaimStatus.RETURNED}),
                ClaimStatus.DONE,
                ClaimStage.VERIFY,
            ),
            ClaimAction.VERIFY: Transition(frozenset({ClaimStatus.DONE}), ClaimStatus.VERIFIED),
            ClaimAction.RETURN: Transition(
                frozenset({ClaimStatus.DONE}), ClaimStatus.RETURNED, ClaimStage.DO
            ),
        },
        open_states=frozenset({ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.RETURNED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda claim: "post",
        # done within the post's period (the clock runs to its end); checked within three
        # working days (a city sets its own in flow_limits)
        limits=table_limits(
            "post_claim",
            {
                ClaimStage.DO.value: Rule(7, DeadlineUnit.NATURAL_DAYS),
                ClaimStage.VERIFY.value: Rule(3, DeadlineUnit.WORKING_DAYS),
            },
        ),
        label=lambda claim: f"公益岗位: {claim.title}",
        topic="post_claim",
        subject="claim",
        snapshot=lambda claim: snapshot_of(ClaimSnapshot, claim),
        deadlines=RoleHolders(community_staff),
        deadline=lambda claim, stage: claim.do_until if stage == ClaimStage.DO else None,
    )
)


class PledgeSnapshot(TypedDict):
    """What a live change message shows of a pledge."""

    id: str
    member_id: str
    region_code: str
    period_key: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    version: int


PLEDGES: Flow[Pledge] = register(
    Flow(
        name="pledge",
        noun="a pledge",
        model=Pledge,
        states=PledgeStatus,
        transitions={
            PledgeAction.FOLLOW_UP: Transition(frozenset({PledgeStatus.MADE}), None),
            PledgeAction.RATE: Transition(frozenset({PledgeStatus.MADE}), PledgeStatus.RATED),
        },
        open_states=frozenset({PledgeStatus.MADE}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda pledge: "pledge",
        # kept by its period's end (the clock runs to it; the share gives the reminder)
        limits=table_limits(
            "pledge", {PledgeStage.KEEP.value: Rule(90, DeadlineUnit.NATURAL_DAYS)}
        ),
        label=lambda pledge: f"承诺 {pledge.period_key}",
        topic="pledge",
        subject="pledge",
        snapshot=lambda pledge: snapshot_of(PledgeSnapshot, pledge),
        deadlines=RoleHolders(community_staff),
        deadline=lambda pledge, stage: pledge.keep_until if stage == PledgeStage.KEEP else None,
    )
)


async def steps_of(record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[FlowStep]]:
    """The timelines of claims and pledges (completions, returns, follow-ups), oldest first."""
    grouped: dict[uuid.UUID, list[FlowStep]] = {}
    for step in await FlowStep.filter(
        record_id__in=list(record_ids), flow__in=[CLAIMS.name, PLEDGES.name]
    ).order_by("id"):
        grouped.setdefault(step.record_id, []).append(step)
    return grouped
