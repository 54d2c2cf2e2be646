"""The flows of analysis reports and accountability proposals, declared for the kernel
(api/flows/): timeline, stage clocks, reminders, cards, notices and live changes are its; the
states, transitions, default limits and who hears are ours."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final, TypedDict

from api.domains.accounts.enums import Role
from api.domains.economy.flow import centre_of
from api.domains.supervision.enums import (
    ProposalAction,
    ProposalStage,
    ProposalStatus,
    ReportAction,
    ReportStage,
    ReportStatus,
)
from api.domains.supervision.models import AccountabilityProposal, AnalysisReport
from api.flows import Flow, Rule, Store, Transition, register, snapshot_of, table_limits
from api.flows.calendar import DeadlineUnit
from api.flows.holders import Place, RoleHolders, holders_of
from api.flows.models import FlowCard, FlowStep

TIMELINE = Store(FlowStep, record_column="record_id", flow_column="flow")
CARDS = Store(FlowCard, record_column="record_id", flow_column="flow")
EDITABLE: Final = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


class ReportSnapshot(TypedDict):
    """What a live change message shows of an analysis report."""

    id: str
    region_code: str
    period_kind: str
    period_start: str
    title: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    version: int


async def people_at(places: Sequence[Place]) -> list[uuid.UUID]:
    """The users holding these (role, region) places, each once."""
    found = await holders_of(places)
    return list(dict.fromkeys(user for users in found.values() for user in users))


def reviewers(report: AnalysisReport) -> Sequence[Place]:
    """Who reviews a unit's report: the leaders of its region."""
    return [(Role.LEADER.value, report.region_code)]


REPORTS: Flow[AnalysisReport] = register(
    Flow(
        name="analysis_report",
        noun="an analysis report",
        model=AnalysisReport,
        states=ReportStatus,
        transitions={
            ReportAction.EDIT: Transition(EDITABLE, None),
            ReportAction.REFRESH_FIGURES: Transition(EDITABLE, None),
            ReportAction.SUBMIT: Transition(EDITABLE, ReportStatus.IN_REVIEW, ReportStage.REVIEW),
            ReportAction.RETURN: Transition(
                frozenset({ReportStatus.IN_REVIEW}), ReportStatus.RETURNED
            ),
            ReportAction.PUBLISH: Transition(
                frozenset({ReportStatus.IN_REVIEW}), ReportStatus.PUBLISHED
            ),
        },
        open_states=frozenset({ReportStatus.IN_REVIEW}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda report: report.period_kind,
        # reviewed within three working days (a city sets its own in flow_limits)
        limits=table_limits(
            "analysis_report", {ReportStage.REVIEW.value: Rule(3, DeadlineUnit.WORKING_DAYS)}
        ),
        label=lambda report: report.title,
        topic="analysis_report",
        subject="report",
        snapshot=lambda report: snapshot_of(ReportSnapshot, report),
        deadlines=RoleHolders(reviewers),
    )
)


class ProposalSnapshot(TypedDict):
    """What a live change message shows of an accountability proposal."""

    id: str
    region_code: str
    raised_region_code: str
    target_kind: str
    target_label: str
    requested_action: str
    status: str
    outcome: str | None
    stage: str | None
    due_at: str | None
    card: str
    version: int


def _proposal_people(proposal: AccountabilityProposal) -> Sequence[Place]:
    """Who hears of a proposal's deadline: the side whose move it is."""
    if proposal.stage == ProposalStage.CLOSE:
        return [centre_of(proposal.raised_region_code)]
    return [centre_of(proposal.region_code)]


PROPOSALS: Flow[AccountabilityProposal] = register(
    Flow(
        name="accountability_proposal",
        noun="an accountability proposal",
        model=AccountabilityProposal,
        states=ProposalStatus,
        transitions={
            ProposalAction.REPLY: Transition(
                frozenset({ProposalStatus.RAISED}), ProposalStatus.REPLIED, ProposalStage.CLOSE
            ),
            ProposalAction.CLOSE: Transition(
                frozenset({ProposalStatus.RAISED, ProposalStatus.REPLIED}), ProposalStatus.CLOSED
            ),
        },
        open_states=frozenset({ProposalStatus.RAISED, ProposalStatus.REPLIED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda proposal: proposal.requested_action,
        # answered within ten working days, concluded within ten more (flow_limits per city)
        limits=table_limits(
            "accountability_proposal",
            {
                ProposalStage.REPLY.value: Rule(10, DeadlineUnit.WORKING_DAYS),
                ProposalStage.CLOSE.value: Rule(10, DeadlineUnit.WORKING_DAYS),
            },
        ),
        label=lambda proposal: f"责任查究建议: {proposal.target_label}",
        topic="accountability_proposal",
        subject="proposal",
        snapshot=lambda proposal: snapshot_of(ProposalSnapshot, proposal),
        deadlines=RoleHolders(_proposal_people),
    )
)
