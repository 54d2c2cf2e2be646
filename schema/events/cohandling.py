"""GraphQL types of co-handling (协办) and on-site verification (现场核查), with their inputs."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from api.domains.events.cohandling import CohandlerRequest
from api.domains.events.enums import Card, CohandlingAction, CohandlingStatus
from api.domains.events.models import Cohandling, SiteCheck
from api.domains.events.site_checks import MAX_PHOTOS, SiteCheckInput
from api.errors import NotFound, ValidationFailed
from api.flows.models import FlowStep
from api.i18n import _
from schema.events.types import EventType  # noqa: F401 - registers the shared Card enum first
from schema.hierarchy.types import DepartmentType, GeoPoint, GeoPointInput
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(
    CohandlingStatus,
    name="EventCohandlingStatus",
    description="Where a co-handling department's task is.",
)
strawberry.enum(
    CohandlingAction,
    name="EventCohandlingAction",
    description="A step of a co-handling task (its dispatch, report, cards …).",
)


@strawberry.input(description="协办: a department that works the event beside the lead.")
class EventCohandlerInput:
    department_id: strawberry.ID = strawberry.field(description="An active department in scope.")
    task: str = strawberry.field(description="What it is asked to do (required, ≤ 2000).")
    due_at: datetime | None = strawberry.field(
        default=None, description="Its own deadline; else the category's handling limit."
    )

    def to_request(self) -> CohandlerRequest:
        department = parse_uuid(self.department_id, "Department")
        if department is None:
            raise NotFound("department", self.department_id, field="cohandlers")
        return CohandlerRequest(department_id=department, task=self.task, deadline=self.due_at)


@strawberry.input(description="现场核查: what the grid's leader records on site.")
class EventSiteCheckInput:
    passed: bool = strawberry.field(description="false sends the work back (a note is required).")
    location: GeoPointInput = strawberry.field(
        description="Where the check was made (its datum: WGS-84 unless it says GCJ02)."
    )
    note: str = ""
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Photos already added to the event (attachToEvent), at most 9.",
    )

    def to_check(self) -> SiteCheckInput:
        if len(self.attachment_ids) > MAX_PHOTOS:
            raise ValidationFailed(
                _("at most {MAX_PHOTOS} photos", MAX_PHOTOS=MAX_PHOTOS), field="attachmentIds"
            )
        photos = []
        for value in self.attachment_ids:
            parsed = parse_uuid(value, "Attachment")
            if parsed is None:
                raise NotFound("attachment", value, field="attachmentIds")
            photos.append(parsed)
        return SiteCheckInput(
            passed=self.passed,
            lat=self.location.lat,
            lng=self.location.lng,
            note=self.note,
            attachment_ids=photos,
        )


@strawberry.type(name="EventCohandlingStep", description="One step of a co-handling task.")
class EventCohandlingStepType:
    action: CohandlingAction
    actor_label: str
    from_status: CohandlingStatus | None
    to_status: CohandlingStatus | None
    note: str
    at: datetime

    @classmethod
    def from_model(cls, step: FlowStep) -> EventCohandlingStepType:
        return cls(
            action=CohandlingAction(step.action),
            actor_label=step.actor_label,
            from_status=CohandlingStatus(step.from_status) if step.from_status else None,
            to_status=CohandlingStatus(step.to_status) if step.to_status else None,
            note=step.note,
            at=step.at,
        )


@strawberry.type(
    name="EventCohandling",
    description="协办: a co-handling department's task on the event, its clock and its result.",
)
class EventCohandlingType:
    task_id: strawberry.Private[uuid.UUID]
    department_id: strawberry.ID
    task: str
    status: CohandlingStatus
    due_at: datetime | None = strawberry.field(description="Its deadline while it runs.")
    card: Card = strawberry.field(description="The worst card it had.")
    result: str = strawberry.field(description="What the department reported.")
    reported_at: datetime | None
    version: int
    created_at: datetime

    @strawberry.field(description="The task's id (reportEventCohandling takes it).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.task_id))

    @strawberry.field(description="The co-handling department.")
    async def department(self, info: Info) -> DepartmentType | None:
        department = await info.context.loaders.department.load(uuid.UUID(str(self.department_id)))
        return DepartmentType.from_model(department) if department else None

    @strawberry.field(description="The task's own history (dispatch, report, cards), oldest first.")
    async def timeline(self, info: Info) -> list[EventCohandlingStepType]:
        steps = await info.context.loaders.cohandling_steps.load(self.task_id)
        return [EventCohandlingStepType.from_model(step) for step in steps]

    @classmethod
    def from_model(cls, task: Cohandling) -> EventCohandlingType:
        return cls(
            task_id=task.id,
            department_id=strawberry.ID(str(task.department_id)),
            task=task.task,
            status=CohandlingStatus(task.status),
            due_at=task.due_at,
            card=Card(task.card),
            result=task.result,
            reported_at=task.reported_at,
            version=task.version,
            created_at=task.created_at,
        )


@strawberry.type(
    name="EventSiteCheck", description="现场核查: one on-site verification of the event's result."
)
class EventSiteCheckType:
    verifier_label: str = strawberry.field(description="Who checked.")
    passed: bool
    note: str
    location: GeoPoint = strawberry.field(description="Where the check was recorded (WGS-84).")
    distance_metres: float | None = strawberry.field(
        description="From the event's location (null when the event has none)."
    )
    attachment_ids: list[strawberry.ID] = strawberry.field(description="The photos.")
    at: datetime

    @classmethod
    def from_model(cls, check: SiteCheck) -> EventSiteCheckType:
        return cls(
            verifier_label=check.verifier_label,
            passed=check.passed,
            note=check.note,
            location=GeoPoint(lat=check.lat, lng=check.lng),
            distance_metres=check.distance_m,
            attachment_ids=[strawberry.ID(str(a)) for a in check.attachment_ids or []],
            at=check.at,
        )
