"""Reading the catalogue (its guide needs no sign-in), applications and risk assessments."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

import strawberry

from api.domains.approvals import assessments, service, statistics
from api.domains.approvals.definitions import steps_of
from api.domains.approvals.enums import ApplicationStatus
from api.pagination import page_request
from schema.approvals.types import (
    ApplicationType,
    AssessmentType,
    FlowVersionType,
    ItemType,
    StepType,
)
from schema.errors import NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import public, signed_in
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(
    statistics.Grouping, name="ApprovalGrouping", description="Figures per item or department."
)


@strawberry.type(description="One item's or department's figures over the period.")
class ApprovalFigures:
    key: str = strawberry.field(description="The item's or department's id ('' for none).")
    label: str
    applications: int
    decided: int = strawberry.field(description="Approved or refused.")
    approved: int
    refused: int
    on_time: int = strawberry.field(description="Decided within the promised working days.")
    overdue: int = strawberry.field(description="Waiting for staff past the step's limit now.")
    average_hours: float | None = strawberry.field(description="Filing to decision, on average.")
    on_time_rate: float | None = strawberry.field(
        description="on time / decided; null below the minimum of decisions."
    )


@strawberry.type(description="Statistics of approvals, with the formula that made them.")
class ApprovalStatistics:
    formula_version: str
    minimum_decided: int = strawberry.field(description="Fewer decisions: no rate is given.")
    rows: list[ApprovalFigures]


ApprovalStatisticsResult = Annotated[
    ApprovalStatistics | ValidationError | NotFoundError,
    strawberry.union("ApprovalStatisticsResult", description="Figures, or why not."),
]


@strawberry.type
class ApprovalsQuery:
    @strawberry.field(
        description="Published guides (办事指南) offered at a region, by code; no sign-in needed.",
        extensions=public(),
    )
    async def approval_guides(
        self,
        info: Info,
        region_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ItemType]:
        page, filtered = await service.guides(
            region_code=region_code, page=page_request(first, after)
        )
        return connection(page, filtered, ItemType.from_model)

    @strawberry.field(
        description="A published guide; null if there is none. No sign-in needed.",
        extensions=public(),
    )
    async def approval_guide(self, info: Info, id: strawberry.ID) -> ItemType | None:
        item_id = parse_uuid(id, "ApprovalItem")
        found = await service.guide(item_id=item_id) if item_id else None
        return ItemType.from_model(found) if found else None

    @strawberry.field(
        description="A version of a published item's flow: its steps and their time limits.",
        extensions=public(),
    )
    async def approval_flow(
        self, info: Info, item_id: strawberry.ID, version: int
    ) -> FlowVersionType | None:
        parsed = parse_uuid(item_id, "ApprovalItem")
        item = await service.guide(item_id=parsed) if parsed else None
        found = await service.flow_version(item_id=item.id, version=version) if item else None
        if found is None:
            return None
        return FlowVersionType(
            version=found.version,
            steps=[StepType.from_step(s) for s in steps_of(found.steps)],
            created_at=found.created_at,
        )

    @strawberry.field(
        description="An application you may read (your own, or one in your subtree).",
        extensions=signed_in(),
    )
    async def application(self, info: Info, id: strawberry.ID) -> ApplicationType | None:
        application_id = parse_uuid(id, "Application")
        if application_id is None:
            return None
        found = await service.get_application(
            actor=info.context.principal, application_id=application_id
        )
        return ApplicationType.from_model(found) if found else None

    @strawberry.field(
        description="Applications made in your subtree, newest first.", extensions=signed_in()
    )
    async def applications(
        self,
        info: Info,
        item_id: strawberry.ID | None = None,
        status: ApplicationStatus | None = None,
        region_code: str | None = None,
        overdue: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ApplicationType]:
        filters = service.ApplicationFilter(
            item_id=parse_uuid(item_id, "ApprovalItem") if item_id else None,
            status=status,
            region_code=region_code,
            overdue=overdue,
        )
        page, filtered = await service.list_applications(
            actor=info.context.principal, filters=filters, page=page_request(first, after)
        )
        return connection(page, filtered, ApplicationType.from_model)

    @strawberry.field(
        description="Your own applications (or those you filed for residents), newest first.",
        extensions=signed_in(),
    )
    async def my_applications(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApplicationType]:
        page, filtered = await service.my_applications(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, ApplicationType.from_model)

    @strawberry.field(
        description="Applications waiting for your action, the soonest due first.",
        extensions=signed_in(),
    )
    async def my_approval_tasks(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApplicationType]:
        page, filtered = await service.my_tasks(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, ApplicationType.from_model)

    @strawberry.field(description="A risk assessment in your scope.", extensions=signed_in())
    async def risk_assessment(self, info: Info, id: strawberry.ID) -> AssessmentType | None:
        assessment_id = parse_uuid(id, "RiskAssessment")
        if assessment_id is None:
            return None
        found = await assessments.get(actor=info.context.principal, assessment_id=assessment_id)
        return AssessmentType.from_model(found) if found else None

    @strawberry.field(
        description="Risk assessments in your scope: pending (still in a stage) or assessed.",
        extensions=signed_in(),
    )
    async def risk_assessments(
        self,
        info: Info,
        assessed: bool = False,
        region_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AssessmentType]:
        page, filtered = await assessments.list_assessments(
            actor=info.context.principal,
            assessed=assessed,
            region_code=region_code,
            page=page_request(first, after),
        )
        return connection(page, filtered, AssessmentType.from_model)

    @strawberry.field(
        description="On-time rate and average time to decision per item or department.",
        extensions=signed_in(),
    )
    async def approval_statistics(
        self,
        info: Info,
        region_code: str,
        start: date,
        end: date,
        by: statistics.Grouping = statistics.Grouping.ITEM,
    ) -> ApprovalStatisticsResult:
        report = await statistics.statistics(
            actor=info.context.principal, region_code=region_code, start=start, end=end, by=by
        )
        return ApprovalStatistics(
            formula_version=report.formula_version,
            minimum_decided=report.minimum_decided,
            rows=[ApprovalFigures(**vars_of(row)) for row in report.rows],
        )


def vars_of(row: statistics.Figures) -> dict[str, Any]:
    return dataclasses.asdict(row)
