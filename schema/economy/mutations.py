"""Mutations of economic operations: projects, milestones, progress, indicators and sign-off."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, cast

import strawberry
from strawberry.file_uploads import Upload

from api import geo
from api.domains.economy import indicators, projects
from api.domains.economy.enums import Aggregation, ProjectStatus, ValueAction
from api.errors import NotFound
from api.regions import Level
from api.uploads import UploadedFile
from schema.economy.types import (
    IndicatorType,
    IndicatorValueType,
    MilestoneType,
    ProgressReportType,
    ProjectType,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.geo import convert_to_wgs84, datum_field
from schema.money import MoneyInput
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info


def _uuid(value: strawberry.ID, what: str) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value)
    return parsed


def _optional_uuid(value: strawberry.ID | None, what: str, field: str) -> uuid.UUID | None:
    if value is None:
        return None
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value, field=field)
    return parsed


@strawberry.input(description="A milestone to plan.")
class MilestoneInput:
    title: str
    due_on: date = strawberry.field(description="The China-time day it is due.")


@strawberry.input(description="A project (项目) to register.")
class CreateProjectInput:
    name: str
    category_code: str = strawberry.field(description="A code of projectCategories.")
    region_code: str = strawberry.field(description="The region answering for it.")
    planned_investment: MoneyInput
    starts_on: date
    ends_on: date
    department_id: strawberry.ID | None = None
    investor_organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="A registry organisation, where known."
    )
    investor_name: str = ""
    status: ProjectStatus = ProjectStatus.PLANNED
    location: str = ""
    lat: float | None = None
    lng: float | None = None
    datum: geo.Datum = datum_field()
    milestones: list[MilestoneInput] = strawberry.field(
        default_factory=list, description="At most 50."
    )

    def __post_init__(self) -> None:
        convert_to_wgs84(self, self.datum)


@strawberry.type(description="The project as stored.")
class ProjectPayload:
    project: ProjectType


ProjectResult = Annotated[
    ProjectPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ProjectResult", description="Outcome of a change to a project."),
]


@strawberry.input(description="What changes of a project; fields left out stay as they are.")
class UpdateProjectInput:
    status: ProjectStatus | None = None
    ends_on: date | None = None
    planned_investment: str | None = strawberry.field(
        default=None,
        description="In the project's currency: exact decimal as text, at most 2 places, ≥ 0.",
    )
    location: str | None = None
    lat: float | None = None
    lng: float | None = None
    datum: geo.Datum = datum_field()

    def __post_init__(self) -> None:
        convert_to_wgs84(self, self.datum)


@strawberry.type(description="The milestone as stored.")
class MilestonePayload:
    milestone: MilestoneType


MilestoneResult = Annotated[
    MilestonePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MilestoneResult", description="Outcome of a change to a milestone."),
]


@strawberry.input(description="A month's progress of a project (月报).")
class ProgressInput:
    month: date = strawberry.field(description="The month's first day.")
    investment_to_date: str = strawberry.field(
        description="In the project's currency, exact decimal as text, at most 2 places; ≥ 0."
    )
    progress_percent: str = strawberry.field(description="0 to 100 as text, at most 2 places.")
    problems: str = strawberry.field(default="", description="What needs coordinating.")


@strawberry.type(description="The progress report as stored.")
class ProgressPayload:
    report: ProgressReportType


ProgressResult = Annotated[
    ProgressPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ProgressResult", description="Outcome of a change to a progress report."),
]


@strawberry.input(description="An indicator definition (指标).")
class DefineIndicatorInput:
    code: str = strawberry.field(description="e.g. fiscal_revenue")
    name: str
    unit: str = strawberry.field(description="万元, %, 户 …")
    aggregation: Aggregation
    reporting_level: Level
    due_day: int = strawberry.field(description="Day of the next month a value is due (1-28).")
    currency: str | None = strawberry.field(default=None, description="For money indicators.")


@strawberry.type(description="The indicator as stored.")
class IndicatorPayload:
    indicator: IndicatorType


IndicatorResult = Annotated[
    IndicatorPayload | ValidationError | NotFoundError,
    strawberry.union("IndicatorResult", description="Outcome of defining an indicator."),
]


@strawberry.type(description="How many regions' values were opened.")
class OpenedPeriodPayload:
    opened: int


OpenPeriodResult = Annotated[
    OpenedPeriodPayload | ValidationError | NotFoundError,
    strawberry.union("OpenPeriodResult", description="Outcome of opening a month."),
]


@strawberry.input(description="A region's value of an indicator for a month.")
class ReportIndicatorValueInput:
    indicator: str = strawberry.field(description="The indicator's code.")
    region_code: str = strawberry.field(description="A region at the indicator's level.")
    period: date = strawberry.field(description="The month's first day.")
    value: str = strawberry.field(
        description="The figure as text, exact (never a float): digits with an optional "
        'fraction, thousands may be grouped ("1,234.5"); ≥ 0, at most 16 digits before the '
        "point and 4 after. Anything else is a ValidationError on `value`."
    )
    note: str = ""
    version: int | None = strawberry.field(default=None, description="As you last saw it.")


@strawberry.type(description="The value as stored.")
class IndicatorValuePayload:
    value: IndicatorValueType


IndicatorValueResult = Annotated[
    IndicatorValuePayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("IndicatorValueResult", description="Outcome of a change to a value."),
]


@strawberry.enum(name="SignOffAction", description="What the level above does to a value.")
class SignOffAction(StrEnum):
    ACCEPT = ValueAction.ACCEPT.value
    RETURN = ValueAction.RETURN.value
    LOCK = ValueAction.LOCK.value
    REOPEN = ValueAction.REOPEN.value


@strawberry.type
class EconomyMutation:
    @strawberry.mutation(
        description="Register a project with its milestones (their clocks start).",
        extensions=allow("project", "manage"),
    )
    async def create_project(self, info: Info, input: CreateProjectInput) -> ProjectResult:
        project = await projects.create(
            actor=info.context.principal,
            fields=projects.ProjectFields(
                name=input.name,
                category_code=input.category_code,
                region_code=input.region_code,
                planned_investment=input.planned_investment.amount,
                currency=input.planned_investment.currency,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                department_id=_optional_uuid(input.department_id, "department", "departmentId"),
                investor_organisation_id=_optional_uuid(
                    input.investor_organisation_id, "organisation", "investorOrganisationId"
                ),
                investor_name=input.investor_name,
                status=input.status,
                location=input.location,
                lat=input.lat,
                lng=input.lng,
            ),
            milestones=[projects.MilestonePlan(m.title, m.due_on) for m in input.milestones],
        )
        return ProjectPayload(project=ProjectType.from_model(project))

    @strawberry.mutation(
        description="Change a project's status, end date, planned investment or location.",
        extensions=allow("project", "manage"),
    )
    async def update_project(
        self, info: Info, id: strawberry.ID, input: UpdateProjectInput, version: int | None = None
    ) -> ProjectResult:
        project = await projects.update(
            actor=info.context.principal,
            project_id=_uuid(id, "project"),
            changes=projects.ProjectChanges(
                status=input.status,
                ends_on=input.ends_on,
                planned_investment=input.planned_investment,
                location=input.location,
                lat=input.lat,
                lng=input.lng,
            ),
            version=version,
        )
        return ProjectPayload(project=ProjectType.from_model(project))

    @strawberry.mutation(
        description="Keep files of a project (multipart upload; type sniffed, size bounded).",
        extensions=allow("project", "manage"),
    )
    async def attach_project_files(
        self, info: Info, id: strawberry.ID, files: list[Upload]
    ) -> ProjectResult:
        settings = info.context.settings
        project = await projects.attach_files(
            actor=info.context.principal,
            project_id=_uuid(id, "project"),
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            files=cast("list[UploadedFile]", files),
            root=settings.attachment_dir,
            max_bytes=settings.gridgov_max_upload_bytes,
            max_files=settings.gridgov_max_upload_files,
        )
        return ProjectPayload(project=ProjectType.from_model(project))

    @strawberry.mutation(
        description="Mark a milestone reached (late if past its due day).",
        extensions=allow("project", "manage"),
    )
    async def complete_milestone(
        self, info: Info, id: strawberry.ID, note: str = "", version: int | None = None
    ) -> MilestoneResult:
        milestone = await projects.complete_milestone(
            actor=info.context.principal,
            milestone_id=_uuid(id, "milestone"),
            note=note,
            version=version,
        )
        return MilestonePayload(milestone=MilestoneType.from_model(milestone))

    @strawberry.mutation(
        description="Send a month's progress of a project up for sign-off.",
        extensions=allow("project", "manage"),
    )
    async def submit_project_progress(
        self, info: Info, project_id: strawberry.ID, input: ProgressInput
    ) -> ProgressResult:
        report = await projects.submit_progress(
            actor=info.context.principal,
            project_id=_uuid(project_id, "project"),
            progress=projects.Progress(
                month=input.month,
                investment_to_date=input.investment_to_date,
                progress_percent=input.progress_percent,
                problems=input.problems,
            ),
        )
        return ProgressPayload(report=ProgressReportType.from_model(report))

    @strawberry.mutation(
        description="Correct a returned month's progress and send it up again.",
        extensions=allow("project", "manage"),
    )
    async def resubmit_project_progress(
        self, info: Info, id: strawberry.ID, input: ProgressInput, version: int | None = None
    ) -> ProgressResult:
        report = await projects.resubmit_progress(
            actor=info.context.principal,
            report_id=_uuid(id, "progress report"),
            progress=projects.Progress(
                month=input.month,
                investment_to_date=input.investment_to_date,
                progress_percent=input.progress_percent,
                problems=input.problems,
            ),
            version=version,
        )
        return ProgressPayload(report=ProgressReportType.from_model(report))

    @strawberry.mutation(
        description="The level above signs a month's progress off, or returns it (remark).",
        extensions=allow("project", "review"),
    )
    async def review_project_progress(
        self,
        info: Info,
        id: strawberry.ID,
        accept: bool,
        remark: str = "",
        version: int | None = None,
    ) -> ProgressResult:
        report = await projects.review_progress(
            actor=info.context.principal,
            report_id=_uuid(id, "progress report"),
            accept=accept,
            remark=remark,
            version=version,
        )
        return ProgressPayload(report=ProgressReportType.from_model(report))

    @strawberry.mutation(
        description="Define an indicator (the city's).", extensions=allow("indicator", "define")
    )
    async def define_indicator(self, info: Info, input: DefineIndicatorInput) -> IndicatorResult:
        found = await indicators.define(
            actor=info.context.principal,
            definition=indicators.Definition(
                code=input.code,
                name=input.name,
                unit=input.unit,
                aggregation=input.aggregation,
                reporting_level=input.reporting_level,
                due_day=input.due_day,
                currency=input.currency,
            ),
        )
        return IndicatorPayload(indicator=IndicatorType.from_model(found))

    @strawberry.mutation(
        description="Open a month of an indicator for every reporting region under scope: "
        "their deadlines start (once each).",
        extensions=allow("indicator_value", "open"),
    )
    async def open_indicator_period(
        self, info: Info, indicator: str, scope: str, period: date
    ) -> OpenPeriodResult:
        opened = await indicators.open_period(
            actor=info.context.principal, code=indicator, period=period, scope=scope
        )
        return OpenedPeriodPayload(opened=opened)

    @strawberry.mutation(
        description="Enter and submit your region's value for a month (again until accepted).",
        extensions=allow("indicator_value", "report"),
    )
    async def report_indicator_value(
        self, info: Info, input: ReportIndicatorValueInput
    ) -> IndicatorValueResult:
        value = await indicators.submit(
            actor=info.context.principal,
            code=input.indicator,
            region_code=input.region_code,
            period=input.period,
            value=input.value,
            note=input.note,
            version=input.version,
        )
        return IndicatorValuePayload(value=IndicatorValueType.from_model(value))

    @strawberry.mutation(
        description="The level above accepts, returns (note required), locks or reopens a value.",
        extensions=allow("indicator_value", "accept"),
    )
    async def sign_off_indicator_value(
        self,
        info: Info,
        id: strawberry.ID,
        action: SignOffAction,
        note: str = "",
        version: int | None = None,
    ) -> IndicatorValueResult:
        value = await indicators.sign_off(
            actor=info.context.principal,
            value_id=_uuid(id, "indicator value"),
            action=ValueAction(action.value),
            note=note,
            version=version,
        )
        return IndicatorValuePayload(value=IndicatorValueType.from_model(value))
