"""Queries of economic operations: projects, indicators, their values, aggregates and charts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.domains.economy import charts, indicators, projects
from api.domains.economy.enums import ProjectStatus, ValueStatus
from api.errors import NotFound
from api.pagination import page_request
from schema.economy.types import (
    IndicatorAggregate,
    IndicatorTrend,
    IndicatorType,
    IndicatorValueType,
    ProjectCategoryType,
    ProjectStatistics,
    ProjectStatisticsRow,
    ProjectType,
    TrendRow,
)
from schema.errors import NotFoundError, ValidationError
from schema.money import Money
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info

IndicatorAggregateResult = Annotated[
    IndicatorAggregate | ValidationError | NotFoundError,
    strawberry.union("IndicatorAggregateResult", description="A scope's figure, or why not."),
]
IndicatorTrendResult = Annotated[
    IndicatorTrend | ValidationError | NotFoundError,
    strawberry.union("IndicatorTrendResult", description="A trend, or why not."),
]
ProjectStatisticsResult = Annotated[
    ProjectStatistics | ValidationError,
    strawberry.union("ProjectStatisticsResult", description="Project statistics, or why not."),
]


@strawberry.type
class EconomyQuery:
    @strawberry.field(
        description="Project categories (as data).", extensions=allow("project", "read")
    )
    async def project_categories(self) -> list[ProjectCategoryType]:
        return [ProjectCategoryType(code=c.code, name=c.name) for c in await projects.categories()]

    @strawberry.field(description="Projects under scope.", extensions=allow("project", "read"))
    async def projects(
        self,
        info: Info,
        scope: str,
        category_code: str | None = None,
        status: ProjectStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ProjectType]:
        page, filtered = await projects.of_scope(
            actor=info.context.principal,
            scope=scope,
            category_code=category_code,
            status=status,
            page=page_request(first, after),
        )
        return connection(page, filtered, ProjectType.from_model)

    @strawberry.field(
        description="A project you may read; null if absent or out of scope.",
        extensions=allow("project", "read"),
    )
    async def project(self, info: Info, id: strawberry.ID) -> ProjectType | None:
        project_id = parse_uuid(id)
        if project_id is None:
            return None
        try:
            found = await projects.get(actor=info.context.principal, project_id=project_id)
        except NotFound:
            return None
        return ProjectType.from_model(found)

    @strawberry.field(
        description="Indicator definitions in use.", extensions=allow("indicator_value", "read")
    )
    async def indicators(self) -> list[IndicatorType]:
        return [IndicatorType.from_model(i) for i in await indicators.indicators()]

    @strawberry.field(
        description="The values of an indicator for a month under scope.",
        extensions=allow("indicator_value", "read"),
    )
    async def indicator_values(
        self,
        info: Info,
        indicator: str,
        scope: str,
        period: date,
        status: ValueStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[IndicatorValueType]:
        page, filtered = await indicators.values(
            actor=info.context.principal,
            code=indicator,
            scope=scope,
            period=period,
            status=status,
            page=page_request(first, after),
        )
        return connection(page, filtered, IndicatorValueType.from_model)

    @strawberry.field(
        description="A scope's figure for a month from its signed-off reporting regions only; "
        "`missing` names the rest.",
        extensions=allow("indicator_value", "read"),
    )
    async def indicator_aggregate(
        self, info: Info, indicator: str, scope: str, period: date
    ) -> IndicatorAggregateResult:
        found = await indicators.aggregate(
            actor=info.context.principal, code=indicator, scope=scope, period=period
        )
        return IndicatorAggregate.from_aggregate(found)

    @strawberry.field(
        description="An indicator month by month under scope, signed-off values only, with the "
        "same month a year before (同比): for trend charts.",
        extensions=allow("indicator_value", "read"),
    )
    async def indicator_trend(
        self,
        info: Info,
        indicator: str,
        scope: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
    ) -> IndicatorTrendResult:
        definition, expected, points = await indicators.trend(
            actor=info.context.principal,
            code=indicator,
            scope=scope,
            first=first_day,
            last=last_day,
        )
        return IndicatorTrend(
            indicator=IndicatorType.from_model(definition),
            scope=scope,
            first_day=first_day,
            last_day=last_day,
            expected=expected,
            rows=[
                TrendRow(
                    period=p.period,
                    value=p.value,
                    signed_off=p.signed_off,
                    previous_year=p.previous_year,
                    year_on_year_percent=p.year_on_year_percent,
                )
                for p in points
            ],
        )

    @strawberry.field(
        description="Project counts and investment for bar, pie and trend charts: by at most "
        "one of CATEGORY/CHILD_REGION and by MONTH (started), projects under `scope` starting "
        "from `from` to `to` (both included); one row per currency.",
        extensions=allow("project", "read"),
    )
    async def project_statistics(
        self,
        info: Info,
        scope: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
        group_by: list[charts.ProjectGroupBy] | None = None,
    ) -> ProjectStatisticsResult:
        dimensions = list(group_by or [])
        rows = await charts.project_statistics(
            actor=info.context.principal,
            scope=scope,
            first_day=first_day,
            last_day=last_day,
            group_by=dimensions,
        )
        return ProjectStatistics(
            scope=scope,
            first_day=first_day,
            last_day=last_day,
            group_by=dimensions,
            rows=[
                ProjectStatisticsRow(
                    key=row.key,
                    period=row.period,
                    count=row.count,
                    planned_investment=Money(amount=row.planned_investment, currency=row.currency),
                    actual_investment=Money(amount=row.actual_investment, currency=row.currency),
                )
                for row in rows
            ],
        )
