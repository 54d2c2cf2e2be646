"""Queries of assessment and decision support: chart statistics, figures, rankings, dashboard."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry

from api.domains.stats import service
from api.domains.stats.enums import GroupBy, Metric, PeriodKind, SubjectKind
from api.errors import NotFound
from api.pagination import Page, page_request
from schema.errors import NotFoundError, ValidationError
from schema.pagination import Connection, Counted, connection
from schema.permissions import allow, signed_in
from schema.scalars import parse_uuid
from schema.stats.types import (
    AssessmentFigures,
    CardFact,
    Dashboard,
    EventStatistics,
    ExemptionType,
    RankingEntryType,
    RankingGradeBands,
    RankingSnapshotType,
    ScoringRulesType,
    StatisticsRow,
)
from schema.types import Info


@strawberry.type(name="Ranking", description="Subjects of a scope, best first by a metric.")
class RankingType:
    scope: str
    subject: SubjectKind
    metric: Metric
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    formula_version: str = strawberry.field(description="Version of the formulas used.")
    rules: ScoringRulesType = strawberry.field(description="The points rules used.")
    snapshot: RankingSnapshotType | None = strawberry.field(
        description="The frozen ranking this is, if it is one."
    )
    grade_bands: RankingGradeBands | None = strawberry.field(
        description="The grade bands the entries are graded by (frozen ones keep theirs)."
    )
    entries: Connection[RankingEntryType]


EventStatisticsResult = Annotated[
    EventStatistics | ValidationError | NotFoundError,
    strawberry.union("EventStatisticsResult", description="Chart data, or why not."),
]
AssessmentFiguresResult = Annotated[
    AssessmentFigures | ValidationError | NotFoundError,
    strawberry.union("AssessmentFiguresResult", description="Figures, or why not."),
]
RankingResult = Annotated[
    RankingType | ValidationError | NotFoundError,
    strawberry.union("RankingResult", description="A ranking, or why not."),
]
DashboardResult = Annotated[
    Dashboard | ValidationError | NotFoundError,
    strawberry.union("DashboardResult", description="The dashboard, or why not."),
]


def _entries(
    ranking: service.Ranking, first: int | None, after: str | None
) -> Connection[RankingEntryType]:
    page: Page[service.RankingEntry] = service.page_of(ranking.entries, page_request(first, after))
    return connection(
        page,
        Counted(len(ranking.entries)),
        lambda entry: RankingEntryType.from_entry(entry, ranking.rules),
    )


@strawberry.type
class StatsQuery:
    @strawberry.field(
        description="Event counts for list, bar, pie and trend charts: by at most one of "
        "CATEGORY/STATUS/SOURCE/CHILD_REGION and one of DAY/WEEK/MONTH (China time), over "
        "events reported from `from` to `to` (both included) under `scope`.",
        extensions=allow("statistics", "read"),
    )
    async def event_statistics(
        self,
        info: Info,
        scope: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
        group_by: list[GroupBy] | None = None,
    ) -> EventStatisticsResult:
        dimensions = list(group_by or [])
        rows = await service.event_statistics(
            actor=info.context.principal,
            scope_code=scope,
            first_day=first_day,
            last_day=last_day,
            group_by=dimensions,
        )
        return EventStatistics(
            scope=scope,
            first_day=first_day,
            last_day=last_day,
            group_by=dimensions,
            rows=[StatisticsRow.from_row(row) for row in rows],
        )

    @strawberry.field(
        description="Assessment figures (rates) of the cases of a subtree over a period.",
        extensions=allow("statistics", "read"),
    )
    async def assessment_figures(
        self,
        info: Info,
        scope: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
    ) -> AssessmentFiguresResult:
        figures = await service.figures(
            actor=info.context.principal,
            scope_code=scope,
            first_day=first_day,
            last_day=last_day,
        )
        return AssessmentFigures.from_figures(figures)

    @strawberry.field(
        description="Your own figures: the cases assigned to you in person, and your reports.",
        extensions=signed_in(),
    )
    async def my_figures(
        self,
        info: Info,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
    ) -> AssessmentFiguresResult:
        figures = await service.my_figures(
            actor=info.context.principal, first_day=first_day, last_day=last_day
        )
        return AssessmentFigures.from_figures(figures)

    @strawberry.field(
        description="Live ranking of the departments, workers or child regions of a scope; "
        "subjects below the minimum number of cases are listed last, unranked.",
        extensions=allow("ranking", "read"),
    )
    async def ranking(
        self,
        info: Info,
        scope: str,
        subject: SubjectKind,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
        by: Metric = Metric.POINTS,
        first: int | None = None,
        after: str | None = None,
    ) -> RankingResult:
        ranking = await service.ranking(
            actor=info.context.principal,
            scope_code=scope,
            subject_kind=subject,
            first_day=first_day,
            last_day=last_day,
            metric=by,
        )
        entries = _entries(ranking, first, after)
        return RankingType(
            scope=scope,
            subject=subject,
            metric=by,
            first_day=first_day,
            last_day=last_day,
            formula_version=ranking.formula_version,
            rules=ScoringRulesType.from_rules(ranking.rules),
            snapshot=None,
            grade_bands=RankingGradeBands.of(ranking.bands) if ranking.bands else None,
            entries=entries,
        )

    @strawberry.field(
        description="Frozen rankings of a scope (made nightly), newest period first.",
        extensions=allow("ranking", "read"),
    )
    async def ranking_snapshots(
        self,
        info: Info,
        scope: str,
        subject: SubjectKind | None = None,
        period: PeriodKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RankingSnapshotType]:
        page, filtered = await service.list_snapshots(
            actor=info.context.principal,
            scope_code=scope,
            subject_kind=subject,
            period_kind=period,
            page=page_request(first, after),
        )
        return connection(page, filtered, RankingSnapshotType.from_model)

    @strawberry.field(
        description="A frozen ranking, ordered by a metric under the rules frozen with it.",
        extensions=allow("ranking", "read"),
    )
    async def ranking_snapshot(
        self,
        info: Info,
        id: strawberry.ID,
        by: Metric = Metric.POINTS,
        first: int | None = None,
        after: str | None = None,
    ) -> RankingResult:
        snapshot_id = parse_uuid(id)
        if snapshot_id is None:
            raise NotFound("ranking snapshot", id, field="id")
        snapshot, ranking = await service.snapshot_ranking(
            actor=info.context.principal, snapshot_id=snapshot_id, metric=by
        )
        entries = _entries(ranking, first, after)
        return RankingType(
            scope=snapshot.scope_code,
            subject=snapshot.subject_kind,
            metric=by,
            first_day=snapshot.period_start,
            last_day=snapshot.period_end,
            formula_version=ranking.formula_version,
            rules=ScoringRulesType.from_rules(ranking.rules),
            snapshot=RankingSnapshotType.from_model(snapshot),
            grade_bands=RankingGradeBands.of(ranking.bands) if ranking.bands else None,
            entries=entries,
        )

    @strawberry.field(description="The points rules in force.", extensions=allow("ranking", "read"))
    async def scoring_rules(self, info: Info) -> ScoringRulesType:
        return ScoringRulesType.from_rules(
            await service.rules_for_reading(actor=info.context.principal)
        )

    @strawberry.field(
        description="Exemptions granted on appeal in your scope, newest first.",
        extensions=allow("exemption", "read"),
    )
    async def exemptions(
        self,
        info: Info,
        event_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ExemptionType]:
        page, filtered = await service.list_exemptions(
            actor=info.context.principal,
            page=page_request(first, after),
            event_id=(parse_uuid(event_id, "Event") or uuid.UUID(int=0)) if event_id else None,
        )
        return connection(page, filtered, ExemptionType.from_model)

    @strawberry.field(
        description="The cards of an event as given (raw facts), each marked when exempted.",
        extensions=allow("exemption", "read"),
    )
    async def event_cards(self, info: Info, event_id: strawberry.ID) -> list[CardFact]:
        parsed = parse_uuid(event_id, "Event")
        if parsed is None:
            return []
        try:
            cards = await service.event_cards(actor=info.context.principal, event_id=parsed)
        except NotFound:
            return []
        return [
            CardFact(
                id=strawberry.ID(str(card.id)),
                card=card.card,
                stage=card.stage,
                due_at=card.due_at,
                given_at=card.given_at,
                exempted=exempted,
            )
            for card, exempted in cards
        ]

    @strawberry.field(
        description="The command centre's dashboard of a scope, as of now.",
        extensions=allow("statistics", "read"),
    )
    async def dashboard(self, info: Info, scope: str) -> DashboardResult:
        board = await service.dashboard(actor=info.context.principal, scope_code=scope)
        return Dashboard.from_dashboard(board)
