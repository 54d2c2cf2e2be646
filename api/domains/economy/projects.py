"""Projects (项目建设): registered by the region answering for them, with milestones whose due
dates the shared sweep enforces, and monthly progress reports signed off by the level above."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock, money
from api.auth import Principal
from api.domains.economy.enums import (
    MilestoneAction,
    MilestoneStage,
    MilestoneStatus,
    ProgressAction,
    ProgressStage,
    ProgressStatus,
    ProjectStatus,
)
from api.domains.economy.flow import MILESTONES, PROGRESS, end_of_day
from api.domains.economy.models import (
    MONEY_DIGITS,
    Milestone,
    ProgressReport,
    Project,
    ProjectAttachment,
    ProjectCategory,
)
from api.domains.economy.scope import by_id_page, check, month, readable, region
from api.domains.events.attachments import store_uploads
from api.domains.hierarchy.models import Department, Region
from api.domains.registry.models import Organisation
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows import moves
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest
from api.uploads import UploadedFile

MONEY_PLACES: Final = 2
MAX_MILESTONES: Final = 50
MAX_TEXT: Final = 2000


@dataclass(frozen=True, slots=True)
class MilestonePlan:
    title: str
    due_on: date


@dataclass(frozen=True, slots=True)
class ProjectFields:
    name: str
    category_code: str
    region_code: str
    planned_investment: Decimal | str
    starts_on: date
    ends_on: date
    currency: str | None = None
    department_id: uuid.UUID | None = None
    investor_organisation_id: uuid.UUID | None = None
    investor_name: str = ""
    status: ProjectStatus = ProjectStatus.PLANNED
    location: str = ""
    lat: float | None = None
    lng: float | None = None


def _bounded(value: str, *, field: str, limit: int, required: bool = False) -> str:
    cleaned = value.strip()
    if (required and not cleaned) or len(cleaned) > limit:
        raise ValidationFailed(
            _(
                "{field} is {required} to {limit} characters",
                field=field,
                required=int(required),
                limit=limit,
            ),
            field=field,
        )
    return cleaned


def _amount(value: Decimal | str, *, field: str) -> Decimal:
    return money.exact(value, field=field, digits=MONEY_DIGITS, places=MONEY_PLACES)


async def categories() -> list[ProjectCategory]:
    return await ProjectCategory.all().order_by("position", "code")


async def create(
    *, actor: Principal, fields: ProjectFields, milestones: Sequence[MilestonePlan]
) -> Project:
    """Register a project and start the clocks of its milestones."""
    region_code = region(fields.region_code)
    check(actor, "project", "manage", at=region_code)
    name = _bounded(fields.name, field="name", limit=100, required=True)
    if not await ProjectCategory.exists(code=fields.category_code):
        raise ValidationFailed(
            _("no project category {category_code}", category_code=fields.category_code),
            field="categoryCode",
            code=ErrorCode.INVALID_CODE,
        )
    if fields.ends_on < fields.starts_on:
        raise ValidationFailed(_("endsOn is before startsOn"), field="endsOn")
    if len(milestones) > MAX_MILESTONES:
        raise ValidationFailed(
            _("at most {MAX_MILESTONES} milestones", MAX_MILESTONES=MAX_MILESTONES),
            field="milestones",
        )
    plans = [
        MilestonePlan(
            _bounded(m.title, field="milestones.title", limit=100, required=True), m.due_on
        )
        for m in milestones
    ]
    if fields.lat is not None and not -90 <= fields.lat <= 90:
        raise ValidationFailed(_("lat is -90 to 90"), field="lat")
    if fields.lng is not None and not -180 <= fields.lng <= 180:
        raise ValidationFailed(_("lng is -180 to 180"), field="lng")
    if not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field="regionCode")
    if fields.department_id is not None and not await Department.exists(id=fields.department_id):
        raise NotFound("department", fields.department_id, field="departmentId")
    investor_name = _bounded(fields.investor_name, field="investorName", limit=100)
    if fields.investor_organisation_id is not None:
        organisation = await Organisation.get_or_none(id=fields.investor_organisation_id)
        if organisation is None:
            raise NotFound("organisation", fields.investor_organisation_id, field="investorId")
        investor_name = investor_name or organisation.name
    project = Project(
        id=uuid.uuid4(),
        name=name,
        category_code=fields.category_code,
        region_code=region_code,
        department_id=fields.department_id,
        investor_organisation_id=fields.investor_organisation_id,
        investor_name=investor_name,
        currency=money.currency(fields.currency),
        planned_investment=_amount(fields.planned_investment, field="plannedInvestment"),
        actual_investment=Decimal("0.00"),
        starts_on=fields.starts_on,
        ends_on=fields.ends_on,
        status=fields.status.value,
        location=_bounded(fields.location, field="location", limit=200),
        lat=fields.lat,
        lng=fields.lng,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    async with in_transaction():
        await project.save(force_create=True)
        for plan in plans:
            await _plan_milestone(actor, project, plan)
    return project


async def _plan_milestone(actor: Principal, project: Project, plan: MilestonePlan) -> Milestone:
    milestone = Milestone(
        id=uuid.uuid4(),
        project_id=project.id,
        region_code=project.region_code,
        category_code=project.category_code,
        title=plan.title,
        due_on=plan.due_on,
        status=MilestoneStatus.PENDING.value,
        flow_version=MILESTONES.version,
        created_at=clock.now(),
    )
    await moves.start(
        MILESTONES, milestone, actor=actor, action=MilestoneAction.PLAN, stage=MilestoneStage.DUE
    )
    return milestone


async def get(*, actor: Principal, project_id: uuid.UUID) -> Project:
    found = await Project.filter(readable(actor, "project"), id=project_id).first()
    if found is None:
        raise NotFound("project", project_id)
    return found


async def of_scope(
    *,
    actor: Principal,
    scope: str,
    category_code: str | None,
    status: ProjectStatus | None,
    page: PageRequest,
) -> tuple[Page[Project], QuerySet[Project]]:
    """Projects under `scope`."""
    scope = region(scope, field="scope")
    check(actor, "project", "read", at=scope, field="scope")
    query = Project.filter(region_code__startswith=scope)
    if category_code is not None:
        query = query.filter(category_code=category_code)
    if status is not None:
        query = query.filter(status=status.value)
    return await by_id_page(query, page), query


async def milestones_of(project_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Milestone]]:
    """The milestones of readable projects, by due date."""
    grouped: dict[uuid.UUID, list[Milestone]] = {}
    for milestone in await Milestone.filter(project_id__in=list(project_ids)).order_by(
        "due_on", "id"
    ):
        grouped.setdefault(milestone.project_id, []).append(milestone)
    return grouped


async def progress_of(project_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ProgressReport]]:
    """The progress reports of readable projects, newest month first."""
    grouped: dict[uuid.UUID, list[ProgressReport]] = {}
    for report in await ProgressReport.filter(project_id__in=list(project_ids)).order_by("-month"):
        grouped.setdefault(report.project_id, []).append(report)
    return grouped


async def complete_milestone(
    *, actor: Principal, milestone_id: uuid.UUID, note: str = "", version: int | None = None
) -> Milestone:
    """Mark a milestone reached (late if past its due day: the card it had stays)."""
    note = _bounded(note, field="note", limit=MAX_TEXT)
    async with moves.transition(
        MILESTONES,
        actor=actor,
        record_id=milestone_id,
        action=MilestoneAction.COMPLETE,
        note=note,
        scope=readable(actor, "project"),
        expected_version=version,
        authorize=lambda m: check(actor, "project", "manage", at=m.region_code, field="id"),
    ) as move:
        move.record.done_at = move.now
        move.record.done_late = end_of_day(move.record.due_on) < move.now
        move.record.note = note
    return move.record


@dataclass(frozen=True, slots=True)
class Progress:
    month: date
    investment_to_date: Decimal | str
    progress_percent: Decimal | str
    problems: str = ""


async def submit_progress(
    *, actor: Principal, project_id: uuid.UUID, progress: Progress
) -> ProgressReport:
    """A month's progress of a project, sent up for sign-off (once a month: a returned one is
    resubmitted)."""
    period = month(progress.month, field="month")
    if period > clock.now().astimezone(LOCAL).date():
        raise ValidationFailed(_("the month has not begun"), field="month")
    percent = money.exact(progress.progress_percent, field="progressPercent", digits=5, places=2)
    if percent > 100:
        raise ValidationFailed(_("progressPercent is 0 to 100"), field="progressPercent")
    problems = _bounded(progress.problems, field="problems", limit=MAX_TEXT)
    project = await get(actor=actor, project_id=project_id)
    check(actor, "project", "manage", at=project.region_code, field="projectId")
    invested = _amount(progress.investment_to_date, field="investmentToDate")
    report = ProgressReport(
        id=uuid.uuid4(),
        project_id=project.id,
        region_code=project.region_code,
        category_code=project.category_code,
        month=period,
        currency=project.currency,
        investment_to_date=invested,
        progress_percent=percent,
        problems=problems,
        submitted_by_id=actor.user_id,
        status=ProgressStatus.SUBMITTED.value,
        flow_version=PROGRESS.version,
        created_at=clock.now(),
    )
    try:
        async with in_transaction():
            await moves.start(
                PROGRESS,
                report,
                actor=actor,
                action=ProgressAction.SUBMIT,
                stage=ProgressStage.REVIEW,
                note=problems,
            )
    except IntegrityError as error:
        raise Conflict(
            _("the progress of {period:%Y-%m} is reported: resubmit it if returned", period=period),
            field="month",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error
    return report


async def review_progress(
    *,
    actor: Principal,
    report_id: uuid.UUID,
    accept: bool,
    remark: str = "",
    version: int | None = None,
) -> ProgressReport:
    """The level above signs a month's progress off (its investment then counts as the
    project's) or returns it with a remark."""
    remark = _bounded(remark, field="remark", limit=MAX_TEXT, required=not accept)
    action = ProgressAction.ACCEPT if accept else ProgressAction.RETURN
    async with moves.transition(
        PROGRESS,
        actor=actor,
        record_id=report_id,
        action=action,
        note=remark,
        scope=readable(actor, "project"),
        expected_version=version,
        authorize=lambda r: check(actor, "project", "review", at=r.region_code, field="id"),
    ) as move:
        report = move.record
        report.reviewed_by_id = actor.user_id
        report.remark = remark
        if accept:

            async def count_investment() -> None:
                # the newest accepted month is the project's investment to date
                newest = (
                    await ProgressReport.filter(
                        project_id=report.project_id, status=ProgressStatus.ACCEPTED.value
                    )
                    .order_by("-month")
                    .first()
                )
                if newest is not None:
                    await Project.filter(id=report.project_id).update(
                        actual_investment=newest.investment_to_date
                    )

            move.then(count_investment)
    return move.record


async def resubmit_progress(
    *, actor: Principal, report_id: uuid.UUID, progress: Progress, version: int | None = None
) -> ProgressReport:
    """Correct a returned month's progress and send it up again."""
    percent = money.exact(progress.progress_percent, field="progressPercent", digits=5, places=2)
    if percent > 100:
        raise ValidationFailed(_("progressPercent is 0 to 100"), field="progressPercent")
    invested = _amount(progress.investment_to_date, field="investmentToDate")
    problems = _bounded(progress.problems, field="problems", limit=MAX_TEXT)
    async with moves.transition(
        PROGRESS,
        actor=actor,
        record_id=report_id,
        action=ProgressAction.RESUBMIT,
        note=problems,
        scope=readable(actor, "project"),
        expected_version=version,
        authorize=lambda r: check(actor, "project", "manage", at=r.region_code, field="id"),
    ) as move:
        move.record.investment_to_date = invested
        move.record.progress_percent = percent
        move.record.problems = problems
    return move.record


@dataclass(frozen=True, slots=True)
class ProjectChanges:
    """What changes as a project goes on: its status, dates, plan and place (None: as is)."""

    status: ProjectStatus | None = None
    ends_on: date | None = None
    planned_investment: Decimal | str | None = None
    location: str | None = None
    lat: float | None = None
    lng: float | None = None


async def update(
    *, actor: Principal, project_id: uuid.UUID, changes: ProjectChanges, version: int | None
) -> Project:
    """Change a project's status, end date, planned investment or location."""
    async with in_transaction():
        project = (
            await Project.filter(readable(actor, "project"), id=project_id)
            .select_for_update()
            .first()
        )
        if project is None:
            raise NotFound("project", project_id)
        check(actor, "project", "manage", at=project.region_code, field="id")
        if version is not None and project.version != version:
            raise Conflict(
                _(
                    "the project changed meanwhile (version {version}, you saw {version2})",
                    version=project.version,
                    version2=version,
                ),
                field="version",
            )
        if changes.status is not None:
            project.status = changes.status.value
        if changes.ends_on is not None:
            if changes.ends_on < project.starts_on:
                raise ValidationFailed(_("endsOn is before startsOn"), field="endsOn")
            project.ends_on = changes.ends_on
        if changes.planned_investment is not None:
            project.planned_investment = _amount(
                changes.planned_investment, field="plannedInvestment"
            )
        if changes.location is not None:
            project.location = _bounded(changes.location, field="location", limit=200)
        if changes.lat is not None:
            if not -90 <= changes.lat <= 90:
                raise ValidationFailed(_("lat is -90 to 90"), field="lat")
            project.lat = changes.lat
        if changes.lng is not None:
            if not -180 <= changes.lng <= 180:
                raise ValidationFailed(_("lng is -180 to 180"), field="lng")
            project.lng = changes.lng
        project.version += 1
        await project.save()
    return project


MAX_ATTACHMENTS: Final = 50  # per project, over all uploads


async def attach_files(
    *,
    actor: Principal,
    project_id: uuid.UUID,
    files: Sequence[UploadedFile],
    root: Path,
    max_bytes: int,
    max_files: int,
) -> Project:
    """Keep files of a project (type sniffed, size bounded, stored by hash)."""
    project = await get(actor=actor, project_id=project_id)
    check(actor, "project", "manage", at=project.region_code, field="id")
    if await ProjectAttachment.filter(project_id=project.id).count() + len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("a project keeps at most {MAX_ATTACHMENTS} files", MAX_ATTACHMENTS=MAX_ATTACHMENTS),
            field="files",
        )
    stored = await store_uploads(files, root=root, max_bytes=max_bytes, max_files=max_files)
    await ProjectAttachment.bulk_create(
        [
            ProjectAttachment(
                id=uuid.uuid4(),
                project_id=project.id,
                sha256=file.sha256,
                content_type=file.content_type,
                size=file.size,
                filename=file.filename,
                uploaded_by_id=actor.user_id or actor.api_key_id,
                created_at=clock.now(),
            )
            for file in stored
        ]
    )
    return project


async def attachments_of(
    project_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[ProjectAttachment]]:
    found: dict[uuid.UUID, list[ProjectAttachment]] = {}
    rows = await ProjectAttachment.filter(project_id__in=list(project_ids)).order_by(
        "created_at", "id"
    )
    for row in rows:
        found.setdefault(row.project_id, []).append(row)
    return found


async def readable_attachment(*, actor: Principal, attachment_id: uuid.UUID) -> ProjectAttachment:
    """A file of a project the caller may read; anything else is not found."""
    attachment = await ProjectAttachment.get_or_none(id=attachment_id)
    if (
        attachment is None
        or not await Project.filter(readable(actor, "project"), id=attachment.project_id).exists()
    ):
        raise NotFound("attachment", attachment_id)
    return attachment
