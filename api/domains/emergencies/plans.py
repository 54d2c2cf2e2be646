"""The plan library (应急预案): versioned plans with departments, teams, supplies, shelters and
a template of tasks. Saving a plan under an existing code makes its next version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock, phones
from api.auth import Principal
from api.domains.emergencies import reference
from api.domains.emergencies.enums import DepartmentRole, ResponseLevel
from api.domains.emergencies.models import EmergencyPlan
from api.domains.emergencies.scope import PLAN, check, check_scope, readable_plans
from api.domains.hierarchy.models import Department
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import Level, ancestor_codes, in_subtree

MAX_ITEMS = 200  # departments, teams, supplies, shelters or tasks in one plan
MAX_TASK_HOURS = 720


@dataclass(frozen=True)
class PlanDepartment:
    department_id: uuid.UUID
    role: DepartmentRole
    duty: str


@dataclass(frozen=True)
class Team:
    name: str
    leader: str | None = None
    phone: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Supply:
    name: str
    quantity: int
    unit: str
    place: str


@dataclass(frozen=True)
class Shelter:
    name: str
    place: str
    lat: float
    lng: float
    capacity: int
    contact: str | None = None


@dataclass(frozen=True)
class TaskTemplate:
    title: str
    hours: int
    department_id: uuid.UUID | None = None
    team: str | None = None


@dataclass(frozen=True)
class PlanInput:
    code: str
    name: str
    type_code: str
    region_code: str
    highest_level: ResponseLevel
    lowest_level: ResponseLevel
    departments: list[PlanDepartment] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    supplies: list[Supply] = field(default_factory=list)
    shelters: list[Shelter] = field(default_factory=list)
    tasks: list[TaskTemplate] = field(default_factory=list)


def _text(value: str, *, field: str, limit: int) -> str:
    text = value.strip()
    if not text or len(text) > limit:
        raise ValidationFailed(
            _("{field} must be 1–{limit} characters", field=field, limit=limit), field=field
        )
    return text


def check_task_hours(hours: int, *, field: str = "hours") -> int:
    if not 1 <= hours <= MAX_TASK_HOURS:
        raise ValidationFailed(
            _("a task's limit is 1–{MAX_TASK_HOURS} hours", MAX_TASK_HOURS=MAX_TASK_HOURS),
            field=field,
        )
    return hours


async def departments_on_path(
    department_ids: set[uuid.UUID], region_code: str, *, field: str
) -> dict[uuid.UUID, Department]:
    """The departments, each of which must serve `region_code`: held at the region, above it
    or below it (on its path), never beside it; OUTSIDE_AREA otherwise."""
    found = {d.id: d for d in await Department.filter(id__in=list(department_ids))}
    for department_id in department_ids:
        department = found.get(department_id)
        if department is None:
            raise NotFound("department", department_id, field=field)
        if not (
            in_subtree(region_code, department.region_code)
            or in_subtree(department.region_code, region_code)
        ):
            raise ValidationFailed(
                _(
                    "department {name} ({region_code}) is outside {region_code2}",
                    name=department.name,
                    region_code=department.region_code,
                    region_code2=region_code,
                ),
                field=field,
                code=ErrorCode.OUTSIDE_AREA,
            )
    return found


async def save_plan(*, actor: Principal, data: PlanInput) -> EmergencyPlan:
    """Save a plan: its first version, or the next version of the plan with this code."""
    if Level.of_code(data.region_code) is None:
        raise ValidationFailed(_("regionCode must be a region code"), field="regionCode")
    check(actor, "manage", at=data.region_code, obj=PLAN)
    code = _text(data.code, field="code", limit=40)
    reference.emergency_type(data.type_code)
    if data.highest_level.rank > data.lowest_level.rank:
        raise ValidationFailed(_("highestLevel is milder than lowestLevel"), field="highestLevel")
    lists = (data.departments, data.teams, data.supplies, data.shelters, data.tasks)
    if any(len(items) > MAX_ITEMS for items in lists):
        raise ValidationFailed(
            _("at most {MAX_ITEMS} of each list in a plan", MAX_ITEMS=MAX_ITEMS), field="input"
        )
    if not any(d.role is DepartmentRole.RESPONSIBLE for d in data.departments):
        raise ValidationFailed(_("name the responsible department (牵头部门)"), field="departments")
    named = {d.department_id for d in data.departments}
    await departments_on_path(named, data.region_code, field="departments")
    for task in data.tasks:
        _text(task.title, field="tasks.title", limit=200)
        check_task_hours(task.hours, field="tasks.hours")
        if task.department_id is None and not task.team:
            raise ValidationFailed(_("a task names a department or a team"), field="tasks")
        if task.department_id is not None and task.department_id not in named:
            raise ValidationFailed(
                _("a task's department must be one of the plan's departments"), field="tasks"
            )
    for shelter in data.shelters:
        if not (-90 <= shelter.lat <= 90 and -180 <= shelter.lng <= 180) or shelter.capacity < 0:
            raise ValidationFailed(
                _("a shelter needs WGS-84 coordinates and a capacity"), field="shelters"
            )
    teams = [
        {**team.__dict__, "phone": phones.normalise(team.phone, field="teams.phone")}
        if team.phone
        else dict(team.__dict__)
        for team in data.teams
    ]
    async with in_transaction():
        previous = (
            await EmergencyPlan.filter(code=code).select_for_update().order_by("-version").first()
        )
        if previous is not None:
            check(actor, "manage", at=previous.region_code, obj=PLAN)
            previous.is_current = False
            await previous.save(update_fields=["is_current"])
        return await EmergencyPlan.create(
            id=uuid.uuid4(),
            code=code,
            version=(previous.version + 1) if previous else 1,
            name=_text(data.name, field="name", limit=200),
            type_code=data.type_code,
            region_code=data.region_code,
            highest_level=data.highest_level,
            lowest_level=data.lowest_level,
            departments=[
                {"department_id": str(d.department_id), "role": d.role.value, "duty": d.duty}
                for d in data.departments
            ],
            teams=teams,
            supplies=[dict(s.__dict__) for s in data.supplies],
            shelters=[dict(s.__dict__) for s in data.shelters],
            task_templates=[
                {
                    "title": t.title.strip(),
                    "hours": t.hours,
                    "department_id": str(t.department_id) if t.department_id else None,
                    "team": t.team,
                }
                for t in data.tasks
            ],
            is_current=True,
            created_by_id=actor.user_id,
            created_at=clock.now(),
        )


async def get_plan(*, actor: Principal, plan_id: uuid.UUID) -> EmergencyPlan:
    plan = await EmergencyPlan.filter(readable_plans(actor), id=plan_id).first()
    if plan is None:
        raise NotFound("emergency plan", plan_id)
    return plan


async def list_plans(
    *, actor: Principal, scope: str, page: PageRequest, type_code: str | None = None
) -> tuple[Page[EmergencyPlan], Any]:
    """The current version of each plan covering `scope` (from it or above) or a region
    under it, by code."""
    check_scope(actor, scope, PLAN)
    query = EmergencyPlan.filter(
        Q(region_code__startswith=scope) | Q(region_code__in=ancestor_codes(scope)),
        is_current=True,
    )
    if type_code is not None:
        query = query.filter(type_code=type_code)
    filtered = query
    if page.after is not None:
        query = query.filter(Q(code__gt=page.after))
    rows = await query.order_by("code").limit(page.first + 1)
    return make_page(rows, page, lambda plan: plan.code), filtered


def level_in_range(plan: EmergencyPlan, level: ResponseLevel) -> None:
    """The plan covers `level` (Ⅰ gravest … Ⅳ mildest), else INVALID on `level`."""
    highest, lowest = ResponseLevel(plan.highest_level), ResponseLevel(plan.lowest_level)
    if not highest.rank <= level.rank <= lowest.rank:
        raise ValidationFailed(
            _(
                "plan {name} covers levels {value}–{value2}, not {value3}",
                name=plan.name,
                value=highest.value,
                value2=lowest.value,
                value3=level.value,
            ),
            field="level",
        )
