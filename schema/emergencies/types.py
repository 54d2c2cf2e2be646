"""GraphQL types of emergency management: plans, incidents, tasks, reports, alerts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api import phones
from api.domains.emergencies import models, reference, service
from api.domains.emergencies.enums import (
    CapMessageType,
    DepartmentRole,
    IncidentAction,
    IncidentSource,
    IncidentStage,
    IncidentStatus,
    OpenTasksOnEnd,
    ResponseLevel,
    TaskAction,
    TaskStatus,
)
from api.flows import Card
from api.flows.models import FlowStep
from schema.events.types import EventType  # noqa: F401 - registers the shared Card enum first
from schema.hierarchy.types import GeoPoint
from schema.node import Node
from schema.positions.schema import WorkerPositionType
from schema.types import Info

strawberry.enum(IncidentStatus, name="IncidentStatus", description="核实 → 响应 → 恢复 → 结束.")
strawberry.enum(IncidentAction, name="IncidentAction", description="A step of an incident.")
strawberry.enum(IncidentStage, name="IncidentStage", description="The step whose limit runs.")
strawberry.enum(IncidentSource, name="IncidentSource", description="How the report came in.")
strawberry.enum(
    ResponseLevel, name="ResponseLevel", description="Ⅰ 特别重大, Ⅱ 重大, Ⅲ 较大, Ⅳ 一般."
)
strawberry.enum(TaskStatus, name="IncidentTaskStatus", description="An emergency task's state.")
strawberry.enum(TaskAction, name="IncidentTaskAction", description="A step of a task.")
strawberry.enum(
    OpenTasksOnEnd, name="OpenTasksOnEnd", description="What ending does with open tasks."
)
strawberry.enum(DepartmentRole, name="PlanDepartmentRole", description="牵头 or 配合.")
strawberry.enum(CapMessageType, name="CapMessageType", description="CAP 1.2 msgType.")


@strawberry.type(description="A sub-type of the GB/T 35561 classification of emergencies.")
class EmergencyTypeEntry:
    code: str = strawberry.field(description="4 digits: category + sub-type.")
    name: str
    cap_category: str = strawberry.field(description="The CAP 1.2 category alerts carry.")


@strawberry.type(description="A category of emergencies with its sub-types.")
class EmergencyCategory:
    code: str = strawberry.field(description="2 digits.")
    name: str
    sub_types: list[EmergencyTypeEntry]


def categories() -> list[EmergencyCategory]:
    return [
        EmergencyCategory(
            code=category.code,
            name=category.name,
            sub_types=[
                EmergencyTypeEntry(code=t.code, name=t.name, cap_category=t.cap_category)
                for t in subtypes
            ],
        )
        for category, subtypes in reference.all_types()
    ]


@strawberry.type(description="A department named in a plan, with its duty.")
class PlanDepartment:
    department_id: strawberry.ID
    role: DepartmentRole
    duty: str


@strawberry.type(description="A response team (救援队伍).")
class PlanTeam:
    name: str
    leader: str | None
    phone: str | None = strawberry.field(description="Masked.")
    size: int | None


@strawberry.type(description="Emergency supplies (物资) and where they are kept.")
class PlanSupply:
    name: str
    quantity: int
    unit: str
    place: str


@strawberry.type(description="A shelter (避难场所).")
class PlanShelter:
    name: str
    place: str
    location: GeoPoint
    capacity: int
    contact: str | None


@strawberry.type(description="A task the plan gives on activation, with its time limit.")
class PlanTaskTemplate:
    title: str
    hours: int = strawberry.field(description="Natural hours from activation.")
    department_id: strawberry.ID | None
    team: str | None


@strawberry.type(name="EmergencyPlan", description="One version of an emergency plan (应急预案).")
class EmergencyPlanType(Node):
    uuid: UUID
    code: str = strawberry.field(description="The plan across its versions.")
    version: int
    name: str
    type_code: str
    region_code: str = strawberry.field(description="The region it covers.")
    highest_level: ResponseLevel
    lowest_level: ResponseLevel
    departments: list[PlanDepartment]
    teams: list[PlanTeam]
    supplies: list[PlanSupply]
    shelters: list[PlanShelter]
    tasks: list[PlanTaskTemplate]
    is_current: bool = strawberry.field(description="The newest version of its code.")
    created_at: datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @classmethod
    def from_model(cls, plan: models.EmergencyPlan) -> EmergencyPlanType:
        return cls(
            uuid=plan.id,
            code=plan.code,
            version=plan.version,
            name=plan.name,
            type_code=plan.type_code,
            region_code=plan.region_code,
            highest_level=ResponseLevel(plan.highest_level),
            lowest_level=ResponseLevel(plan.lowest_level),
            departments=[
                PlanDepartment(
                    department_id=strawberry.ID(d["department_id"]),
                    role=DepartmentRole(d["role"]),
                    duty=d["duty"],
                )
                for d in plan.departments
            ],
            teams=[
                PlanTeam(
                    name=t["name"],
                    leader=t.get("leader"),
                    phone=phones.masked(t["phone"]) if t.get("phone") else None,
                    size=t.get("size"),
                )
                for t in plan.teams
            ],
            supplies=[PlanSupply(**s) for s in plan.supplies],
            shelters=[
                PlanShelter(
                    name=s["name"],
                    place=s["place"],
                    location=GeoPoint(lat=s["lat"], lng=s["lng"]),
                    capacity=s["capacity"],
                    contact=s.get("contact"),
                )
                for s in plan.shelters
            ],
            tasks=[
                PlanTaskTemplate(
                    title=t["title"],
                    hours=t["hours"],
                    department_id=strawberry.ID(t["department_id"]) if t["department_id"] else None,
                    team=t["team"],
                )
                for t in plan.task_templates
            ],
            is_current=plan.is_current,
            created_at=plan.created_at,
        )


@strawberry.type(name="IncidentTask", description="A department's or team's task in an incident.")
class IncidentTaskType(Node):
    uuid: UUID
    incident_id: strawberry.ID
    title: str
    department_id: strawberry.ID | None
    team: str | None
    hours: int = strawberry.field(description="Its time limit in natural hours.")
    status: TaskStatus
    result: str | None
    attachment_ids: list[strawberry.ID]
    due_at: datetime | None
    card: Card = strawberry.field(description="The worst card it had.")
    version: int
    created_at: datetime
    completed_at: datetime | None

    def node_key(self) -> str:
        return str(self.uuid)

    @classmethod
    def from_model(cls, task: models.IncidentTask) -> IncidentTaskType:
        return cls(
            uuid=task.id,
            incident_id=strawberry.ID(str(task.incident_id)),
            title=task.title,
            department_id=strawberry.ID(str(task.department_id)) if task.department_id else None,
            team=task.team,
            hours=task.hours,
            status=TaskStatus(task.status),
            result=task.result,
            attachment_ids=[strawberry.ID(str(a)) for a in task.attachment_ids or []],
            due_at=task.due_at,
            card=Card(task.card),
            version=task.version,
            created_at=task.created_at,
            completed_at=task.completed_at,
        )


@strawberry.type(description="A situation report (情况报告), numbered in order.")
class SituationReportType:
    number: int
    observed_at: datetime = strawberry.field(description="The time it describes.")
    deaths: int
    injuries: int
    missing: int
    affected_scope: str = strawberry.field(description="影响范围")
    progress: str = strawberry.field(description="处置进展")
    created_at: datetime

    @classmethod
    def from_model(cls, report: models.SituationReport) -> SituationReportType:
        return cls(
            number=report.number,
            observed_at=report.observed_at,
            deaths=report.deaths,
            injuries=report.injuries,
            missing=report.missing,
            affected_scope=report.affected_scope,
            progress=report.progress,
            created_at=report.created_at,
        )


@strawberry.type(description="A step in an incident's record: the incident's own or a task's.")
class IncidentStep:
    flow: str = strawberry.field(description="emergency (the incident) or emergency_task.")
    record_id: strawberry.ID
    action: str
    actor_label: str
    from_status: str | None
    to_status: str | None
    note: str
    seconds_spent: int | None = strawberry.field(description="Time since the previous step.")
    at: datetime

    @classmethod
    def from_model(cls, step: FlowStep) -> IncidentStep:
        return cls(
            flow=step.flow,
            record_id=strawberry.ID(str(step.record_id)),
            action=step.action,
            actor_label=step.actor_label,
            from_status=step.from_status,
            to_status=step.to_status,
            note=step.note,
            seconds_spent=step.seconds_spent,
            at=step.at,
        )


@strawberry.type(
    name="CapAlert", description="A public warning as issued: an OASIS CAP 1.2 document."
)
class CapAlertType:
    identifier: str = strawberry.field(description="Issuer region, time, sequence (GB/T 35965.1).")
    msg_type: CapMessageType
    sent_at: datetime
    xml: str = strawberry.field(description="The CAP 1.2 XML document.")

    @classmethod
    def from_model(cls, alert: models.CapAlert) -> CapAlertType:
        return cls(
            identifier=alert.identifier,
            msg_type=CapMessageType(alert.msg_type),
            sent_at=alert.sent_at,
            xml=alert.xml,
        )


@strawberry.type(name="Incident", description="An emergency (突发事件) from report to end.")
class IncidentType(Node):
    uuid: UUID
    number: str = strawberry.field(description="YJ + district + date + sequence.")
    title: str
    description: str
    type_code: str = strawberry.field(description="GB/T 35561 sub-type.")
    level: ResponseLevel | None = strawberry.field(description="Set on activation.")
    drill: bool = strawberry.field(description="演练: an exercise, never counted as real.")
    source: IncidentSource
    caller_name: str | None
    caller_phone: str | None = strawberry.field(description="Masked.")
    work_order_ticket: str | None
    event_id: strawberry.ID | None = strawberry.field(description="The event it came from.")
    region_code: str = strawberry.field(description="Where it happened.")
    centre_region_code: str = strawberry.field(description="The centre that took it.")
    location: GeoPoint | None
    address: str | None
    affected_area: JSON | None = strawberry.field(description="GeoJSON Polygon, WGS-84.")
    plan_id: strawberry.ID | None = strawberry.field(description="The plan version activated.")
    commander_id: strawberry.ID | None = strawberry.field(description="现场指挥.")
    summary: str | None
    status: IncidentStatus
    stage: IncidentStage | None
    due_at: datetime | None = strawberry.field(description="Deadline of the running stage.")
    card: Card
    version: int = strawberry.field(description="Changes with every step (optimistic concurrency).")
    reported_at: datetime
    activated_at: datetime | None
    ended_at: datetime | None
    model: strawberry.Private[models.Incident]

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(description="The plan version it runs on, once activated.")
    async def plan(self, info: Info) -> EmergencyPlanType | None:
        if self.model.plan_id is None:
            return None
        plan = await info.context.loaders.emergency_plan.load(self.model.plan_id)
        return EmergencyPlanType.from_model(plan) if plan else None

    @strawberry.field(description="Its tasks, oldest first.")
    async def tasks(self, info: Info) -> list[IncidentTaskType]:
        tasks = await info.context.loaders.incident_tasks.load(self.model.id)
        return [IncidentTaskType.from_model(t) for t in tasks]

    @strawberry.field(description="Its situation reports, in order.")
    async def situation_reports(self, info: Info) -> list[SituationReportType]:
        reports = await info.context.loaders.incident_reports.load(self.model.id)
        return [SituationReportType.from_model(r) for r in reports]

    @strawberry.field(description="Its steps and its tasks' steps, in order: the record.")
    async def timeline(self, info: Info) -> list[IncidentStep]:
        steps = await info.context.loaders.incident_timeline.load(self.model.id)
        return [IncidentStep.from_model(s) for s in steps]

    @strawberry.field(description="The public warnings issued, in order.")
    async def alerts(self, info: Info) -> list[CapAlertType]:
        alerts = await info.context.loaders.incident_alerts.load(self.model.id)
        return [CapAlertType.from_model(a) for a in alerts]

    @strawberry.field(
        description="The latest positions of workers within `radiusMetres` of it (needs the "
        "right to read positions; empty without a location)."
    )
    async def nearby_workers(
        self, info: Info, radius_metres: int = 2000
    ) -> list[WorkerPositionType]:
        found = await service.workers_near(
            actor=info.context.principal, incident=self.model, radius_metres=radius_metres
        )
        return [WorkerPositionType.from_model(p) for p in found]

    @classmethod
    def from_model(cls, incident: models.Incident) -> IncidentType:
        location = (
            GeoPoint(lat=incident.lat, lng=incident.lng)
            if incident.lat is not None and incident.lng is not None
            else None
        )
        return cls(
            uuid=incident.id,
            number=incident.number,
            title=incident.title,
            description=incident.description,
            type_code=incident.type_code,
            level=ResponseLevel(incident.level) if incident.level else None,
            drill=incident.drill,
            source=IncidentSource(incident.source),
            caller_name=incident.caller_name,
            caller_phone=phones.masked(incident.caller_phone) if incident.caller_phone else None,
            work_order_ticket=incident.work_order_ticket,
            event_id=strawberry.ID(str(incident.event_id)) if incident.event_id else None,
            region_code=incident.region_code,
            centre_region_code=incident.centre_region_code,
            location=location,
            address=incident.address,
            affected_area=incident.affected_area,
            plan_id=strawberry.ID(str(incident.plan_id)) if incident.plan_id else None,
            commander_id=strawberry.ID(str(incident.commander_id))
            if incident.commander_id
            else None,
            summary=incident.summary,
            status=IncidentStatus(incident.status),
            stage=IncidentStage(incident.stage) if incident.stage else None,
            due_at=incident.due_at,
            card=Card(incident.card),
            version=incident.version,
            reported_at=incident.reported_at,
            activated_at=incident.activated_at,
            ended_at=incident.ended_at,
            model=incident,
        )


@strawberry.type(description="A count for one key.")
class EmergencyCount:
    key: str
    count: int


@strawberry.type(description="Incidents under a scope in a period; drills counted apart.")
class EmergencyStatistics:
    total: int = strawberry.field(description="Real incidents (drills excluded).")
    drills: int
    by_type: list[EmergencyCount] = strawberry.field(description="By GB/T 35561 sub-type.")
    by_level: list[EmergencyCount] = strawberry.field(description="By response level, Ⅰ first.")
    average_response_seconds: float | None = strawberry.field(
        description="Mean time from report to activation of real incidents."
    )

    @classmethod
    def from_result(cls, result: service.Statistics) -> EmergencyStatistics:
        return cls(
            total=result.total,
            drills=result.drills,
            by_type=[EmergencyCount(key=k, count=n) for k, n in result.by_type],
            by_level=[EmergencyCount(key=k, count=n) for k, n in result.by_level],
            average_response_seconds=result.average_response_seconds,
        )
