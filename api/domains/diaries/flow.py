"""The flows of diaries under review and of investigation rounds, declared for the kernel
(api/flows/): timeline, stage clocks, reminders, yellow/red cards, notices and live changes are
its; what is ours is the states, the transitions, the default time limits and who hears."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from api.domains.accounts.enums import Role
from api.domains.diaries.enums import (
    DiaryAction,
    DiaryStage,
    DiaryStatus,
    RoundAction,
    RoundKind,
    RoundStage,
    RoundStatus,
)
from api.domains.diaries.models import Diary, InvestigationRound
from api.flows import Flow, Rule, Store, Transition, register, snapshot_of, table_limits
from api.flows.calendar import DeadlineUnit
from api.flows.holders import Place, RoleHolders
from api.flows.models import FlowCard, FlowStep
from api.regions import Level, ancestor_at

# The kernel's shared tables hold both flows' steps and cards, told apart by the flow's name.
TIMELINE = Store(FlowStep, record_column="record_id", flow_column="flow")
CARDS = Store(FlowCard, record_column="record_id", flow_column="flow")


class DiarySnapshot(TypedDict):
    """What a live change message shows of a diary."""

    id: str
    author_id: str
    region_code: str
    day: str
    kind: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    version: int


def reviewers(diary: Diary) -> Sequence[Place]:
    """Who reviews a grid's diaries: the staff of its community (the grid leader reads them too,
    but the community answers for the review)."""
    return [(Role.COMMUNITY_STAFF.value, ancestor_at(diary.region_code, Level.COMMUNITY))]


DIARIES: Flow[Diary] = register(
    Flow(
        name="diary",
        noun="a diary",
        model=Diary,
        states=DiaryStatus,
        transitions={
            DiaryAction.APPROVE: Transition(
                frozenset({DiaryStatus.SUBMITTED, DiaryStatus.RETURNED}), DiaryStatus.APPROVED
            ),
            DiaryAction.RETURN: Transition(
                frozenset({DiaryStatus.SUBMITTED, DiaryStatus.APPROVED}), DiaryStatus.RETURNED
            ),
            DiaryAction.RESUBMIT: Transition(
                frozenset({DiaryStatus.RETURNED}), DiaryStatus.SUBMITTED, DiaryStage.REVIEW
            ),
            DiaryAction.RAISE_EVENT: Transition(frozenset(DiaryStatus), None),
        },
        open_states=frozenset({DiaryStatus.SUBMITTED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda diary: diary.kind,
        # read within three working days (a city sets its own in flow_limits)
        limits=table_limits("diary", {DiaryStage.REVIEW.value: Rule(3, DeadlineUnit.WORKING_DAYS)}),
        label=lambda diary: f"{diary.author_label} {diary.day:%Y-%m-%d} 民情日记",
        topic="diary",
        subject="diary",
        snapshot=lambda diary: snapshot_of(DiarySnapshot, diary),
        deadlines=RoleHolders(reviewers),
    )
)


class RoundSnapshot(TypedDict):
    """What a live change message shows of an investigation round."""

    id: str
    kind: str
    period_key: str
    region_code: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    submitted_late: bool
    version: int


ROUND_ROLE = {RoundKind.COMMUNITY: Role.COMMUNITY_STAFF, RoundKind.TOWNSHIP: Role.TOWNSHIP_CENTRE}
UPWARD_ROLE = {RoundKind.COMMUNITY: Role.TOWNSHIP_CENTRE, RoundKind.TOWNSHIP: Role.DISTRICT_COMMAND}


def round_people(round_: InvestigationRound) -> Sequence[Place]:
    """Who hears of a round's deadline: whoever fills it in, and the level it reports to."""
    kind = RoundKind(round_.kind)
    above = ancestor_at(
        round_.region_code, Level.TOWNSHIP if kind is RoundKind.COMMUNITY else Level.DISTRICT
    )
    return [(ROUND_ROLE[kind].value, round_.region_code), (UPWARD_ROLE[kind].value, above)]


# Reported before the next round opens: a week's within the week, a half-month's within its
# fortnight (a city sets its own in flow_limits).
ROUND_LIMITS: dict[str | tuple[str, str], Rule] = {
    (RoundKind.TOWNSHIP.value, RoundStage.REPORT.value): Rule(15, DeadlineUnit.NATURAL_DAYS),
    RoundStage.REPORT.value: Rule(7, DeadlineUnit.NATURAL_DAYS),
}

ROUNDS: Flow[InvestigationRound] = register(
    Flow(
        name="investigation_round",
        noun="an investigation round",
        model=InvestigationRound,
        states=RoundStatus,
        transitions={
            RoundAction.SUBMIT: Transition(frozenset({RoundStatus.OPEN}), RoundStatus.SUBMITTED),
        },
        open_states=frozenset({RoundStatus.OPEN}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda round_: round_.kind,
        # reported before the next round opens: a week's within the week, a half-month's
        # within its fortnight (a city sets its own in flow_limits)
        limits=table_limits("investigation_round", ROUND_LIMITS),
        label=lambda round_: round_.title,
        topic="investigation_round",
        subject="round",
        snapshot=lambda round_: snapshot_of(RoundSnapshot, round_),
        deadlines=RoleHolders(round_people),
    )
)
