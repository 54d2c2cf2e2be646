"""Event queries."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry

from api.domains.events import codes, reference, service
from api.domains.events.enums import Card, CategoryScheme, EventStatus, Priority, Source
from api.domains.registry import code_tables
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.pagination import page_request
from api.regions import Level
from schema.events.types import (
    CalendarDayType,
    CategoryType,
    DeadlineRuleType,
    EventType,
    list_columns,
)
from schema.events.vocabulary import Language, Vocabulary, vocabulary_for
from schema.fast.selection import selected_below
from schema.geo import MapAreaInput, area_of
from schema.pagination import Connection, connection
from schema.permissions import allow, public, signed_in
from schema.registry.types import CodeTableType
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.input(description="Filters of the event list; all optional, combined with AND.")
class EventFilterInput:
    statuses: list[EventStatus] | None = None
    category_key: str | None = strawberry.field(
        default=None, description="A 大类 includes its 小类."
    )
    source: Source | None = None
    priority: Priority | None = None
    region_code: str | None = strawberry.field(
        default=None, description="Happened in this subtree."
    )
    handling_level: Level | None = None
    assignee_department_id: strawberry.ID | None = None
    assignee_user_id: strawberry.ID | None = None
    overdue: bool | None = None
    card: Card | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    text: str | None = strawberry.field(
        default=None, description="In title, address or case number."
    )
    area: MapAreaInput | None = strawberry.field(
        default=None, description="Located in this box or circle."
    )


def _named(given: str | None, type_name: str, field: str) -> UUID | None:
    """The id a filter names (a global id of the type, or a bare UUID); one that cannot name
    such an object is refused, not dropped: dropped, the filter would widen to every event."""
    if not given:
        return None
    found = parse_uuid(given, type_name)
    if found is None:
        raise ValidationFailed(_("not the id of a {type_name}", type_name=type_name), field=field)
    return found


def event_filters(value: EventFilterInput | None) -> service.EventFilter:
    if value is None:
        return service.EventFilter()
    return service.EventFilter(
        statuses=value.statuses or (),
        category_key=value.category_key,
        source=value.source,
        priority=value.priority,
        region_code=value.region_code,
        handling_level=value.handling_level,
        assignee_department_id=_named(
            value.assignee_department_id, "Department", "filter.assigneeDepartmentId"
        ),
        assignee_user_id=_named(value.assignee_user_id, "User", "filter.assigneeUserId"),
        overdue=value.overdue,
        card=value.card,
        reported_from=value.reported_from,
        reported_to=value.reported_to,
        text=value.text,
        area=area_of(value.area, field="filter.area") if value.area is not None else None,
    )


@strawberry.type
class EventsQuery:
    @strawberry.field(
        description="An event in your scope; null otherwise.", extensions=allow("event", "read")
    )
    async def event(self, info: Info, id: strawberry.ID) -> EventType | None:
        event_id = parse_uuid(id, "Event")
        if event_id is None:
            return None
        try:
            return EventType.from_model(
                await service.get_event(actor=info.context.principal, event_id=event_id)
            )
        except NotFound:
            return None

    @strawberry.field(
        description="Events in your scope, newest first.", extensions=allow("event", "read")
    )
    async def events(
        self,
        info: Info,
        filter: EventFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EventType]:
        columns = list_columns(selected_below(info, ("edges", "node")))
        page, filtered = await service.list_events(
            actor=info.context.principal,
            page=page_request(first, after),
            filters=event_filters(filter),
            columns=columns,
        )
        return connection(page, filtered, EventType.from_rows(columns))

    @strawberry.field(
        description="What waits for your action, soonest deadline first.", extensions=signed_in()
    )
    async def my_tasks(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[EventType]:
        columns = list_columns(selected_below(info, ("edges", "node")))
        page, filtered = await service.my_tasks(
            actor=info.context.principal, page=page_request(first, after), columns=columns
        )
        return connection(page, filtered, EventType.from_rows(columns))

    @strawberry.field(
        description="What to call the closed loop's codes (statuses, steps, stages, actions,"
        " sources, priorities, cards, levels, roles) in zh-CN or en; public.",
        extensions=public(),
    )
    async def vocabulary(self, info: Info, language: Language | None = None) -> Vocabulary:
        tables = await code_tables.live_tables()
        return vocabulary_for(
            info,
            language,
            categories_version=await codes.table_version(),
            code_tables_version=await code_tables.version(),
            code_tables=[CodeTableType.from_table(table) for table in tables.values()],
        )

    @strawberry.field(
        description="Active event categories of both dictionaries: the national codes, and with"
        " regionCode that region's own extensions and those of the regions above it.",
        extensions=signed_in(),
    )
    async def categories(
        self,
        info: Info,
        scheme: CategoryScheme | None = None,
        parent_key: str | None = None,
        region_code: str | None = None,
    ) -> list[CategoryType]:
        found = await reference.categories(
            scheme=scheme, parent_key=parent_key, region_code=region_code
        )
        return [CategoryType.from_model(category) for category in found]

    @strawberry.field(
        description="Time limits per stage: defaults and per-category rules.",
        extensions=allow("event", "read"),
    )
    async def deadline_rules(
        self, info: Info, category_key: str | None = None
    ) -> list[DeadlineRuleType]:
        found = await reference.deadline_rules(category_key=category_key)
        return [DeadlineRuleType.from_model(rule) for rule in found]

    @strawberry.field(
        description="Holidays and worked weekend days in a period (≤ 800 days).",
        extensions=allow("event", "read"),
    )
    async def calendar_days(self, info: Info, start: date, end: date) -> list[CalendarDayType]:
        return [
            CalendarDayType.from_model(day)
            for day in await reference.calendar_days(start=start, end=end)
        ]
