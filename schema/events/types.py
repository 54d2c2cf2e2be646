"""GraphQL types of events."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast
from uuid import UUID

import strawberry
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import get_object_definition

from api.domains.events import contacts, models
from api.domains.events.enums import (
    STEP_OF_STATUS,
    Action,
    CalendarSource,
    Card,
    CategoryScheme,
    ContactKind,
    DeadlineUnit,
    EventStatus,
    Priority,
    Source,
    Stage,
    Step,
    Verification,
)
from api.domains.events.service import LIST_COLUMNS
from api.domains.triage import service as triage
from api.regions import Level
from schema.hierarchy.types import DepartmentType, GeoPoint
from schema.node import Node
from schema.types import Info

if TYPE_CHECKING:
    from schema.events.cohandling import EventCohandlingType, EventSiteCheckType
    from schema.triage.types import CategorySuggestions, DuplicateCandidateType

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
    Step,
    name="EventStep",
    description="The plan's seven steps of the closed loop (labels: the `vocabulary` query).",
)
strawberry.enum(
    ContactKind,
    name="EventContactKind",
    description="Who reported or collected an event: citizen, hotline caller, grid worker …",
)
strawberry.enum(
    Verification,
    name="EventVerification",
    description="How a category's results are verified: at the centre's desk or on site.",
)
strawberry.enum(
    CalendarSource,
    name="CalendarSource",
    description="NATIONAL: the statutory arrangement, seeded; LOCAL: the city's own entry.",
)
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
    verification: Verification = strawberry.field(
        description="How its results are verified: at the centre's desk or on site (现场核查)."
    )
    region_code: str | None = strawberry.field(
        default=None, description="A region's own extension, used in its subtree (none: national)."
    )
    version: int = strawberry.field(
        default=0, description="The categories' table version when this code last changed."
    )
    is_active: bool = strawberry.field(default=True, description="False once retired.")

    @classmethod
    def from_model(cls, category: models.Category) -> CategoryType:
        return cls(
            key=category.key,
            scheme=category.scheme,
            code=category.code,
            name=category.name,
            parent_key=category.parent_key,
            verification=Verification(category.verification),
            region_code=category.region_code,
            version=category.version,
            is_active=category.is_active,
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
    source: CalendarSource = strawberry.field(
        description="A seeding rewrites NATIONAL days only; a LOCAL day overrides them."
    )

    @classmethod
    def from_model(cls, entry: models.CalendarDay) -> CalendarDayType:
        return cls(day=entry.day, is_workday=entry.is_workday, name=entry.name, source=entry.source)


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

    @strawberry.field(description="The step of the loop the event had reached with this entry.")
    def step(self) -> Step | None:
        status = self.to_status or self.from_status
        return STEP_OF_STATUS[status] if status else None


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


@strawberry.type(
    name="EventContact",
    description="An event's reporter (上报人) or collector (采集人), as you may see them.",
)
class EventContactType:
    kind: ContactKind
    name: str | None = strawberry.field(
        description="Masked (张*) unless you may read reporters there (whole reads audited)."
    )
    phone: str | None = strawberry.field(
        description="Masked (+86139****5678) unless you may read reporters there."
    )
    masked: bool
    is_citizen: bool = strawberry.field(description="A resident or caller, not a staff member.")

    @classmethod
    def from_contact(cls, contact: contacts.Contact | None) -> EventContactType | None:
        if contact is None:
            return None
        return cls(
            kind=contact.kind,
            name=contact.name,
            phone=contact.phone,
            masked=contact.masked,
            is_citizen=contact.is_citizen,
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
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="重复件: the event this report was merged into; it ends with that one."
    )
    version: int = strawberry.field(description="Changes with every step (optimistic concurrency).")
    reported_at: datetime
    filed_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(
        description="The step of the loop the event has reached (问题上报 … 跟踪评价)."
    )
    def step(self) -> Step:
        return STEP_OF_STATUS[self.status]

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

    @strawberry.field(
        description="协办: the co-handling departments' tasks, of every dispatch, oldest first."
    )
    async def cohandlings(
        self, info: Info
    ) -> list[Annotated[EventCohandlingType, strawberry.lazy("schema.events.cohandling")]]:
        from schema.events.cohandling import EventCohandlingType

        tasks = await info.context.loaders.cohandlings_by_event.load(self.uuid)
        return [EventCohandlingType.from_model(task) for task in tasks]

    @strawberry.field(
        description="现场核查: the on-site verifications of its result, oldest first."
    )
    async def site_checks(
        self, info: Info
    ) -> list[Annotated[EventSiteCheckType, strawberry.lazy("schema.events.cohandling")]]:
        from schema.events.cohandling import EventSiteCheckType

        checks = await info.context.loaders.site_checks_by_event.load(self.uuid)
        return [EventSiteCheckType.from_model(check) for check in checks]

    @strawberry.field(description="The department it is dispatched to.")
    async def assignee_department(self, info: Info) -> DepartmentType | None:
        if self.assignee_department_id is None:
            return None
        department = await info.context.loaders.department.load(
            UUID(str(self.assignee_department_id))
        )
        return DepartmentType.from_model(department) if department else None

    @strawberry.field(
        description="重复件: open events this one probably repeats, best five (none out of scope)."
    )
    async def duplicate_candidates(
        self, info: Info
    ) -> list[Annotated[DuplicateCandidateType, strawberry.lazy("schema.triage.types")]]:
        from schema.triage.types import DuplicateCandidateType

        # Every column it needs is read with the event wherever this field is selected.
        probe = triage.Probe(
            id=self.uuid,
            title=self.title,
            description=self.description,
            category_key=self.category_key,
            region_code=self.region_code,
            reported_at=self.reported_at,
            lat=self.location.lat if self.location else None,
            lng=self.location.lng if self.location else None,
        )
        found = await triage.shown_with(actor=info.context.principal, probe=probe)
        return [DuplicateCandidateType.from_candidate(candidate) for candidate in found]

    @strawberry.field(
        description=(
            "智能分拨: the categories and departments suggested for it (kept as first shown); "
            "null out of scope or while the city's history is too small to suggest anything."
        )
    )
    async def suggestions(
        self, info: Info
    ) -> Annotated[CategorySuggestions, strawberry.lazy("schema.triage.types")] | None:
        from schema.triage.types import CategorySuggestions

        found = await triage.suggestions_for(actor=info.context.principal, event_id=self.uuid)
        return None if found is None else CategorySuggestions.from_suggestions(found)

    @strawberry.field(
        description="上报人: who reported it (citizen, hotline caller, grid worker …); masked "
        "unless you may read reporters at its region, each read in clear audited."
    )
    async def reporter(self, info: Info) -> EventContactType | None:
        found = await info.context.loaders.contacts_by_event.load(
            (info.context.principal, self.uuid)
        )
        return EventContactType.from_contact(found.reporter if found else None)

    @strawberry.field(
        description="采集人: who took the report down (the worker a resident told, the hotline "
        "that passed a call on); null for a citizen's own report. Masked like the reporter."
    )
    async def collector(self, info: Info) -> EventContactType | None:
        found = await info.context.loaders.contacts_by_event.load(
            (info.context.principal, self.uuid)
        )
        return EventContactType.from_contact(found.collector if found else None)

    @strawberry.field(description="The category's name.")
    async def category(self, info: Info) -> CategoryType | None:
        category = await info.context.loaders.category.load(self.category_key)
        return CategoryType.from_model(category) if category else None

    @classmethod
    def from_model(cls, event: models.Event) -> EventType:
        return rows_of(LIST_COLUMNS)(tuple(getattr(event, column) for column in LIST_COLUMNS))

    @classmethod
    def from_rows(cls, columns: tuple[str, ...]) -> Callable[[Sequence[Any]], EventType]:
        """Makes the type from `events` rows of these columns as the driver returns them (list
        pages skip model building). A field whose columns were not read is None: list pages
        read what their selection needs (`list_columns`), so nothing reads it."""
        return rows_of(columns)


# Each init field of Event from its columns: (columns, expression of them as {0}, {1}, …).
_CONVERTED: dict[str, tuple[tuple[str, ...], str]] = {
    "uuid": (("id",), "{0}"),
    "source": (("source",), "_SOURCE[{0}]"),
    "priority": (("priority",), "_PRIORITY[{0}]"),
    "status": (("status",), "_STATUS[{0}]"),
    "handling_level": (("handling_level",), "_LEVEL[{0}]"),
    "assignee_department_id": (("assignee_department_id",), "_id_text({0})"),
    "assignee_user_id": (("assignee_user_id",), "_id_text({0})"),
    "merged_into_id": (("merged_into_id",), "_id_text({0})"),
    "location": (("lat", "lng"), "_point({0}, {1})"),
    "stage": (("stage",), "_STAGE.get({0})"),
    "card": (("card",), "_CARD[{0}]"),
}


def _made_from(field: str) -> tuple[tuple[str, ...], str]:
    """The columns an init field of Event is made from, and how; most are a column as it is."""
    return _CONVERTED.get(field, ((field,), "{0}"))


def _id_text(value: UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


def _point(lat: float | None, lng: float | None) -> GeoPoint | None:
    return GeoPoint(lat=lat, lng=lng) if lat is not None and lng is not None else None


@functools.lru_cache(maxsize=256)
def rows_of(columns: tuple[str, ...]) -> Callable[[Sequence[Any]], EventType]:
    """EventType from rows of `columns`, read by position: generated once per column set as
    straight-line code that fills the instance's attributes, which is all the dataclass's
    `__init__` does (a test holds the two equal), in a quarter less time."""
    position = {column: index for index, column in enumerate(columns)}
    arguments = []
    for field in dataclasses.fields(EventType):
        if not field.init:
            continue
        needs, expression = _made_from(field.name)
        if all(column in position for column in needs):
            value = expression.format(*(f"row[{position[column]}]" for column in needs))
        else:
            value = "None"
        arguments.append(f"{field.name!r}: {value}")
    namespace: dict[str, Any] = {
        "_cls": EventType,
        "_new": object.__new__,
        "_SOURCE": _SOURCE,
        "_PRIORITY": _PRIORITY,
        "_STATUS": _STATUS,
        "_LEVEL": _LEVEL,
        "_STAGE": _STAGE,
        "_CARD": _CARD,
        "_id_text": _id_text,
        "_point": _point,
    }
    source = (
        "def build(row):\n"
        "    event = _new(_cls)\n"
        f"    event.__dict__ = {{{', '.join(arguments)}}}\n"
        "    return event"
    )
    exec(source, namespace)  # noqa: S102 - the source is built here from the type's field names
    return cast("Callable[[Sequence[Any]], EventType]", namespace["build"])


# The columns each field of Event is read from, by its GraphQL name: a plain field's are those
# it is made from (above); a resolver's are named here. A field missing (a new resolver) makes a
# page read every column: safe, only slower.
_RESOLVER_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (),
    "id": ("id",),
    "overdue": ("due_at",),
    "step": ("status",),
    "timeline": ("id",),
    "attachments": ("id",),
    "cohandlings": ("id",),
    "siteChecks": ("id",),
    "assigneeDepartment": ("assignee_department_id",),
    "category": ("category_key",),
    "duplicateCandidates": (
        "id",
        "title",
        "description",
        "category_key",
        "region_code",
        "reported_at",
        "lat",
        "lng",
    ),
    "suggestions": ("id",),
    "reporter": ("id",),
    "collector": ("id",),
}
_COLUMNS_OF_FIELD: dict[str, tuple[str, ...]] = {
    NameConverter().from_field(field): _made_from(field.python_name)[0]
    for field in get_object_definition(EventType, strict=True).fields
    if field.base_resolver is None
} | _RESOLVER_COLUMNS
# what every page reads whatever is selected: its rows' keys (cursors of both orders)
_KEY_COLUMNS = frozenset(("id", "reported_at", "due_at"))


@functools.lru_cache(maxsize=1024)  # selections are few: each is worked out once
def list_columns(selected: frozenset[str] | None) -> tuple[str, ...]:
    """The columns of LIST_COLUMNS a page needs for these selected Event fields, in that order
    (one statement text per selection, which the driver prepares once); None: all of them."""
    if selected is None:
        return LIST_COLUMNS
    wanted = set(_KEY_COLUMNS)
    for name in selected:
        columns = _COLUMNS_OF_FIELD.get(name)
        if columns is None:
            wanted.update(LIST_COLUMNS)
            break
        wanted.update(columns)
    return tuple(column for column in LIST_COLUMNS if column in wanted)


E = TypeVar("E", bound=StrEnum)


def _members(enum: type[E]) -> dict[str, E]:
    """Value → member; a StrEnum member hashes as its value, so members map to themselves."""
    return {member.value: member for member in enum}


_SOURCE, _PRIORITY, _STATUS = _members(Source), _members(Priority), _members(EventStatus)
_LEVEL, _STAGE, _CARD = _members(Level), _members(Stage), _members(Card)
