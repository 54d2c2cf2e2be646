"""Queries and mutations of supervision: analysis reports and accountability proposals."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry

from api.domains.supervision import proposals, reports
from api.domains.supervision.enums import (
    ProposalOutcome,
    ProposalStatus,
    ReportPeriod,
    ReportStatus,
    RequestedAction,
    TargetKind,
)
from api.errors import NotFound
from api.pagination import page_request
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.supervision.types import AccountabilityProposalType, AnalysisReportType
from schema.types import Info


def _uuid(value: strawberry.ID, what: str, field: str = "id") -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value, field=field)
    return parsed


@strawberry.input(description="A written part of the analysis.")
class AnalysisReportSectionInput:
    heading: str = strawberry.field(description="1 to 100 characters.")
    body: str = strawberry.field(description="At most 20,000 characters.")


def _sections(
    sections: list[AnalysisReportSectionInput] | None,
) -> list[reports.Section] | None:
    if sections is None:
        return None
    return [reports.Section(heading=s.heading, body=s.body) for s in sections]


@strawberry.input(description="A region's report of a period, its figures generated now.")
class CreateAnalysisReportInput:
    region_code: str = strawberry.field(description="Your own unit's region.")
    period_kind: ReportPeriod
    period_start: date = strawberry.field(
        description="A Monday, a month's first day, or a quarter's (Jan, Apr, Jul, Oct)."
    )
    title: str | None = strawberry.field(default=None, description="Default: region + period.")
    author_unit: str | None = strawberry.field(default=None, description="Default: the centre.")
    sections: list[AnalysisReportSectionInput] = strawberry.field(
        default_factory=list, description="At most 12."
    )


@strawberry.input(description="What changes of a draft; fields left out stay as they are.")
class EditAnalysisReportInput:
    title: str | None = None
    sections: list[AnalysisReportSectionInput] | None = strawberry.field(
        default=None, description="Replaces every section (at most 12)."
    )


@strawberry.type(description="The report as stored.")
class AnalysisReportPayload:
    report: AnalysisReportType


AnalysisReportResult = Annotated[
    AnalysisReportPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AnalysisReportResult", description="Outcome of a step of a report."),
]


@strawberry.input(description="Against whom: give the field of the kind chosen.")
class AccountabilityTargetInput:
    kind: TargetKind
    region_code: str | None = strawberry.field(default=None, description="For REGION.")
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="For DEPARTMENT."
    )
    user_id: strawberry.ID | None = strawberry.field(default=None, description="For ACCOUNT.")


@strawberry.input(description="A proposal against a lower level (责任查究建议).")
class RaiseAccountabilityProposalInput:
    target: AccountabilityTargetInput
    reason: str = strawberry.field(description="1 to 4,000 characters.")
    requested_action: RequestedAction
    event_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Events it rests on (at most 20, in your scope)."
    )
    ranking_snapshot_id: strawberry.ID | None = strawberry.field(
        default=None, description="A frozen ranking period covering the target."
    )


@strawberry.type(description="The proposal as stored.")
class AccountabilityProposalPayload:
    proposal: AccountabilityProposalType


AccountabilityProposalResult = Annotated[
    AccountabilityProposalPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union(
        "AccountabilityProposalResult", description="Outcome of a step of a proposal."
    ),
]


@strawberry.type
class SupervisionQuery:
    @strawberry.field(
        description="Analysis reports you may read, newest first: your unit's own, and those "
        "published under your scope.",
        extensions=allow("analysis_report", "read"),
    )
    async def analysis_reports(
        self,
        info: Info,
        region_code: str | None = None,
        period_kind: ReportPeriod | None = None,
        status: ReportStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AnalysisReportType]:
        page, filtered = await reports.of_scope(
            actor=info.context.principal,
            region_code=region_code,
            kind=period_kind,
            status=status,
            page=page_request(first, after),
        )
        return connection(page, filtered, AnalysisReportType.from_model)

    @strawberry.field(
        description="A report you may read; null if absent or not yours to read.",
        extensions=allow("analysis_report", "read"),
    )
    async def analysis_report(self, info: Info, id: strawberry.ID) -> AnalysisReportType | None:
        report_id = parse_uuid(id)
        if report_id is None:
            return None
        found = await reports.get(actor=info.context.principal, report_id=report_id)
        return AnalysisReportType.from_model(found) if found else None

    @strawberry.field(
        description="Accountability proposals against regions under your scope (and against "
        "you), newest first.",
        extensions=allow("accountability", "read"),
    )
    async def accountability_proposals(
        self,
        info: Info,
        region_code: str | None = None,
        status: ProposalStatus | None = None,
        raised_by_me: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccountabilityProposalType]:
        page, filtered = await proposals.of_scope(
            actor=info.context.principal,
            region_code=region_code,
            status=status,
            raised_by_me=raised_by_me,
            page=page_request(first, after),
        )
        return connection(page, filtered, AccountabilityProposalType.from_model)

    @strawberry.field(
        description="A proposal you may read; null if absent or out of scope.",
        extensions=allow("accountability", "read"),
    )
    async def accountability_proposal(
        self, info: Info, id: strawberry.ID
    ) -> AccountabilityProposalType | None:
        proposal_id = parse_uuid(id)
        if proposal_id is None:
            return None
        found = await proposals.get(actor=info.context.principal, proposal_id=proposal_id)
        return AccountabilityProposalType.from_model(found) if found else None


@strawberry.type
class SupervisionMutation:
    @strawberry.mutation(
        description="Draft your unit's analysis report of a period (its figures frozen now).",
        extensions=allow("analysis_report", "write"),
    )
    async def create_analysis_report(
        self, info: Info, input: CreateAnalysisReportInput
    ) -> AnalysisReportResult:
        report = await reports.create(
            actor=info.context.principal,
            region_code=input.region_code,
            kind=input.period_kind,
            period_start=input.period_start,
            title=input.title,
            author_unit=input.author_unit,
            sections=_sections(input.sections) or [],
        )
        return AnalysisReportPayload(report=AnalysisReportType.from_model(report))

    @strawberry.mutation(
        description="Rewrite a draft's (or returned report's) title or sections.",
        extensions=allow("analysis_report", "write"),
    )
    async def edit_analysis_report(
        self,
        info: Info,
        id: strawberry.ID,
        input: EditAnalysisReportInput,
        version: int | None = None,
    ) -> AnalysisReportResult:
        report = await reports.edit(
            actor=info.context.principal,
            report_id=_uuid(id, "analysis report"),
            title=input.title,
            sections=_sections(input.sections),
            version=version,
        )
        return AnalysisReportPayload(report=AnalysisReportType.from_model(report))

    @strawberry.mutation(
        description="Generate a draft's figures again from the statistics as they are now.",
        extensions=allow("analysis_report", "write"),
    )
    async def refresh_analysis_report_figures(
        self, info: Info, id: strawberry.ID, version: int | None = None
    ) -> AnalysisReportResult:
        report = await reports.refresh_figures(
            actor=info.context.principal, report_id=_uuid(id, "analysis report"), version=version
        )
        return AnalysisReportPayload(report=AnalysisReportType.from_model(report))

    @strawberry.mutation(
        description="Send a draft to your unit's leaders for review.",
        extensions=allow("analysis_report", "write"),
    )
    async def submit_analysis_report(
        self, info: Info, id: strawberry.ID, version: int | None = None
    ) -> AnalysisReportResult:
        report = await reports.submit(
            actor=info.context.principal, report_id=_uuid(id, "analysis report"), version=version
        )
        return AnalysisReportPayload(report=AnalysisReportType.from_model(report))

    @strawberry.mutation(
        description="The unit's leader publishes a report to the level above, or returns it "
        "(note required).",
        extensions=allow("analysis_report", "review"),
    )
    async def review_analysis_report(
        self,
        info: Info,
        id: strawberry.ID,
        publish: bool,
        note: str = "",
        version: int | None = None,
    ) -> AnalysisReportResult:
        report = await reports.review(
            actor=info.context.principal,
            report_id=_uuid(id, "analysis report"),
            publish=publish,
            note=note,
            version=version,
        )
        return AnalysisReportPayload(report=AnalysisReportType.from_model(report))

    @strawberry.mutation(
        description="Raise an accountability proposal against a lower level's unit or account.",
        extensions=allow("accountability", "raise"),
    )
    async def raise_accountability_proposal(
        self, info: Info, input: RaiseAccountabilityProposalInput
    ) -> AccountabilityProposalResult:
        target = input.target
        proposal = await proposals.raise_proposal(
            actor=info.context.principal,
            target=proposals.Target(
                kind=target.kind,
                region_code=target.region_code,
                department_id=None
                if target.department_id is None
                else _uuid(target.department_id, "department", "target.departmentId"),
                user_id=None
                if target.user_id is None
                else _uuid(target.user_id, "user", "target.userId"),
            ),
            reason=input.reason,
            requested_action=input.requested_action,
            event_ids=[_uuid(e, "event", "eventIds") for e in input.event_ids],
            ranking_snapshot_id=None
            if input.ranking_snapshot_id is None
            else _uuid(input.ranking_snapshot_id, "ranking", "rankingSnapshotId"),
        )
        return AccountabilityProposalPayload(
            proposal=AccountabilityProposalType.from_model(proposal)
        )

    @strawberry.mutation(
        description="The target unit's reply to a proposal (once).",
        extensions=allow("accountability", "reply"),
    )
    async def reply_to_accountability_proposal(
        self, info: Info, id: strawberry.ID, reply: str, version: int | None = None
    ) -> AccountabilityProposalResult:
        proposal = await proposals.reply(
            actor=info.context.principal,
            proposal_id=_uuid(id, "accountability proposal"),
            text=reply,
            version=version,
        )
        return AccountabilityProposalPayload(
            proposal=AccountabilityProposalType.from_model(proposal)
        )

    @strawberry.mutation(
        description="The raising side closes a proposal with its outcome (before a reply: "
        "WITHDRAWN only).",
        extensions=allow("accountability", "close"),
    )
    async def close_accountability_proposal(
        self,
        info: Info,
        id: strawberry.ID,
        outcome: ProposalOutcome,
        note: str,
        version: int | None = None,
    ) -> AccountabilityProposalResult:
        proposal = await proposals.close(
            actor=info.context.principal,
            proposal_id=_uuid(id, "accountability proposal"),
            outcome=outcome,
            note=note,
            version=version,
        )
        return AccountabilityProposalPayload(
            proposal=AccountabilityProposalType.from_model(proposal)
        )
