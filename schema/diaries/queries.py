"""Queries of diaries, patrols, household visits and investigation rounds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from tortoise.queryset import QuerySet

from api.domains.diaries import patrols, rounds, service, visits
from api.domains.diaries.enums import DiaryStatus, RoundKind
from api.domains.diaries.models import Diary
from api.errors import NotFound
from api.pagination import Page, page_request
from schema.diaries.types import (
    DiaryQuotaType,
    DiaryType,
    HouseholdVisitType,
    InvestigationRoundType,
    PatrolType,
    QuotaAssessment,
    RoundReport,
    UnvisitedHousehold,
    VisitCoverage,
    present,
)
from schema.errors import NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.scalars import parse_uuid
from schema.types import Info

RoundReportResult = Annotated[
    RoundReport | ValidationError | NotFoundError,
    strawberry.union("RoundReportResult", description="A subtree's round report, or why not."),
]


@strawberry.type(description="Households of a grid due a visit.")
class OverdueVisits:
    households: list[UnvisitedHousehold]


OverdueVisitsResult = Annotated[
    OverdueVisits | ValidationError | NotFoundError,
    strawberry.union("OverdueVisitsResult", description="Overdue visits, or why not."),
]


async def _diary_page(page: Page[Diary], filtered: QuerySet[Diary]) -> Connection[DiaryType]:
    shown = dict(zip([d.id for d in page.items], await present(page.items), strict=True))
    return connection(page, filtered, lambda diary: shown[diary.id])


@strawberry.type
class DiariesQuery:
    @strawberry.field(description="Your own diaries, newest first.", extensions=signed_in())
    async def my_diaries(
        self,
        info: Info,
        first_day: Annotated[date | None, strawberry.argument(name="from")] = None,
        last_day: Annotated[date | None, strawberry.argument(name="to")] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DiaryType]:
        page, filtered = await service.mine(
            actor=info.context.principal,
            first_day=first_day,
            last_day=last_day,
            page=page_request(first, after),
        )
        return await _diary_page(page, filtered)

    @strawberry.field(
        description="Diaries under scope to review (default: awaiting review), newest first.",
        extensions=allow("diary", "read"),
    )
    async def diaries_to_review(
        self,
        info: Info,
        scope: str,
        status: DiaryStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DiaryType]:
        page, filtered = await service.to_review(
            actor=info.context.principal,
            scope=scope,
            status=status,
            page=page_request(first, after),
        )
        return await _diary_page(page, filtered)

    @strawberry.field(
        description="A diary you wrote or may read; null if absent or out of scope.",
        extensions=signed_in(),
    )
    async def diary(self, info: Info, id: strawberry.ID) -> DiaryType | None:
        diary_id = parse_uuid(id)
        if diary_id is None:
            return None
        try:
            diary = await service.get(actor=info.context.principal, diary_id=diary_id)
        except NotFound:
            return None
        return (await present([diary]))[0]

    @strawberry.field(
        description="The diary an event was raised from, if any and readable.",
        extensions=signed_in(),
    )
    async def diary_of_event(self, info: Info, event_id: strawberry.ID) -> DiaryType | None:
        parsed = parse_uuid(event_id)
        if parsed is None:
            return None
        diary = await service.diary_of_event(actor=info.context.principal, event_id=parsed)
        if diary is None:
            return None
        return (await present([diary]))[0]

    @strawberry.field(description="Your patrols, newest first.", extensions=signed_in())
    async def my_patrols(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PatrolType]:
        page, filtered = await patrols.mine(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, PatrolType.from_model)

    @strawberry.field(
        description="Patrols of grids under scope, newest first.",
        extensions=allow("patrol", "read"),
    )
    async def patrols(
        self, info: Info, scope: str, first: int | None = None, after: str | None = None
    ) -> Connection[PatrolType]:
        page, filtered = await patrols.of_region(
            actor=info.context.principal, scope=scope, page=page_request(first, after)
        )
        return connection(page, filtered, PatrolType.from_model)

    @strawberry.field(
        description="A patrol you ran or may read; null if absent or out of scope.",
        extensions=signed_in(),
    )
    async def patrol(self, info: Info, id: strawberry.ID) -> PatrolType | None:
        patrol_id = parse_uuid(id)
        if patrol_id is None:
            return None
        try:
            return PatrolType.from_model(
                await patrols.get(actor=info.context.principal, patrol_id=patrol_id)
            )
        except NotFound:
            return None

    @strawberry.field(description="Your household visits, newest first.", extensions=signed_in())
    async def my_visits(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[HouseholdVisitType]:
        page, filtered = await visits.mine(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, HouseholdVisitType.from_model)

    @strawberry.field(
        description="Visits to a household, newest first.",
        extensions=allow("household_visit", "read"),
    )
    async def household_visits(
        self,
        info: Info,
        household_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[HouseholdVisitType]:
        parsed = parse_uuid(household_id)
        if parsed is None:
            raise NotFound("household", household_id)
        page, filtered = await visits.of_household(
            actor=info.context.principal, household_id=parsed, page=page_request(first, after)
        )
        return connection(page, filtered, HouseholdVisitType.from_model)

    @strawberry.field(
        description="Households of a grid due a visit (assigned, floating or special-group "
        "people) not visited in `days`, never visited first.",
        extensions=allow("household_visit", "read"),
    )
    async def overdue_visits(
        self, info: Info, grid_code: str, days: int = 30
    ) -> OverdueVisitsResult:
        rows = await visits.overdue(actor=info.context.principal, grid=grid_code, days=days)
        return OverdueVisits(households=[UnvisitedHousehold.from_row(row) for row in rows])

    @strawberry.field(
        description="Visit coverage of each grid under scope between the times.",
        extensions=allow("household_visit", "read"),
    )
    async def visit_coverage(
        self,
        info: Info,
        scope: str,
        start: Annotated[datetime, strawberry.argument(name="from")],
        end: Annotated[datetime, strawberry.argument(name="to")],
    ) -> list[VisitCoverage]:
        rows = await visits.coverage(
            actor=info.context.principal, scope=scope, start=start, end=end
        )
        return [VisitCoverage.from_row(row) for row in rows]

    @strawberry.field(
        description="Investigation rounds under scope, newest first.",
        extensions=allow("investigation_round", "read"),
    )
    async def investigation_rounds(
        self,
        info: Info,
        scope: str,
        kind: RoundKind | None = None,
        first_day: Annotated[date | None, strawberry.argument(name="from")] = None,
        last_day: Annotated[date | None, strawberry.argument(name="to")] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InvestigationRoundType]:
        page, filtered = await rounds.of_region(
            actor=info.context.principal,
            scope=scope,
            kind=kind,
            first_day=first_day,
            last_day=last_day,
            page=page_request(first, after),
        )
        return connection(page, filtered, InvestigationRoundType.from_model)

    @strawberry.field(
        description="What the rounds of a kind under scope starting in the period add up to, "
        "with the missing ones named.",
        extensions=allow("investigation_round", "read"),
    )
    async def round_report(
        self,
        info: Info,
        scope: str,
        kind: RoundKind,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
    ) -> RoundReportResult:
        return RoundReport.from_report(
            await rounds.report(
                actor=info.context.principal,
                scope=scope,
                kind=kind,
                first_day=first_day,
                last_day=last_day,
            )
        )

    @strawberry.field(
        description="Every version of the quotas at scope, its ancestors and its subtree.",
        extensions=allow("diary_quota", "read"),
    )
    async def diary_quotas(self, info: Info, scope: str) -> list[DiaryQuotaType]:
        rows = await service.quotas(actor=info.context.principal, scope=scope)
        return [DiaryQuotaType.from_model(row) for row in rows]

    @strawberry.field(
        description="Quota periods ending in the days: yours, or a person's in your scope.",
        extensions=signed_in(),
    )
    async def quota_assessments(
        self,
        info: Info,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
        user_id: strawberry.ID | None = None,
    ) -> list[QuotaAssessment]:
        rows = await service.assessments(
            actor=info.context.principal,
            user_id=parse_uuid(user_id) if user_id is not None else None,
            first_day=first_day,
            last_day=last_day,
        )
        return [QuotaAssessment.from_model(row) for row in rows]
