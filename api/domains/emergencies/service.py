"""Incidents (突发事件) from intake to end on the flow kernel: opening from a call, a hotline work
order or an URGENT/MAJOR event, verifying and activating a plan, level changes, situation
reports, the affected area, recovery and the end with its record."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock, phones
from api.auth import Principal
from api.domains.accounts.models import User
from api.domains.emergencies import reference
from api.domains.emergencies.enums import (
    IncidentAction,
    IncidentSource,
    IncidentStage,
    IncidentStatus,
    OpenTasksOnEnd,
    ResponseLevel,
    TaskAction,
    TaskStage,
    TaskStatus,
)
from api.domains.emergencies.flow import INCIDENTS, REPORT_WHILE_RECOVERING, TASKS
from api.domains.emergencies.models import EmergencyPlan, Incident, IncidentTask, SituationReport
from api.domains.emergencies.plans import check_task_hours, departments_on_path, level_in_range
from api.domains.emergencies.scope import (
    TASK,
    check,
    check_scope,
    may_complete,
    readable,
    readable_plans,
)
from api.domains.events import service as events
from api.domains.events.enums import Priority
from api.domains.intake.models import WorkOrder
from api.domains.positions import service as positions
from api.domains.positions.models import LatestPosition
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows import moves as flows
from api.flows.calendar import LOCAL
from api.flows.models import FlowStep
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level, ancestor_at

MAX_NOTE = 2000
MAX_TASKS_PER_INCIDENT = 500


@dataclass(frozen=True)
class IncidentInput:
    title: str
    description: str
    type_code: str
    region_code: str
    source: IncidentSource
    drill: bool = False
    caller_name: str | None = None
    caller_phone: str | None = None
    ticket_id: str | None = None  # a hotline work order's ticket
    lat: float | None = None
    lng: float | None = None
    address: str | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True)
class SituationInput:
    observed_at: datetime
    affected_scope: str
    progress: str
    deaths: int = 0
    injuries: int = 0
    missing: int = 0


def _text(value: str, *, field: str, limit: int, empty: bool = False) -> str:
    text = value.strip()
    if (not text and not empty) or len(text) > limit or "\x00" in text:
        raise ValidationFailed(
            _("{field} must be 1–{limit} characters", field=field, limit=limit), field=field
        )
    return text


async def _number(region_code: str, now: datetime) -> str:
    """YJ + district + local date + the district's daily sequence: YJ410611-20261207-001 (the
    events' per-region daily counter, under a key of its own)."""
    district = region_code if len(region_code) < 6 else ancestor_at(region_code, Level.DISTRICT)
    day = now.astimezone(LOCAL).date()
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO case_counters (region_code, day, last_number) VALUES ($1, $2, 1) "
        "ON CONFLICT (region_code, day) DO UPDATE SET last_number = case_counters.last_number + 1 "
        "RETURNING last_number",
        [f"YJ{district}", day],
    )
    return f"YJ{district}-{day:%Y%m%d}-{rows[0]['last_number']:03d}"


async def open_incident(*, actor: Principal, data: IncidentInput) -> Incident:
    """接报: record a reported emergency for verification (a call, a hotline work order, or a
    centre's own report)."""
    if Level.of_code(data.region_code) is None:
        raise ValidationFailed(_("regionCode must be a region code"), field="regionCode")
    check(actor, "open", at=data.region_code)
    reference.emergency_type(data.type_code)
    if (data.lat is None) != (data.lng is None) or (
        data.lat is not None
        and data.lng is not None
        and not (-90 <= data.lat <= 90 and -180 <= data.lng <= 180)
    ):
        raise ValidationFailed(_("location needs WGS-84 lat and lng"), field="location")
    if data.source is IncidentSource.EVENT:
        raise ValidationFailed(
            _("open an event's incident with openIncidentFromEvent"), field="source"
        )
    event_id = None
    if data.source is IncidentSource.HOTLINE:
        if not data.ticket_id:
            raise ValidationFailed(_("a hotline report names its work order"), field="ticketId")
        work_order = await WorkOrder.get_or_none(ticket_id=data.ticket_id)
        if work_order is None or work_order.event_id is None:
            raise NotFound("work order", data.ticket_id, field="ticketId")
        event_id = (await events.get_event(actor=actor, event_id=work_order.event_id)).id
    now = clock.now()
    reported_at = data.reported_at or now
    if reported_at > now:
        raise ValidationFailed(_("reportedAt is in the future"), field="reportedAt")
    return await _open(
        actor,
        data,
        event_id=event_id,
        now=now,
        reported_at=reported_at,
        caller_phone=phones.normalise(data.caller_phone, field="callerPhone")
        if data.caller_phone
        else None,
    )


async def _open(
    actor: Principal,
    data: IncidentInput,
    *,
    event_id: uuid.UUID | None,
    now: datetime,
    reported_at: datetime,
    caller_phone: str | None,
) -> Incident:
    centre = next(
        (a.region_code for a in actor.assignments if data.region_code.startswith(a.region_code)),
        data.region_code,
    )
    async with in_transaction():
        if event_id is not None and await Incident.exists(event_id=event_id):
            raise Conflict(_("this event already has an incident"), code=ErrorCode.ALREADY_EXISTS)
        incident = Incident(
            id=uuid.uuid4(),
            number=await _number(data.region_code, now),
            title=_text(data.title, field="title", limit=200),
            description=_text(data.description, field="description", limit=MAX_NOTE),
            type_code=data.type_code,
            drill=data.drill,
            source=data.source,
            caller_name=data.caller_name.strip()[:50] if data.caller_name else None,
            caller_phone=caller_phone,
            work_order_ticket=data.ticket_id,
            event_id=event_id,
            region_code=data.region_code,
            centre_region_code=centre,
            lat=data.lat,
            lng=data.lng,
            address=data.address.strip()[:200] if data.address else None,
            status=IncidentStatus.VERIFYING,
            reported_at=reported_at,
            created_by_id=actor.user_id,
        )
        await flows.start(
            INCIDENTS,
            incident,
            actor=actor,
            action=IncidentAction.OPEN,
            stage=IncidentStage.VERIFY,
            note=f"{data.source.value}{' (演练)' if data.drill else ''}",
        )
    return incident


async def open_from_event(
    *, actor: Principal, event_id: uuid.UUID, type_code: str, drill: bool = False
) -> Incident:
    """An URGENT or MAJOR event becomes an incident in one step (linked both ways: the
    incident names the event, `incident_of_event` finds it)."""
    event = await events.get_event(actor=actor, event_id=event_id)
    if event.priority not in (Priority.URGENT, Priority.MAJOR):
        raise ValidationFailed(
            _("only an URGENT or MAJOR event opens an incident"), field="eventId"
        )
    check(actor, "open", at=event.region_code)
    reference.emergency_type(type_code)
    data = IncidentInput(
        title=event.title,
        description=event.description,
        type_code=type_code,
        region_code=event.region_code,
        source=IncidentSource.EVENT,
        drill=drill,
        lat=event.lat,
        lng=event.lng,
        address=event.address,
    )
    now = clock.now()
    return await _open(
        actor, data, event_id=event.id, now=now, reported_at=event.reported_at, caller_phone=None
    )


async def get_incident(*, actor: Principal, incident_id: uuid.UUID) -> Incident:
    incident = await Incident.filter(readable(actor), id=incident_id).first()
    if incident is None:
        raise NotFound("incident", incident_id)
    return incident


async def incident_of_event(*, actor: Principal, event_id: uuid.UUID) -> Incident | None:
    """The incident an event became, if any and readable."""
    return await Incident.filter(readable(actor), event_id=event_id).first()


async def list_incidents(
    *,
    actor: Principal,
    scope: str,
    page: PageRequest,
    status: IncidentStatus | None = None,
    drill: bool | None = None,
) -> tuple[Page[Incident], Any]:
    """Incidents under `scope`, newest report first."""
    check_scope(actor, scope)
    query = Incident.filter(readable(actor), region_code__startswith=scope)
    if status is not None:
        query = query.filter(status=status)
    if drill is not None:
        query = query.filter(drill=drill)
    filtered = query
    if page.after is not None:
        at, key = split_cursor(page.after)
        query = query.filter(Q(reported_at__lt=at) | Q(reported_at=at, id__lt=key))
    rows = await query.order_by("-reported_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda i: f"{i.reported_at.isoformat()}|{i.id}"), filtered


def _authorize(actor: Principal, action: str) -> Any:
    return lambda incident: check(actor, action, at=incident.region_code)


async def dismiss(
    *, actor: Principal, incident_id: uuid.UUID, note: str, version: int | None = None
) -> Incident:
    """核实不属实: the report was checked and is no emergency (the reply is the note)."""
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.DISMISS,
        note=_text(note, field="note", limit=MAX_NOTE),
        scope=readable(actor),
        expected_version=version,
        authorize=_authorize(actor, "verify"),
    ) as move:
        pass
    return move.record


async def activate(
    *,
    actor: Principal,
    incident_id: uuid.UUID,
    plan_id: uuid.UUID | None,
    level: ResponseLevel | None,
    commander_id: uuid.UUID | None,
    note: str = "",
    version: int | None = None,
) -> Incident:
    """启动预案: verified; the plan (its current version) runs at `level` under the commander,
    and its tasks go to the departments and teams it names."""
    if plan_id is None:
        raise ValidationFailed(_("choose the plan to activate"), field="planId")
    if commander_id is None:
        raise ValidationFailed(_("name the incident commander"), field="commanderId")
    if level is None:
        raise ValidationFailed(_("set the response level"), field="level")
    plan = await EmergencyPlan.filter(readable_plans(actor), id=plan_id).first()
    if plan is None:
        raise NotFound("emergency plan", plan_id, field="planId")
    level_in_range(plan, level)
    commander = await User.get_or_none(id=commander_id, is_active=True)
    if commander is None:
        raise NotFound("user", commander_id, field="commanderId")
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.ACTIVATE,
        note=_text(note, field="note", limit=MAX_NOTE, empty=True)
        or f"{plan.name} v{plan.version}, level {level.value}",
        scope=readable(actor),
        expected_version=version,
        authorize=_authorize(actor, "verify"),
    ) as move:
        incident = move.record
        if not incident.region_code.startswith(plan.region_code):
            raise ValidationFailed(
                _(
                    "plan {name} covers {region_code}, not {region_code2}",
                    name=plan.name,
                    region_code=plan.region_code,
                    region_code2=incident.region_code,
                ),
                field="planId",
                code=ErrorCode.OUTSIDE_AREA,
            )
        templates = plan.task_templates
        await departments_on_path(
            {uuid.UUID(t["department_id"]) for t in templates if t["department_id"]},
            incident.region_code,
            field="planId",
        )
        if incident.type_code[:2] != plan.type_code[:2]:
            raise ValidationFailed(_("the plan is for another kind of emergency"), field="planId")
        incident.plan_id, incident.level, incident.commander_id = plan.id, level, commander.id
        await move.tell(
            [commander.id],
            kind="emergency",
            title=_("You are named on-site commander: {title}", title=incident.title),
        )

        async def create_tasks() -> None:
            for template in templates:
                await _start_task(
                    actor,
                    incident,
                    title=template["title"],
                    hours=template["hours"],
                    department_id=uuid.UUID(template["department_id"])
                    if template["department_id"]
                    else None,
                    team=template["team"],
                )

        move.then(create_tasks)
    return move.record


async def _start_task(
    actor: Principal,
    incident: Incident,
    *,
    title: str,
    hours: int,
    department_id: uuid.UUID | None,
    team: str | None,
) -> IncidentTask:
    task = IncidentTask(
        id=uuid.uuid4(),
        incident_id=incident.id,
        title=title,
        department_id=department_id,
        team=team,
        hours=hours,
        commander_id=incident.commander_id,
        region_code=incident.region_code,
        drill=incident.drill,
        status=TaskStatus.OPEN,
        created_at=clock.now(),
    )
    await flows.start(TASKS, task, actor=actor, action=TaskAction.ASSIGN, stage=TaskStage.DO)
    return task


async def change_level(
    *,
    actor: Principal,
    incident_id: uuid.UUID,
    level: ResponseLevel,
    note: str,
    version: int | None = None,
) -> Incident:
    """升级/降级: the response level changes within the plan's range; the timeline keeps the
    change with its reason."""
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.CHANGE_LEVEL,
        scope=readable(actor),
        expected_version=version,
        authorize=_authorize(actor, "command"),
    ) as move:
        incident = move.record
        plan = await EmergencyPlan.get(id=incident.plan_id)
        level_in_range(plan, level)
        if incident.level == level:
            raise ValidationFailed(
                _("the incident is at level {value} already", value=level.value), field="level"
            )
        reason = _text(note, field="note", limit=MAX_NOTE)
        move.note = f"{incident.level} → {level.value}: {reason}"
        incident.level = level
    return move.record


async def report_situation(
    *, actor: Principal, incident_id: uuid.UUID, data: SituationInput
) -> tuple[Incident, SituationReport]:
    """续报: a situation report (时间, 伤亡, 影响范围, 处置进展), numbered in order; while the
    incident is active it restarts the clock of the next one."""
    if min(data.deaths, data.injuries, data.missing) < 0:
        raise ValidationFailed(_("casualty counts are not negative"), field="casualties")
    if data.observed_at > clock.now():
        raise ValidationFailed(_("observedAt is in the future"), field="observedAt")
    scope_text = _text(data.affected_scope, field="affectedScope", limit=MAX_NOTE)
    progress = _text(data.progress, field="progress", limit=MAX_NOTE)
    current = await get_incident(actor=actor, incident_id=incident_id)
    chosen = REPORT_WHILE_RECOVERING if current.status == IncidentStatus.RECOVERING else None
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.REPORT_SITUATION,
        scope=readable(actor),
        authorize=_authorize(actor, "report"),
        chosen=chosen,
    ) as move:
        last = await SituationReport.filter(incident_id=incident_id).order_by("-number").first()
        report = await SituationReport.create(
            id=uuid.uuid4(),
            incident_id=incident_id,
            number=(last.number + 1) if last else 1,
            observed_at=data.observed_at,
            deaths=data.deaths,
            injuries=data.injuries,
            missing=data.missing,
            affected_scope=scope_text,
            progress=progress,
            author_id=actor.user_id,
            created_at=move.now,
        )
        move.note = (
            f"第{report.number}报: 死亡{data.deaths} 受伤{data.injuries} 失踪{data.missing}; {progress}"
        )[:MAX_NOTE]
    return move.record, report


def _polygon(area: Any) -> dict[str, Any]:
    """A GeoJSON Polygon in WGS-84: closed rings of at least four positions, within range."""
    if not isinstance(area, dict) or area.get("type") != "Polygon":
        raise ValidationFailed(_("affectedArea must be a GeoJSON Polygon"), field="affectedArea")
    rings = area.get("coordinates")
    if not isinstance(rings, list) or not rings or len(rings) > 20:
        raise ValidationFailed(_("a Polygon has 1–20 rings"), field="affectedArea")
    for ring in rings:
        if not isinstance(ring, list) or not 4 <= len(ring) <= 5000:
            raise ValidationFailed(_("a ring has 4–5000 positions"), field="affectedArea")
        for position in ring:
            if (
                not isinstance(position, list)
                or len(position) not in (2, 3)
                or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                    for v in position
                )
                or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90)
            ):
                raise ValidationFailed(
                    _("positions are [longitude, latitude] in WGS-84"), field="affectedArea"
                )
        if ring[0] != ring[-1]:
            raise ValidationFailed(_("a ring ends where it starts"), field="affectedArea")
    return {"type": "Polygon", "coordinates": rings}


async def set_affected_area(
    *, actor: Principal, incident_id: uuid.UUID, area: Any, note: str = ""
) -> Incident:
    """影响范围: the affected area as a GeoJSON polygon (what a CAP alert's area carries)."""
    polygon = _polygon(area)
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.SET_AREA,
        note=_text(note, field="note", limit=MAX_NOTE, empty=True),
        scope=readable(actor),
        authorize=_authorize(actor, "report"),
    ) as move:
        move.record.affected_area = polygon
    return move.record


async def recover(
    *, actor: Principal, incident_id: uuid.UUID, note: str, version: int | None = None
) -> Incident:
    """转入恢复重建: the emergency response stands down into recovery."""
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.RECOVER,
        note=_text(note, field="note", limit=MAX_NOTE),
        scope=readable(actor),
        expected_version=version,
        authorize=_authorize(actor, "command"),
    ) as move:
        pass
    return move.record


async def end(
    *,
    actor: Principal,
    incident_id: uuid.UUID,
    summary: str,
    open_tasks: OpenTasksOnEnd | None = None,
    version: int | None = None,
) -> Incident:
    """应急结束: the commander ends the incident with a summary; open tasks are cancelled or
    carried over, never left open (a CONFLICT names how many when `open_tasks` is not given)."""
    text = _text(summary, field="summary", limit=10000)
    async with flows.transition(
        INCIDENTS,
        actor=actor,
        record_id=incident_id,
        action=IncidentAction.END,
        note=text[:MAX_NOTE],
        scope=readable(actor),
        expected_version=version,
        authorize=_authorize(actor, "command"),
    ) as move:
        incident = move.record
        remaining = [
            task.id
            for task in await IncidentTask.filter(
                incident_id=incident_id, status=TaskStatus.OPEN
            ).only("id")
        ]
        if remaining and open_tasks is None:
            raise Conflict(
                _(
                    "{remaining_count} task(s) are still open: cancel or carry them over (openTasks)",
                    remaining_count=len(remaining),
                ),
                field="openTasks",
            )
        incident.summary = text
        action = TaskAction.CANCEL if open_tasks is OpenTasksOnEnd.CANCEL else TaskAction.CARRY_OVER
        for task_id in remaining:
            async with flows.transition(
                TASKS, actor=actor, record_id=task_id, action=action, note="应急结束"
            ):
                pass
    return move.record


async def add_task(
    *,
    actor: Principal,
    incident_id: uuid.UUID,
    title: str,
    hours: int,
    department_id: uuid.UUID | None,
    team: str | None,
) -> IncidentTask:
    """A task beyond the plan's, for a department on the incident's path or a team."""
    check_task_hours(hours)
    text = _text(title, field="title", limit=200)
    if department_id is None and not (team and team.strip()):
        raise ValidationFailed(_("a task names a department or a team"), field="departmentId")
    async with in_transaction():
        incident = (
            await Incident.filter(readable(actor), id=incident_id).select_for_update().first()
        )
        if incident is None:
            raise NotFound("incident", incident_id)
        check(actor, "command", at=incident.region_code)
        if incident.status not in (IncidentStatus.ACTIVE, IncidentStatus.RECOVERING):
            raise Conflict(
                _(
                    "tasks are added to an active or recovering incident, not a {status} one",
                    status=incident.status,
                ),
                code=ErrorCode.INVALID_TRANSITION,
            )
        if department_id is not None:
            await departments_on_path({department_id}, incident.region_code, field="departmentId")
        if await IncidentTask.filter(incident_id=incident_id).count() >= MAX_TASKS_PER_INCIDENT:
            raise ValidationFailed(
                _(
                    "at most {MAX_TASKS_PER_INCIDENT} tasks",
                    MAX_TASKS_PER_INCIDENT=MAX_TASKS_PER_INCIDENT,
                ),
                field="incidentId",
            )
        return await _start_task(
            actor,
            incident,
            title=text,
            hours=hours,
            department_id=department_id,
            team=team.strip()[:100] if team else None,
        )


def _task_scope(actor: Principal) -> Q:
    return readable(actor, TASK)


async def reassign_task(
    *,
    actor: Principal,
    task_id: uuid.UUID,
    department_id: uuid.UUID | None,
    team: str | None,
    note: str,
) -> IncidentTask:
    """改派: the task goes to another department or team; its deadline stands."""
    if department_id is None and not (team and team.strip()):
        raise ValidationFailed(_("name a department or a team"), field="departmentId")
    async with flows.transition(
        TASKS,
        actor=actor,
        record_id=task_id,
        action=TaskAction.REASSIGN,
        note=_text(note, field="note", limit=MAX_NOTE),
        scope=_task_scope(actor),
        authorize=lambda task: check(actor, "command", at=task.region_code),
    ) as move:
        task = move.record
        if department_id is not None:
            await departments_on_path({department_id}, task.region_code, field="departmentId")
        task.department_id = department_id
        task.team = team.strip()[:100] if team else None
    return move.record


async def complete_task(
    *,
    actor: Principal,
    task_id: uuid.UUID,
    result: str,
    attachment_ids: Sequence[str] = (),
    version: int | None = None,
) -> IncidentTask:
    """完成: the department or team reports the task done, with its result and attachments."""
    text = _text(result, field="result", limit=MAX_NOTE)
    if len(attachment_ids) > 20 or any(not 1 <= len(a) <= 100 for a in attachment_ids):
        raise ValidationFailed(_("at most 20 attachment ids"), field="attachmentIds")
    async with flows.transition(
        TASKS,
        actor=actor,
        record_id=task_id,
        action=TaskAction.COMPLETE,
        note=text,
        scope=_task_scope(actor),
        expected_version=version,
        authorize=lambda task: may_complete(
            actor, region_code=task.region_code, department_id=task.department_id
        ),
    ) as move:
        move.record.result = text
        move.record.attachment_ids = list(attachment_ids)
        move.attachment_ids = list(attachment_ids)
    return move.record


async def get_task(*, actor: Principal, task_id: uuid.UUID) -> IncidentTask:
    task = await IncidentTask.filter(_task_scope(actor), id=task_id).first()
    if task is None:
        raise NotFound("task", task_id)
    return task


# What incidents' records hold (their tasks, reports, timelines), one query per relation for a
# page of incidents.


def _grouped(rows: Sequence[Any], key: str) -> dict[uuid.UUID, list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


async def tasks_of(incident_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[IncidentTask]]:
    rows = await IncidentTask.filter(incident_id__in=list(incident_ids)).order_by(
        "created_at", "id"
    )
    return _grouped(rows, "incident_id")


async def reports_of(
    incident_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[SituationReport]]:
    rows = await SituationReport.filter(incident_id__in=list(incident_ids)).order_by(
        "incident_id", "number"
    )
    return _grouped(rows, "incident_id")


async def timelines_of(incident_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[FlowStep]]:
    """Each incident's steps and its tasks' steps, in order."""
    tasks = dict(
        await IncidentTask.filter(incident_id__in=list(incident_ids)).values_list(
            "id", "incident_id"
        )
    )
    steps = await FlowStep.filter(
        Q(flow=INCIDENTS.name, record_id__in=list(incident_ids))
        | Q(flow=TASKS.name, record_id__in=list(tasks))
    ).order_by("id")
    grouped: dict[uuid.UUID, list[FlowStep]] = {}
    for step in steps:
        owner = (
            tasks.get(step.record_id, step.record_id) if step.flow == TASKS.name else step.record_id
        )
        grouped.setdefault(owner, []).append(step)
    return grouped


async def plans_by_id(plan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, EmergencyPlan]:
    return {plan.id: plan for plan in await EmergencyPlan.filter(id__in=list(plan_ids))}


async def workers_near(
    *, actor: Principal, incident: Incident, radius_metres: int
) -> list[LatestPosition]:
    """The latest positions of workers under the incident's district within `radius_metres`
    of it (positions' own scope and permission apply)."""
    if not 1 <= radius_metres <= 50_000:
        raise ValidationFailed(_("radiusMetres is 1–50000"), field="radiusMetres")
    if incident.lat is None or incident.lng is None:
        return []
    region = incident.region_code
    scope = region if len(region) < 6 else ancestor_at(region, Level.DISTRICT)
    scope = next(
        (a.region_code for a in actor.assignments if scope.startswith(a.region_code)), scope
    )
    found = await positions.latest(actor=actor, scope=scope)
    return [p for p in found if _metres(incident.lat, incident.lng, p.lat, p.lng) <= radius_metres]


def _metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), enough for 'near' within a city."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Statistics:
    total: int
    drills: int
    by_type: list[tuple[str, int]]
    by_level: list[tuple[str, int]]
    average_response_seconds: float | None  # report → activation, real incidents only


async def statistics(*, actor: Principal, scope: str, start: datetime, end: datetime) -> Statistics:
    """Incidents reported under `scope` in [start, end): real ones by type and level, the
    average time from report to activation; drills counted apart, never as real."""
    check_scope(actor, scope)
    if end <= start:
        raise ValidationFailed(_("to must be after from"), field="to")
    rows = await connections.get("default").execute_query_dict(
        "SELECT type_code, level, drill, count(*) AS n,"
        " sum(extract(epoch FROM activated_at - reported_at)) AS response,"
        " count(activated_at) AS activated"
        " FROM emergency_incidents WHERE region_code LIKE $1 AND reported_at >= $2"
        " AND reported_at < $3 GROUP BY type_code, level, drill",
        [f"{scope}%", start, end],
    )
    by_type: dict[str, int] = {}
    by_level: dict[str, int] = {}
    total = drills = activated = 0
    response = 0.0
    for row in rows:
        if row["drill"]:
            drills += row["n"]
            continue
        total += row["n"]
        by_type[row["type_code"]] = by_type.get(row["type_code"], 0) + row["n"]
        if row["level"] is not None:
            by_level[row["level"]] = by_level.get(row["level"], 0) + row["n"]
        activated += row["activated"]
        response += float(row["response"] or 0)
    return Statistics(
        total=total,
        drills=drills,
        by_type=sorted(by_type.items()),
        by_level=sorted(by_level.items(), key=lambda item: ResponseLevel(item[0]).rank),
        average_response_seconds=response / activated if activated else None,
    )
