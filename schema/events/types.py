"""GraphQL types of events."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry

from api.domains.events import models
from api.domains.events.enums import (
    Action,
    Card,
    CategoryScheme,
    DeadlineUnit,
    EventStatus,
    Priority,
    Source,
    Stage,
)
from api.domains.hierarchy.enums import Level
from schema.hierarchy.types import DepartmentType, GeoPoint
from schema.node import Node
from schema.types import Info

strawberry.enum(
    EventStatus, name="EventStatus", description="Where an event is in the closed loop."
)
strawberry.enum(Action, name="EventAction", description="A step of the closed loop.")
strawberry.enum(Source, name="EventSource", description="Where the report came from.")
strawberry.enum(Priority, name="EventPriority", description="Scale: normal, urgent, major.")
strawberry.enum(Card, name="Card", description="Overdue card: none, yellow, red.")
strawberry.enum(Stage, name="EventStage", description="The step whose time limit runs.")
strawberry.enum(DeadlineUnit, name="DeadlineUnit", description="Unit of a time limit.")
strawberry.enum(
    CategoryScheme, name="CategoryScheme", description="Dispute (GB/T 31000) or city management."
)


@strawberry.type(name="Category", description="An event category; key = scheme.code.")
class CategoryType:
    key: str = strawberry.field(description="e.g. dispute.0101, city.0502")
    scheme: CategoryScheme
    code: str
    name: str
    parent_key: str | None = strawberry.field(description="The 大类 of a 小类.")

    @classmethod
    def from_model(cls, category: models.Category) -> CategoryType:
        return cls(
            key=category.key,
            scheme=category.scheme,
            code=category.code,
            name=category.name,
            parent_key=category.parent_key,
        )


@strawberry.type(
    name="DeadlineRule", description="Time limit of a stage (for a category, or the default)."
)
class DeadlineRuleType:
    category_key: str | None = strawberry.field(description="null: the default for every category")
    stage: Stage
    amount: int
    unit: DeadlineUnit
    reminder_share: float = strawberry.field(description="Remind at this share of the limit.")
    red_share: float = strawberry.field(description="Red card at this share (yellow at 1.0).")

    @classmethod
    def from_model(cls, rule: models.DeadlineRule) -> DeadlineRuleType:
        return cls(
            category_key=rule.category_key,
            stage=rule.stage,
            amount=rule.amount,
            unit=rule.unit,
            reminder_share=rule.reminder_share,
            red_share=rule.red_share,
        )


@strawberry.type(name="CalendarDay", description="An exception to the Monday–Friday week.")
class CalendarDayType:
    day: date
    is_workday: bool = strawberry.field(description="true: a worked weekend day; false: a holiday.")
    name: str

    @classmethod
    def from_model(cls, entry: models.CalendarDay) -> CalendarDayType:
        return cls(day=entry.day, is_workday=entry.is_workday, name=entry.name)


@strawberry.type(name="TimelineEntry", description="One step of an event's history.")
class TimelineEntryType:
    action: Action
    actor_label: str = strawberry.field(description="Who took the step.")
    from_status: EventStatus | None
    to_status: EventStatus | None
    from_region_code: str | None = strawberry.field(description="Level holding it before.")
    to_region_code: str | None = strawberry.field(description="Level holding it after.")
    note: str
    attachment_ids: list[strawberry.ID]
    seconds_spent: int | None = strawberry.field(description="Time since the previous step.")
    at: datetime

    @classmethod
    def from_model(cls, entry: models.TimelineEntry) -> TimelineEntryType:
        return cls(
            action=entry.action,
            actor_label=entry.actor_label,
            from_status=entry.from_status,
            to_status=entry.to_status,
            from_region_code=entry.from_region_code,
            to_region_code=entry.to_region_code,
            note=entry.note,
            attachment_ids=[strawberry.ID(str(a)) for a in entry.attachment_ids or []],
            seconds_spent=entry.seconds_spent,
            at=entry.at,
        )


@strawberry.type(
    name="Attachment", description="A file of an event (photo, video, audio, document)."
)
class AttachmentType:
    attachment_id: strawberry.Private[UUID]
    filename: str
    content_type: str = strawberry.field(description="Sniffed from the content, not the name.")
    size: int = strawberry.field(description="Bytes.")
    sha256: str
    created_at: datetime

    @strawberry.field(description="Id of the attachment.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.attachment_id))

    @strawberry.field(description="Download path; send the same Authorization header.")
    def url(self) -> str:
        return f"/attachments/{self.attachment_id}"

    @classmethod
    def from_model(cls, attachment: models.Attachment) -> AttachmentType:
        return cls(
            attachment_id=attachment.id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
            created_at=attachment.created_at,
        )


@strawberry.type(name="Event", description="An incident and its way through the closed loop.")
class EventType(Node):
    uuid: UUID = strawberry.field(description="The event's UUID (clients may choose it).")
    case_number: str = strawberry.field(description="Human case number: district-date-sequence.")
    title: str
    description: str
    category_key: str
    source: Source
    priority: Priority
    status: EventStatus
    region_code: str = strawberry.field(description="Where it happened.")
    handling_region_code: str = strawberry.field(description="The level holding it now.")
    handling_level: Level
    assignee_department_id: strawberry.ID | None
    assignee_user_id: strawberry.ID | None
    location: GeoPoint | None
    address: str | None
    citizen_name: str | None = strawberry.field(description="Contact of an outside reporter.")
    stage: Stage | None = strawberry.field(description="The step whose time limit runs.")
    due_at: datetime | None = strawberry.field(description="Deadline of the running stage.")
    remind_at: datetime | None
    red_at: datetime | None
    card: Card
    rework_count: int
    escalation_count: int
    satisfaction: int | None = strawberry.field(description="1–5, from the follow-up evaluation.")
    version: int = strawberry.field(description="Changes with every step (optimistic concurrency).")
    reported_at: datetime
    filed_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(description="Is a deadline passed on an open event?")
    def overdue(self, info: Info) -> bool:
        from api import clock

        return self.due_at is not None and self.due_at < clock.now()

    @strawberry.field(description="The history, oldest first.")
    async def timeline(self, info: Info) -> list[TimelineEntryType]:
        entries = await info.context.loaders.timeline_by_event.load(self.uuid)
        return [TimelineEntryType.from_model(entry) for entry in entries]

    @strawberry.field(description="Files added to the event, oldest first.")
    async def attachments(self, info: Info) -> list[AttachmentType]:
        rows = await info.context.loaders.attachments_by_event.load(self.uuid)
        return [AttachmentType.from_model(row) for row in rows]

    @strawberry.field(description="The department it is dispatched to.")
    async def assignee_department(self, info: Info) -> DepartmentType | None:
        if self.assignee_department_id is None:
            return None
        department = await info.context.loaders.department.load(
            UUID(str(self.assignee_department_id))
        )
        return DepartmentType.from_model(department) if department else None

    @strawberry.field(description="The category's name.")
    async def category(self, info: Info) -> CategoryType | None:
        category = await info.context.loaders.category.load(self.category_key)
        return CategoryType.from_model(category) if category else None

    @classmethod
    def from_model(cls, event: models.Event) -> EventType:
        location = (
            GeoPoint(lat=event.lat, lng=event.lng)
            if event.lat is not None and event.lng is not None
            else None
        )
        return cls(
            uuid=event.id,
            case_number=event.case_number,
            title=event.title,
            description=event.description,
            category_key=event.category_key,
            source=event.source,
            priority=event.priority,
            status=event.status,
            region_code=event.region_code,
            handling_region_code=event.handling_region_code,
            handling_level=event.handling_level,
            assignee_department_id=strawberry.ID(str(event.assignee_department_id))
            if event.assignee_department_id
            else None,
            assignee_user_id=strawberry.ID(str(event.assignee_user_id))
            if event.assignee_user_id
            else None,
            location=location,
            address=event.address,
            citizen_name=event.citizen_name,
            stage=event.stage,
            due_at=event.due_at,
            remind_at=event.remind_at,
            red_at=event.red_at,
            card=event.card,
            rework_count=event.rework_count,
            escalation_count=event.escalation_count,
            satisfaction=event.satisfaction,
            version=event.version,
            reported_at=event.reported_at,
            filed_at=event.filed_at,
            closed_at=event.closed_at,
            updated_at=event.updated_at,
        )
