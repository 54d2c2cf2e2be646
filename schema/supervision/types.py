"""GraphQL types of supervision: analysis reports (研判报告) and accountability proposals
(责任查究建议)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import strawberry

from api.domains.supervision import models
from api.domains.supervision.enums import (
    ProposalOutcome,
    ProposalStatus,
    ReportPeriod,
    ReportStatus,
    RequestedAction,
    TargetKind,
)
from api.flows.models import FlowStep
from schema.events.types import Card
from schema.types import Info

strawberry.enum(
    ReportPeriod,
    name="AnalysisReportPeriod",
    description="Week (周报), month (月报), quarter (季报).",
)
strawberry.enum(
    ReportStatus,
    name="AnalysisReportStatus",
    description="Draft → in review by the unit's leader → published to the level above (or "
    "returned to its authors).",
)
strawberry.enum(
    ProposalStatus,
    name="AccountabilityProposalStatus",
    description="Raised → replied by the target unit → closed with an outcome.",
)
strawberry.enum(
    TargetKind,
    name="AccountabilityTargetKind",
    description="A region's unit, a department or one account.",
)
strawberry.enum(
    RequestedAction,
    name="AccountabilityRequestedAction",
    description="What is asked: 批评教育, 通报批评, 约谈, 书面检查, 考核扣分, 移送纪检监察.",
)
strawberry.enum(
    ProposalOutcome,
    name="AccountabilityOutcome",
    description="采纳, 部分采纳, 不予采纳, 撤回.",
)


@strawberry.type(description="A step of a report's or a proposal's history.")
class SupervisionStep:
    action: str
    actor_label: str
    from_status: str | None
    to_status: str | None
    note: str
    seconds_spent: int | None = strawberry.field(description="Time since the previous step.")
    at: datetime

    @classmethod
    def from_model(cls, step: FlowStep) -> SupervisionStep:
        return cls(
            action=step.action,
            actor_label=step.actor_label,
            from_status=step.from_status,
            to_status=step.to_status,
            note=step.note,
            seconds_spent=step.seconds_spent,
            at=step.at,
        )


@strawberry.type(description="A written part of a report's analysis.")
class AnalysisReportSection:
    heading: str
    body: str


@strawberry.type(description="Events of the period under one key (category, region, source).")
class AnalysisReportCount:
    key: str | None = strawberry.field(description="Category key, region code or source.")
    label: str = strawberry.field(description="Its name when the figures were generated.")
    count: int
    open_count: int = strawberry.field(description="Still open when generated.")
    closed_count: int
    yellow_count: int
    red_count: int

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> AnalysisReportCount:
        return cls(
            key=row.get("key"),
            label=str(row.get("label") or ""),
            count=int(row["count"]),
            open_count=int(row["open"]),
            closed_count=int(row["closed"]),
            yellow_count=int(row["yellow"]),
            red_count=int(row["red"]),
        )


@strawberry.type(
    description="A report's figures, frozen from the statistics when generated (rates: null "
    "when their denominator is 0)."
)
class AnalysisReportFigures:
    generated_at: datetime
    formula_version: str
    cases: int = strawberry.field(description="立案数")
    closed: int = strawberry.field(description="结案数")
    closed_on_time: int
    handled: int
    reworked: int
    dispatched: int
    yellow_cards: int
    red_cards: int
    reported: int
    closure_rate: float | None = strawberry.field(description="结案率")
    on_time_closure_rate: float | None = strawberry.field(description="按期结案率")
    on_time_handling_rate: float | None = strawberry.field(description="按期处置率")
    rework_rate: float | None = strawberry.field(description="返工率")
    accurate_dispatch_rate: float | None = strawberry.field(description="准确派遣率")
    satisfaction: float | None = strawberry.field(description="满意度 (1–5)")
    previous_cases: int = strawberry.field(description="The period before (环比).")
    previous_closure_rate: float | None
    by_category: list[AnalysisReportCount]
    by_child_region: list[AnalysisReportCount]
    by_source: list[AnalysisReportCount]

    @classmethod
    def from_report(cls, report: models.AnalysisReport) -> AnalysisReportFigures:
        figures = report.figures
        totals, rates, previous = figures["totals"], figures["rates"], figures["previous"]
        return cls(
            generated_at=report.figures_generated_at,
            formula_version=figures["formula_version"],
            cases=totals["cases"],
            closed=totals["closed"],
            closed_on_time=totals["closed_on_time"],
            handled=totals["handled"],
            reworked=totals["reworked"],
            dispatched=totals["dispatched"],
            yellow_cards=totals["yellow_cards"],
            red_cards=totals["red_cards"],
            reported=totals["reported"],
            closure_rate=rates["closure_rate"],
            on_time_closure_rate=rates["on_time_closure_rate"],
            on_time_handling_rate=rates["on_time_handling_rate"],
            rework_rate=rates["rework_rate"],
            accurate_dispatch_rate=rates["accurate_dispatch_rate"],
            satisfaction=rates["satisfaction"],
            previous_cases=previous["cases"],
            previous_closure_rate=previous["closure_rate"],
            by_category=[AnalysisReportCount.from_json(r) for r in figures["by_category"]],
            by_child_region=[AnalysisReportCount.from_json(r) for r in figures["by_child_region"]],
            by_source=[AnalysisReportCount.from_json(r) for r in figures["by_source"]],
        )


@strawberry.type(name="AnalysisReport", description="A periodic analysis report (定期研判报告).")
class AnalysisReportType:
    id: strawberry.ID
    region_code: str
    period_kind: ReportPeriod
    period_start: date
    period_end: date = strawberry.field(description="The last day, inclusive.")
    title: str
    author_unit: str = strawberry.field(description="编制单位")
    created_by_label: str
    status: ReportStatus
    sections: list[AnalysisReportSection]
    figures: AnalysisReportFigures
    review_note: str
    published_at: datetime | None
    due_at: datetime | None = strawberry.field(description="While in review: when it is due.")
    card: Card
    version: int = strawberry.field(description="Changes with every step (pass it back).")
    created_at: datetime

    @strawberry.field(description="Path of the figures as XLSX (same credentials as /graphql).")
    def figures_xlsx_url(self) -> str:
        return f"/analysis-reports/{self.id}/figures.xlsx"

    @strawberry.field(description="The report's history, oldest first.")
    async def timeline(self, info: Info) -> list[SupervisionStep]:
        steps = await info.context.loaders.supervision_steps.load(uuid.UUID(str(self.id)))
        return [SupervisionStep.from_model(step) for step in steps]

    @classmethod
    def from_model(cls, report: models.AnalysisReport) -> AnalysisReportType:
        return cls(
            id=strawberry.ID(str(report.id)),
            region_code=report.region_code,
            period_kind=ReportPeriod(report.period_kind),
            period_start=report.period_start,
            period_end=report.period_end,
            title=report.title,
            author_unit=report.author_unit,
            created_by_label=report.created_by_label,
            status=ReportStatus(report.status),
            sections=[AnalysisReportSection(**section) for section in report.sections],
            figures=AnalysisReportFigures.from_report(report),
            review_note=report.review_note,
            published_at=report.published_at,
            due_at=report.due_at,
            card=Card(report.card),
            version=report.version,
            created_at=report.created_at,
        )


@strawberry.type(
    name="AccountabilityProposal", description="An accountability proposal (责任查究建议)."
)
class AccountabilityProposalType:
    id: strawberry.ID
    target_kind: TargetKind
    target_region_code: str = strawberry.field(description="The target unit's region.")
    target_department_id: strawberry.ID | None
    target_user_id: strawberry.ID | None
    target_label: str
    raised_region_code: str = strawberry.field(description="The raising unit's region.")
    raised_by_label: str
    event_ids: list[strawberry.ID]
    ranking_snapshot_id: strawberry.ID | None = strawberry.field(
        description="The frozen ranking period it rests on."
    )
    reason: str
    requested_action: RequestedAction
    status: ProposalStatus
    reply: str
    replied_at: datetime | None
    outcome: ProposalOutcome | None
    outcome_note: str
    closed_at: datetime | None
    due_at: datetime | None = strawberry.field(description="The running step's deadline.")
    card: Card
    version: int
    created_at: datetime

    @strawberry.field(description="The proposal's history, oldest first.")
    async def timeline(self, info: Info) -> list[SupervisionStep]:
        steps = await info.context.loaders.supervision_steps.load(uuid.UUID(str(self.id)))
        return [SupervisionStep.from_model(step) for step in steps]

    @classmethod
    def from_model(cls, proposal: models.AccountabilityProposal) -> AccountabilityProposalType:
        def optional(value: object) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value else None

        return cls(
            id=strawberry.ID(str(proposal.id)),
            target_kind=TargetKind(proposal.target_kind),
            target_region_code=proposal.region_code,
            target_department_id=optional(proposal.target_department_id),
            target_user_id=optional(proposal.target_user_id),
            target_label=proposal.target_label,
            raised_region_code=proposal.raised_region_code,
            raised_by_label=proposal.raised_by_label,
            event_ids=[strawberry.ID(str(e)) for e in proposal.event_ids],
            ranking_snapshot_id=optional(proposal.ranking_snapshot_id),
            reason=proposal.reason,
            requested_action=RequestedAction(proposal.requested_action),
            status=ProposalStatus(proposal.status),
            reply=proposal.reply,
            replied_at=proposal.replied_at,
            outcome=ProposalOutcome(proposal.outcome) if proposal.outcome else None,
            outcome_note=proposal.outcome_note,
            closed_at=proposal.closed_at,
            due_at=proposal.due_at,
            card=Card(proposal.card),
            version=proposal.version,
            created_at=proposal.created_at,
        )
