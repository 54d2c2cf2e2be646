"""Emergency mutations: plans, the incident's steps, tasks, situation reports, CAP alerts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.domains.emergencies import cap, plans, service
from api.domains.emergencies.enums import (
    CapMessageType,
    DepartmentRole,
    IncidentSource,
    OpenTasksOnEnd,
    ResponseLevel,
)
from api.errors import NotFound
from schema.emergencies.types import (
    CapAlertType,
    EmergencyPlanType,
    IncidentTaskType,
    IncidentType,
    SituationReportType,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.hierarchy.types import GeoPointInput
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info


def _id(value: strawberry.ID, type_name: str, *, kind: str, field: str = "id") -> uuid.UUID:
    parsed = parse_uuid(value, type_name)
    if parsed is None:
        raise NotFound(kind, value, field=field)
    return parsed


def _optional_id(
    value: strawberry.ID | None, type_name: str, *, kind: str, field: str
) -> uuid.UUID | None:
    return None if value is None else _id(value, type_name, kind=kind, field=field)


@strawberry.input(description="A department in a plan and its duty.")
class PlanDepartmentInput:
    department_id: strawberry.ID
    role: DepartmentRole
    duty: str


@strawberry.input(description="A response team.")
class PlanTeamInput:
    name: str
    leader: str | None = None
    phone: str | None = None
    size: int | None = None


@strawberry.input(description="Supplies and where they are kept.")
class PlanSupplyInput:
    name: str
    quantity: int
    unit: str
    place: str


@strawberry.input(description="A shelter: place, location, capacity, contact.")
class PlanShelterInput:
    name: str
    place: str
    location: GeoPointInput
    capacity: int
    contact: str | None = None


@strawberry.input(description="A task the plan gives on activation.")
class PlanTaskInput:
    title: str
    hours: int = strawberry.field(description="Natural hours from activation (1–720).")
    department_id: strawberry.ID | None = None
    team: str | None = None


@strawberry.input(description="A plan; an existing `code` makes its next version.")
class EmergencyPlanInput:
    code: str
    name: str
    type_code: str = strawberry.field(description="GB/T 35561 sub-type, e.g. 0202.")
    region_code: str
    highest_level: ResponseLevel
    lowest_level: ResponseLevel
    departments: list[PlanDepartmentInput]
    teams: list[PlanTeamInput] = strawberry.field(default_factory=list)
    supplies: list[PlanSupplyInput] = strawberry.field(default_factory=list)
    shelters: list[PlanShelterInput] = strawberry.field(default_factory=list)
    tasks: list[PlanTaskInput] = strawberry.field(default_factory=list)


@strawberry.input(description="A reported emergency: a call, a hotline work order, a centre's own.")
class OpenIncidentInput:
    title: str
    description: str
    type_code: str = strawberry.field(description="GB/T 35561 sub-type, e.g. 0202.")
    region_code: str
    source: IncidentSource
    drill: bool = strawberry.field(default=False, description="演练: an exercise.")
    caller_name: str | None = None
    caller_phone: str | None = None
    ticket_id: str | None = strawberry.field(default=None, description="The work order (HOTLINE).")
    location: GeoPointInput | None = None
    address: str | None = None
    reported_at: datetime | None = strawberry.field(
        default=None, description="When the call came in; now if omitted."
    )


@strawberry.input(description="A situation report: 时间, 伤亡, 影响范围, 处置进展.")
class SituationReportInput:
    observed_at: datetime
    affected_scope: str
    progress: str
    deaths: int = 0
    injuries: int = 0
    missing: int = 0


@strawberry.input(description="A public warning to export as CAP 1.2.")
class CapAlertInput:
    msg_type: CapMessageType
    headline: str
    description: str
    instruction: str
    expires_at: datetime | None = None


@strawberry.type(description="The plan version saved.")
class EmergencyPlanPayload:
    plan: EmergencyPlanType


@strawberry.type(description="The incident after the step.")
class IncidentPayload:
    incident: IncidentType


@strawberry.type(description="The report and the incident it was added to.")
class SituationReportPayload:
    incident: IncidentType
    report: SituationReportType


@strawberry.type(description="The alert as issued.")
class CapAlertPayload:
    alert: CapAlertType


@strawberry.type(description="The task after the step.")
class IncidentTaskPayload:
    task: IncidentTaskType


Errors = ValidationError | NotFoundError | ConflictError | NotAllowedError
SaveEmergencyPlanResult = Annotated[
    EmergencyPlanPayload | Errors,
    strawberry.union("SaveEmergencyPlanResult", description="Outcome of saving a plan."),
]
IncidentResult = Annotated[
    IncidentPayload | Errors,
    strawberry.union("IncidentResult", description="Outcome of an incident's step."),
]
SituationReportResult = Annotated[
    SituationReportPayload | Errors,
    strawberry.union("SituationReportResult", description="Outcome of a situation report."),
]
CapAlertResult = Annotated[
    CapAlertPayload | Errors,
    strawberry.union("CapAlertResult", description="Outcome of issuing a CAP alert."),
]
IncidentTaskResult = Annotated[
    IncidentTaskPayload | Errors,
    strawberry.union("IncidentTaskResult", description="Outcome of a task's step."),
]


def _plan(value: EmergencyPlanInput) -> plans.PlanInput:
    def department(v: strawberry.ID | None, field: str) -> uuid.UUID | None:
        return _optional_id(v, "Department", kind="department", field=field)

    return plans.PlanInput(
        code=value.code,
        name=value.name,
        type_code=value.type_code,
        region_code=value.region_code,
        highest_level=value.highest_level,
        lowest_level=value.lowest_level,
        departments=[
            plans.PlanDepartment(
                department_id=_id(
                    d.department_id, "Department", kind="department", field="departments"
                ),
                role=d.role,
                duty=d.duty,
            )
            for d in value.departments
        ],
        teams=[
            plans.Team(name=t.name, leader=t.leader, phone=t.phone, size=t.size)
            for t in value.teams
        ],
        supplies=[
            plans.Supply(name=s.name, quantity=s.quantity, unit=s.unit, place=s.place)
            for s in value.supplies
        ],
        shelters=[
            plans.Shelter(
                name=s.name,
                place=s.place,
                lat=s.location.lat,
                lng=s.location.lng,
                capacity=s.capacity,
                contact=s.contact,
            )
            for s in value.shelters
        ],
        tasks=[
            plans.TaskTemplate(
                title=t.title,
                hours=t.hours,
                department_id=department(t.department_id, "tasks"),
                team=t.team,
            )
            for t in value.tasks
        ],
    )


def _incident(value: OpenIncidentInput) -> service.IncidentInput:
    return service.IncidentInput(
        title=value.title,
        description=value.description,
        type_code=value.type_code,
        region_code=value.region_code,
        source=value.source,
        drill=value.drill,
        caller_name=value.caller_name,
        caller_phone=value.caller_phone,
        ticket_id=value.ticket_id,
        lat=value.location.lat if value.location else None,
        lng=value.location.lng if value.location else None,
        address=value.address,
        reported_at=value.reported_at,
    )


def _incident_id(value: strawberry.ID) -> uuid.UUID:
    return _id(value, "Incident", kind="incident")


def _task_id(value: strawberry.ID) -> uuid.UUID:
    return _id(value, "IncidentTask", kind="task")


def _payload(incident: object) -> IncidentPayload:
    return IncidentPayload(incident=IncidentType.from_model(incident))  # type: ignore[arg-type]


@strawberry.type
class EmergenciesMutation:
    @strawberry.mutation(
        description="Save a plan (应急预案); an existing code makes its next version (activations "
        "keep the version they used).",
        extensions=allow("emergency_plan", "manage"),
    )
    async def save_emergency_plan(
        self, info: Info, input: EmergencyPlanInput
    ) -> SaveEmergencyPlanResult:
        plan = await plans.save_plan(actor=info.context.principal, data=_plan(input))
        return EmergencyPlanPayload(plan=EmergencyPlanType.from_model(plan))

    @strawberry.mutation(
        description="接报: record a reported emergency for verification.",
        extensions=allow("incident", "open"),
    )
    async def open_incident(self, info: Info, input: OpenIncidentInput) -> IncidentResult:
        return _payload(
            await service.open_incident(actor=info.context.principal, data=_incident(input))
        )

    @strawberry.mutation(
        description="An URGENT or MAJOR event becomes an incident (one step, linked both ways).",
        extensions=allow("incident", "open"),
    )
    async def open_incident_from_event(
        self, info: Info, event_id: strawberry.ID, type_code: str, drill: bool = False
    ) -> IncidentResult:
        incident = await service.open_from_event(
            actor=info.context.principal,
            event_id=_id(event_id, "Event", kind="event", field="eventId"),
            type_code=type_code,
            drill=drill,
        )
        return _payload(incident)

    @strawberry.mutation(
        description="核实不属实: the report is no emergency; the note is the reply.",
        extensions=allow("incident", "verify"),
    )
    async def dismiss_incident(
        self, info: Info, id: strawberry.ID, note: str, version: int | None = None
    ) -> IncidentResult:
        return _payload(
            await service.dismiss(
                actor=info.context.principal,
                incident_id=_incident_id(id),
                note=note,
                version=version,
            )
        )

    @strawberry.mutation(
        description="启动预案: verified; run a plan at a level under a commander. The plan's tasks "
        "go to its departments and teams. Of two centres activating at once, one wins.",
        extensions=allow("incident", "verify"),
    )
    async def activate_incident(
        self,
        info: Info,
        id: strawberry.ID,
        plan_id: strawberry.ID | None = None,
        level: ResponseLevel | None = None,
        commander_id: strawberry.ID | None = None,
        note: str = "",
        version: int | None = None,
    ) -> IncidentResult:
        incident = await service.activate(
            actor=info.context.principal,
            incident_id=_incident_id(id),
            plan_id=_optional_id(plan_id, "EmergencyPlan", kind="emergency plan", field="planId"),
            level=level,
            commander_id=_optional_id(commander_id, "User", kind="user", field="commanderId"),
            note=note,
            version=version,
        )
        return _payload(incident)

    @strawberry.mutation(
        description="升级/降级: change the response level within the plan's range.",
        extensions=allow("incident", "command"),
    )
    async def change_incident_level(
        self,
        info: Info,
        id: strawberry.ID,
        level: ResponseLevel,
        note: str,
        version: int | None = None,
    ) -> IncidentResult:
        incident = await service.change_level(
            actor=info.context.principal,
            incident_id=_incident_id(id),
            level=level,
            note=note,
            version=version,
        )
        return _payload(incident)

    @strawberry.mutation(
        description="续报: add a situation report (numbered in order).",
        extensions=allow("incident", "report"),
    )
    async def report_incident_situation(
        self, info: Info, id: strawberry.ID, input: SituationReportInput
    ) -> SituationReportResult:
        incident, report = await service.report_situation(
            actor=info.context.principal,
            incident_id=_incident_id(id),
            data=service.SituationInput(
                observed_at=input.observed_at,
                affected_scope=input.affected_scope,
                progress=input.progress,
                deaths=input.deaths,
                injuries=input.injuries,
                missing=input.missing,
            ),
        )
        return SituationReportPayload(
            incident=IncidentType.from_model(incident),
            report=SituationReportType.from_model(report),
        )

    @strawberry.mutation(
        description="影响范围: set the affected area (a GeoJSON Polygon, WGS-84).",
        extensions=allow("incident", "report"),
    )
    async def set_incident_affected_area(
        self, info: Info, id: strawberry.ID, area: JSON, note: str = ""
    ) -> IncidentResult:
        incident = await service.set_affected_area(
            actor=info.context.principal, incident_id=_incident_id(id), area=area, note=note
        )
        return _payload(incident)

    @strawberry.mutation(
        description="转入恢复重建: stand the response down into recovery.",
        extensions=allow("incident", "command"),
    )
    async def recover_incident(
        self, info: Info, id: strawberry.ID, note: str, version: int | None = None
    ) -> IncidentResult:
        incident = await service.recover(
            actor=info.context.principal, incident_id=_incident_id(id), note=note, version=version
        )
        return _payload(incident)

    @strawberry.mutation(
        description="应急结束: end the incident with a summary; open tasks must be cancelled or "
        "carried over (`openTasks`).",
        extensions=allow("incident", "command"),
    )
    async def end_incident(
        self,
        info: Info,
        id: strawberry.ID,
        summary: str,
        open_tasks: OpenTasksOnEnd | None = None,
        version: int | None = None,
    ) -> IncidentResult:
        incident = await service.end(
            actor=info.context.principal,
            incident_id=_incident_id(id),
            summary=summary,
            open_tasks=open_tasks,
            version=version,
        )
        return _payload(incident)

    @strawberry.mutation(
        description="预警发布: issue the incident's public warning as a CAP 1.2 document "
        "(status Exercise for a drill).",
        extensions=allow("incident", "command"),
    )
    async def issue_incident_alert(
        self, info: Info, id: strawberry.ID, input: CapAlertInput
    ) -> CapAlertResult:
        alert = await cap.issue_alert(
            actor=info.context.principal,
            incident_id=_incident_id(id),
            data=cap.AlertInput(
                msg_type=input.msg_type,
                headline=input.headline,
                description=input.description,
                instruction=input.instruction,
                expires_at=input.expires_at,
            ),
        )
        return CapAlertPayload(alert=CapAlertType.from_model(alert))

    @strawberry.mutation(
        description="Add a task beyond the plan's, for a department on the incident's path or a team.",
        extensions=allow("incident", "command"),
    )
    async def add_incident_task(
        self,
        info: Info,
        incident_id: strawberry.ID,
        title: str,
        hours: int,
        department_id: strawberry.ID | None = None,
        team: str | None = None,
    ) -> IncidentTaskResult:
        task = await service.add_task(
            actor=info.context.principal,
            incident_id=_id(incident_id, "Incident", kind="incident", field="incidentId"),
            title=title,
            hours=hours,
            department_id=_optional_id(
                department_id, "Department", kind="department", field="departmentId"
            ),
            team=team,
        )
        return IncidentTaskPayload(task=IncidentTaskType.from_model(task))

    @strawberry.mutation(
        description="改派: give a task to another department or team; its deadline stands.",
        extensions=allow("incident", "command"),
    )
    async def reassign_incident_task(
        self,
        info: Info,
        id: strawberry.ID,
        note: str,
        department_id: strawberry.ID | None = None,
        team: str | None = None,
    ) -> IncidentTaskResult:
        task = await service.reassign_task(
            actor=info.context.principal,
            task_id=_task_id(id),
            department_id=_optional_id(
                department_id, "Department", kind="department", field="departmentId"
            ),
            team=team,
            note=note,
        )
        return IncidentTaskPayload(task=IncidentTaskType.from_model(task))

    @strawberry.mutation(
        description="完成: report a task done, with its result and attachments.",
        extensions=allow("incident_task", "complete"),
    )
    async def complete_incident_task(
        self,
        info: Info,
        id: strawberry.ID,
        result: str,
        attachment_ids: list[strawberry.ID] | None = None,
        version: int | None = None,
    ) -> IncidentTaskResult:
        task = await service.complete_task(
            actor=info.context.principal,
            task_id=_task_id(id),
            result=result,
            attachment_ids=[str(a) for a in attachment_ids or []],
            version=version,
        )
        return IncidentTaskPayload(task=IncidentTaskType.from_model(task))
