"""GraphQL types of economic operations: money as `Money` (an exact `Decimal`, serialised as a
string, and its currency), never a float."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry

from api.domains.economy import charts, indicators, models
from api.domains.economy.enums import (
    Aggregation,
    MilestoneStatus,
    ProgressStatus,
    ProjectStatus,
    ValueStatus,
)
from api.regions import Level
from schema.events.types import Card
from schema.money import Money
from schema.types import Info

strawberry.enum(ProjectStatus, description="Planned, under construction, completed, suspended.")
strawberry.enum(MilestoneStatus, description="Pending or done.")
strawberry.enum(ProgressStatus, description="A month's progress: submitted, accepted or returned.")
strawberry.enum(
    Aggregation,
    name="IndicatorAggregation",
    description="How values add up over regions: sum, average, or last (a stock, summed).",
)
strawberry.enum(
    ValueStatus,
    name="IndicatorValueStatus",
    description="Open → submitted → accepted by the level above → locked (reopened above).",
)
strawberry.enum(
    charts.ProjectGroupBy,
    name="ProjectGroupBy",
    description="A dimension of project statistics.",
)


@strawberry.type(name="ProjectCategory", description="A kind of project (as data).")
class ProjectCategoryType:
    code: str
    name: str


@strawberry.type(name="Milestone", description="A project milestone with its due day.")
class MilestoneType:
    id: strawberry.ID
    title: str
    due_on: date
    status: MilestoneStatus
    done_at: datetime | None
    done_late: bool
    due_at: datetime | None = strawberry.field(description="While pending: when it is due.")
    card: Card = strawberry.field(description="The worst card it had.")
    note: str
    version: int

    @classmethod
    def from_model(cls, milestone: models.Milestone) -> MilestoneType:
        return cls(
            id=strawberry.ID(str(milestone.id)),
            title=milestone.title,
            due_on=milestone.due_on,
            status=MilestoneStatus(milestone.status),
            done_at=milestone.done_at,
            done_late=milestone.done_late,
            due_at=milestone.due_at,
            card=Card(milestone.card),
            note=milestone.note,
            version=milestone.version,
        )


@strawberry.type(name="ProgressReport", description="A month's progress of a project (月报).")
class ProgressReportType:
    id: strawberry.ID
    project_id: strawberry.ID
    month: date = strawberry.field(description="Its first day.")
    investment_to_date: Money
    progress_percent: Decimal
    problems: str = strawberry.field(description="What needs coordinating.")
    status: ProgressStatus
    remark: str = strawberry.field(description="The reviewer's latest remark.")
    due_at: datetime | None = strawberry.field(description="While submitted: sign-off due.")
    card: Card
    version: int

    @classmethod
    def from_model(cls, report: models.ProgressReport) -> ProgressReportType:
        return cls(
            id=strawberry.ID(str(report.id)),
            project_id=strawberry.ID(str(report.project_id)),
            month=report.month,
            investment_to_date=Money(amount=report.investment_to_date, currency=report.currency),
            progress_percent=report.progress_percent,
            problems=report.problems,
            status=ProgressStatus(report.status),
            remark=report.remark,
            due_at=report.due_at,
            card=Card(report.card),
            version=report.version,
        )


@strawberry.type(name="ProjectAttachment", description="A file of a project.")
class ProjectAttachmentType:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int
    url: str = strawberry.field(description="Download with the same credentials as /graphql.")

    @classmethod
    def from_model(cls, file: models.ProjectAttachment) -> ProjectAttachmentType:
        return cls(
            id=strawberry.ID(str(file.id)),
            filename=file.filename,
            content_type=file.content_type,
            size=file.size,
            url=f"/project-attachments/{file.id}",
        )


@strawberry.type(name="Project", description="A project (项目建设) of a region.")
class ProjectType:
    id: strawberry.ID
    name: str
    category_code: str
    region_code: str
    department_id: strawberry.ID | None
    investor_organisation_id: strawberry.ID | None = strawberry.field(
        description="The registry organisation investing, where known."
    )
    investor_name: str
    planned_investment: Money
    actual_investment: Money = strawberry.field(description="To date, as last signed off.")
    starts_on: date
    ends_on: date
    status: ProjectStatus
    location: str
    lat: float | None
    lng: float | None
    version: int
    created_at: datetime

    @strawberry.field(description="Its milestones, by due day.")
    async def milestones(self, info: Info) -> list[MilestoneType]:
        found = await info.context.loaders.project_milestones.load(self.key)
        return [MilestoneType.from_model(m) for m in found]

    @strawberry.field(description="Its files (approvals, drawings, site photos).")
    async def attachments(self, info: Info) -> list[ProjectAttachmentType]:
        found = await info.context.loaders.project_attachments.load(self.key)
        return [ProjectAttachmentType.from_model(f) for f in found]

    @strawberry.field(description="Its monthly progress reports, newest first.")
    async def progress_reports(self, info: Info) -> list[ProgressReportType]:
        found = await info.context.loaders.project_progress.load(self.key)
        return [ProgressReportType.from_model(r) for r in found]

    key: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, project: models.Project) -> ProjectType:
        return cls(
            id=strawberry.ID(str(project.id)),
            key=project.id,
            name=project.name,
            category_code=project.category_code,
            region_code=project.region_code,
            department_id=_id(project.department_id),
            investor_organisation_id=_id(project.investor_organisation_id),
            investor_name=project.investor_name,
            planned_investment=Money(amount=project.planned_investment, currency=project.currency),
            actual_investment=Money(amount=project.actual_investment, currency=project.currency),
            starts_on=project.starts_on,
            ends_on=project.ends_on,
            status=ProjectStatus(project.status),
            location=project.location,
            lat=project.lat,
            lng=project.lng,
            version=project.version,
            created_at=project.created_at,
        )


def _id(value: object) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(name="Indicator", description="An indicator definition (指标), as data.")
class IndicatorType:
    code: str
    name: str
    unit: str
    currency: str | None
    aggregation: Aggregation
    reporting_level: Level
    due_day: int = strawberry.field(description="Day of the next month a value is due.")

    @classmethod
    def from_model(cls, indicator: models.Indicator) -> IndicatorType:
        return cls(
            code=indicator.code,
            name=indicator.name,
            unit=indicator.unit,
            currency=indicator.currency,
            aggregation=Aggregation(indicator.aggregation),
            reporting_level=Level(indicator.reporting_level),
            due_day=indicator.due_day,
        )


@strawberry.type(name="IndicatorValue", description="A region's value of a month.")
class IndicatorValueType:
    id: strawberry.ID
    indicator_code: str
    region_code: str
    period: date = strawberry.field(description="The month's first day.")
    value: Decimal | None = strawberry.field(description="Exact decimal, as a string.")
    status: ValueStatus
    report_by: datetime
    submitted_at: datetime | None
    submitted_late: bool
    signed_off_at: datetime | None
    locked_at: datetime | None
    due_at: datetime | None = strawberry.field(description="The running stage's deadline.")
    card: Card = strawberry.field(description="The worst card it had.")
    note: str
    version: int

    @classmethod
    def from_model(cls, value: models.IndicatorValue) -> IndicatorValueType:
        return cls(
            id=strawberry.ID(str(value.id)),
            indicator_code=value.indicator_code,
            region_code=value.region_code,
            period=value.period,
            value=value.value,
            status=ValueStatus(value.status),
            report_by=value.report_by,
            submitted_at=value.submitted_at,
            submitted_late=value.submitted_late,
            signed_off_at=value.signed_off_at,
            locked_at=value.locked_at,
            due_at=value.due_at,
            card=Card(value.card),
            note=value.note,
            version=value.version,
        )


@strawberry.type(description="A reporting region whose value does not count yet.")
class MissingValue:
    region_code: str
    name: str
    status: ValueStatus | None = strawberry.field(description="Null: not even opened.")


@strawberry.type(
    description="A scope's figure of a month from its signed-off reporting regions only."
)
class IndicatorAggregate:
    indicator: IndicatorType
    scope: str
    period: date
    value: Decimal | None = strawberry.field(description="Null when nothing is signed off.")
    expected: int = strawberry.field(description="Reporting regions under the scope.")
    signed_off: list[str] = strawberry.field(description="Region codes counted.")
    missing: list[MissingValue] = strawberry.field(description="Regions not counted, and why.")
    complete: bool = strawberry.field(description="Every reporting region counted.")

    @classmethod
    def from_aggregate(cls, found: indicators.Aggregate) -> IndicatorAggregate:
        return cls(
            indicator=IndicatorType.from_model(found.indicator),
            scope=found.scope,
            period=found.period,
            value=found.value,
            expected=found.expected,
            signed_off=found.signed_off,
            missing=[
                MissingValue(region_code=m.region_code, name=m.name, status=m.status)
                for m in found.missing
            ],
            complete=found.complete,
        )


@strawberry.type(description="One point of an indicator's trend.")
class TrendRow:
    period: date = strawberry.field(description="The month's first day.")
    value: Decimal | None = strawberry.field(description="Signed-off figure; null if none.")
    signed_off: int = strawberry.field(description="Reporting regions counted.")
    previous_year: Decimal | None = strawberry.field(description="The same month a year before.")
    year_on_year_percent: Decimal | None = strawberry.field(description="同比, in percent.")


@strawberry.type(description="An indicator month by month under a scope, for a trend chart.")
class IndicatorTrend:
    indicator: IndicatorType
    scope: str
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    expected: int = strawberry.field(description="Reporting regions under the scope.")
    rows: list[TrendRow]


@strawberry.type(description="One bar, slice or point of a project chart.")
class ProjectStatisticsRow:
    key: str | None = strawberry.field(description="Category code or child region code.")
    period: date | None = strawberry.field(description="First day of the month they started.")
    count: int
    planned_investment: Money
    actual_investment: Money


@strawberry.type(description="Project counts and investment of a scope, grouped for a chart.")
class ProjectStatistics:
    scope: str
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    group_by: list[charts.ProjectGroupBy]
    rows: list[ProjectStatisticsRow]

    @strawberry.field(description="Projects over all rows.")
    def total(self) -> int:
        return sum(row.count for row in self.rows)
