"""GraphQL types of assessment and decision support (考核督办 / 辅助决策)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.domains.events.enums import Card, EventStatus, Stage
from api.domains.stats import formulas, grades, models, service, statistics
from api.domains.stats.enums import Fact, GroupBy, Metric, PeriodKind, SubjectKind
from schema.stats.norms import GridNorms

strawberry.enum(GroupBy, name="StatisticsGroupBy", description="A dimension of event statistics.")
strawberry.enum(SubjectKind, name="RankingSubject", description="What a ranking ranks.")
strawberry.enum(
    Metric, name="RankingMetric", description="What a ranking orders by (rework: lower is better)."
)
strawberry.enum(PeriodKind, name="RankingPeriod", description="Period of a frozen ranking.")
strawberry.enum(Fact, name="ScoredFact", description="A fact the points rules price.")


@strawberry.type(description="One bar, slice or point of a chart.")
class StatisticsRow:
    key: str | None = strawberry.field(
        description="The breakdown's value: category key, status, source or child region code."
    )
    period: date | None = strawberry.field(
        description="First day of the DAY/WEEK (Monday)/MONTH bucket, China time."
    )
    count: int = strawberry.field(description="Events reported.")
    open: int = strawberry.field(description="Of those, still open.")
    closed: int = strawberry.field(description="Of those, closed or evaluated.")
    yellow_cards: int = strawberry.field(description="Of those, with a yellow card as worst.")
    red_cards: int = strawberry.field(description="Of those, with a red card.")

    @classmethod
    def from_row(cls, row: statistics.Row) -> StatisticsRow:
        return cls(
            key=row.key,
            period=row.period,
            count=row.count,
            open=row.open_count,
            closed=row.closed_count,
            yellow_cards=row.yellow_count,
            red_cards=row.red_count,
        )


@strawberry.type(description="Event counts of a scope and period, grouped for a chart.")
class EventStatistics:
    scope: str
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    group_by: list[GroupBy]
    rows: list[StatisticsRow]

    @strawberry.field(description="Events over all rows.")
    def total(self) -> int:
        return sum(row.count for row in self.rows)


@strawberry.type(description="Mean time of one stage of the loop.")
class StageTime:
    stage: Stage
    average_seconds: float
    steps: int = strawberry.field(description="Steps measured.")


@strawberry.type(
    description="Assessment figures (考核指标) of a period's cases: counts and the rates "
    "computed from them (null when the denominator is 0). Formulas: README, Assessment."
)
class AssessmentFigures:
    cases: int = strawberry.field(description="立案数: filed events reported in the period.")
    closed: int = strawberry.field(description="结案数: of the cases, closed by now.")
    closed_on_time: int = strawberry.field(description="Closed with no counted card.")
    due_to_handle: int = strawberry.field(description="Dispatched, and handled or overdue.")
    handled_on_time: int = strawberry.field(description="Handled with no counted handle card.")
    handled: int = strawberry.field(description="Result submitted at least once.")
    reworked: int = strawberry.field(description="Sent back at least once by verification.")
    dispatched: int = strawberry.field(description="Dispatched at least once.")
    returned: int = strawberry.field(description="Returned by an assignee as not its remit.")
    rated: int
    satisfied: int = strawberry.field(description="Rated 4 or 5.")
    yellow_cards: int = strawberry.field(description="Counted (not exempted) yellow cards.")
    red_cards: int = strawberry.field(description="Counted (not exempted) red cards.")
    reported: int = strawberry.field(description="Events a person reported (own figures).")
    diaries_written: int = strawberry.field(
        description="Work diaries of the period's days, not returned (people's figures)."
    )
    households_visited: int = strawberry.field(
        description="Household visits in the period (people's figures)."
    )
    quota_shortfalls: int = strawberry.field(
        description="Minimums of diary quotas missed in periods ending in the period."
    )
    cohandled: int = strawberry.field(
        description="协办数: the period's cases a department co-handled (departments' figures)."
    )
    overdue: int = strawberry.field(
        description="超期数: of the cases, those with a counted card in any stage."
    )
    closure_rate: float | None = strawberry.field(description="结案率 = closed / cases.")
    on_time_closure_rate: float | None = strawberry.field(
        description="按期结案率 = closed on time / cases."
    )
    on_time_handling_rate: float | None = strawberry.field(
        description="按期处置率 = handled on time / due to handle."
    )
    rework_rate: float | None = strawberry.field(description="返工率 = reworked / handled.")
    accurate_dispatch_rate: float | None = strawberry.field(
        description="准确派遣率 = (dispatched − returned) / dispatched."
    )
    mean_satisfaction: float | None = strawberry.field(description="Mean rating, 1–5.")
    satisfied_share: float | None = strawberry.field(description="满意率 = satisfied / rated.")
    stage_times: list[StageTime]

    @classmethod
    def from_figures(cls, f: formulas.Figures) -> AssessmentFigures:
        return cls(
            cases=f.cases,
            closed=f.closed,
            closed_on_time=f.closed_on_time,
            due_to_handle=f.due_to_handle,
            handled_on_time=f.handled_on_time,
            handled=f.handled,
            reworked=f.reworked,
            dispatched=f.dispatched,
            returned=f.returned,
            rated=f.rated,
            satisfied=f.satisfied,
            yellow_cards=f.yellow_cards,
            red_cards=f.red_cards,
            reported=f.reported,
            diaries_written=f.diaries_written,
            households_visited=f.households_visited,
            quota_shortfalls=f.quota_shortfalls,
            cohandled=f.cohandled,
            overdue=f.overdue,
            closure_rate=formulas.closure_rate(f),
            on_time_closure_rate=formulas.on_time_closure_rate(f),
            on_time_handling_rate=formulas.on_time_handling_rate(f),
            rework_rate=formulas.rework_rate(f),
            accurate_dispatch_rate=formulas.accurate_dispatch_rate(f),
            mean_satisfaction=formulas.mean_satisfaction(f),
            satisfied_share=formulas.satisfied_share(f),
            stage_times=[
                StageTime(stage=Stage(stage), average_seconds=seconds, steps=f.stage_steps[stage])
                for stage, seconds in formulas.average_stage_seconds(f).items()
            ],
        )


@strawberry.type(description="Points per occurrence of one fact.")
class FactPoints:
    fact: Fact
    points: float


@strawberry.type(description="A version of the points rules (扣分/加分规则).")
class ScoringRulesType:
    version: int = strawberry.field(description="0: the built-in defaults.")
    points: list[FactPoints]
    minimum_cases: int = strawberry.field(description="Fewer cases: listed, not ranked.")
    note: str
    created_at: datetime | None

    @classmethod
    def from_rules(cls, rules: service.Rules) -> ScoringRulesType:
        return cls(
            version=rules.version,
            points=[FactPoints(fact=f, points=rules.points.get(f, 0.0)) for f in Fact],
            minimum_cases=rules.minimum_cases,
            note=rules.note,
            created_at=rules.created_at,
        )


@strawberry.type(description="One subject's place in a ranking.")
class RankingEntryType:
    rank: int | None = strawberry.field(description="1 is best; ties share; null: not ranked.")
    too_few_cases: bool = strawberry.field(description="Below the minimum sample: not ranked.")
    subject_key: str = strawberry.field(description="Department or user id, or region code.")
    label: str
    value: float | None = strawberry.field(description="The metric ranked by.")
    points: float
    grade: str | None = strawberry.field(
        description="评价等级 by the ranking's grade bands; null: not ranked or below every band."
    )
    figures: AssessmentFigures

    @classmethod
    def from_entry(cls, entry: service.RankingEntry, rules: service.Rules) -> RankingEntryType:
        ranked = entry.ranked
        return cls(
            rank=ranked.rank,
            too_few_cases=ranked.too_few_cases,
            subject_key=ranked.key,
            label=entry.label,
            value=ranked.value,
            points=formulas.points(ranked.figures, rules.points),
            grade=entry.grade,
            figures=AssessmentFigures.from_figures(ranked.figures),
        )


@strawberry.type(description="A frozen ranking: its period and the rules it was made by.")
class RankingSnapshotType:
    id: strawberry.ID
    scope: str
    subject: SubjectKind
    period: PeriodKind
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    formula_version: str
    rules_version: int
    grade_bands_version: int | None = strawberry.field(
        description="Version of the grade bands frozen with it; null: frozen before grades."
    )
    created_at: datetime

    @classmethod
    def from_model(cls, snapshot: models.RankingSnapshot) -> RankingSnapshotType:
        return cls(
            id=strawberry.ID(str(snapshot.id)),
            scope=snapshot.scope_code,
            subject=snapshot.subject_kind,
            period=snapshot.period_kind,
            first_day=snapshot.period_start,
            last_day=snapshot.period_end,
            formula_version=snapshot.formula_version,
            rules_version=snapshot.rules_version,
            grade_bands_version=(
                int(snapshot.grade_bands["version"]) if snapshot.grade_bands else None
            ),
            created_at=snapshot.created_at,
        )


@strawberry.type(description="A grade and the lowest score that earns it.")
class RankingGradeBand:
    minimum: float = strawberry.field(description="Lower bound of the score, inclusive.")
    grade: str


@strawberry.type(description="One version of the grade bands (评价等级) of a kind of subject.")
class RankingGradeBands:
    version: int
    subject: SubjectKind
    metric: Metric = strawberry.field(description="The metric whose value is the score graded.")
    bands: list[RankingGradeBand] = strawberry.field(description="Highest lower bound first.")
    effective_from: date = strawberry.field(description="In force for periods ending from then.")
    note: str

    @classmethod
    def of(cls, bands: grades.Bands) -> RankingGradeBands:
        return cls(
            version=bands.version,
            subject=bands.subject_kind,
            metric=bands.metric,
            bands=[RankingGradeBand(minimum=low, grade=name) for low, name in bands.bands],
            effective_from=bands.effective_from,
            note=bands.note,
        )


@strawberry.type(description="How many subjects of a frozen ranking got each grade.")
class RankingGradeDistribution:
    snapshot: RankingSnapshotType = strawberry.field(description="The latest frozen ranking.")
    bands: RankingGradeBands = strawberry.field(description="The bands frozen with it.")
    counts: list[NamedCount] = strawberry.field(description="Subjects per grade, bands' order.")
    ungraded: int = strawberry.field(
        description="Subjects with no grade: too few cases, no figure, or below every band."
    )

    @classmethod
    def of(cls, item: service.GradeDistribution) -> RankingGradeDistribution:
        return cls(
            snapshot=RankingSnapshotType.from_model(item.snapshot),
            bands=RankingGradeBands.of(item.bands),
            counts=[NamedCount(name=name, count=count) for name, count in item.counts],
            ungraded=item.ungraded,
        )


@strawberry.type(description="An exemption granted on appeal (申诉免责).")
class ExemptionType:
    id: strawberry.ID
    event_id: strawberry.ID
    card_id: strawberry.ID | None = strawberry.field(description="null: every card of the event.")
    region_code: str
    reason: str
    granted_by: str
    granted_at: datetime

    @classmethod
    def from_model(cls, exemption: models.Exemption) -> ExemptionType:
        return cls(
            id=strawberry.ID(str(exemption.id)),
            event_id=strawberry.ID(str(exemption.event_id)),
            card_id=strawberry.ID(str(exemption.card_id)) if exemption.card_id else None,
            region_code=exemption.region_code,
            reason=exemption.reason,
            granted_by=exemption.granted_by_label,
            granted_at=exemption.granted_at,
        )


@strawberry.type(description="A count under a name.")
class NamedCount:
    name: str
    count: int


@strawberry.type(description="A condition the operators should fix.")
class DashboardWarning:
    code: str = strawberry.field(description="CALENDAR_NOT_SEEDED: a year without its holidays.")
    message: str


@strawberry.type(description="The command centre's wall (指挥大屏) for a scope, as of now.")
class Dashboard:
    scope: str
    generated_at: datetime
    open_by_status: list[NamedCount] = strawberry.field(description="Open events by status.")
    open_by_level: list[NamedCount] = strawberry.field(
        description="Open events by the level holding them."
    )
    open_total: int
    overdue: int = strawberry.field(description="Open events past their running deadline.")
    open_yellow_cards: int
    open_red_cards: int
    reported_today: int
    closed_today: int
    busiest_categories: list[NamedCount] = strawberry.field(
        description="Most reported categories of the last 7 days."
    )
    workers_online: int = strawberry.field(description="Workers with a position in 10 minutes.")
    warnings: list[DashboardWarning] = strawberry.field(
        description="What makes the figures or deadlines unreliable, for the operators to fix."
    )
    grid_norms: GridNorms | None = strawberry.field(
        description="Grids outside their household band; households per staff member."
    )
    grade_distributions: list[RankingGradeDistribution] = strawberry.field(
        description="Per kind of subject, the grades of the scope's latest frozen ranking "
        "(rankings are frozen for cities and districts)."
    )

    @classmethod
    def from_dashboard(cls, board: service.Dashboard) -> Dashboard:
        order = {status.value: index for index, status in enumerate(EventStatus)}
        return cls(
            scope=board.scope_code,
            generated_at=board.generated_at,
            open_by_status=[
                NamedCount(name=name, count=count)
                for name, count in sorted(board.open_by_status.items(), key=lambda i: order[i[0]])
            ],
            open_by_level=[
                NamedCount(name=name, count=count) for name, count in board.open_by_level.items()
            ],
            open_total=sum(board.open_by_status.values()),
            overdue=board.overdue,
            open_yellow_cards=board.open_yellow_cards,
            open_red_cards=board.open_red_cards,
            reported_today=board.reported_today,
            closed_today=board.closed_today,
            busiest_categories=[
                NamedCount(name=name, count=count) for name, count in board.busiest_categories
            ],
            workers_online=board.workers_online,
            warnings=[DashboardWarning(code=code, message=text) for code, text in board.warnings],
            grid_norms=GridNorms.of(board.grid_norms) if board.grid_norms else None,
            grade_distributions=[
                RankingGradeDistribution.of(item) for item in board.grade_distributions
            ],
        )


@strawberry.type(description="A card as given (raw fact), and whether an exemption covers it.")
class CardFact:
    id: strawberry.ID
    card: Card
    stage: Stage
    due_at: datetime
    given_at: datetime
    exempted: bool = strawberry.field(description="An exemption keeps it out of rankings.")
