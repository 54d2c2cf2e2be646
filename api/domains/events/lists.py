"""Reading events: one by id, lists in scope with filters, and the caller's tasks."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asyncpg import Record

from api import clock, geo
from api.auth import Assignment, Principal
from api.domains.accounts.enums import Role
from api.domains.events.enums import (
    OPEN_STATUSES,
    Card,
    CohandlingStatus,
    EventStatus,
    Priority,
    Source,
    Verification,
)
from api.domains.events.inputs import clean
from api.domains.events.models import Category, Cohandling, Event
from api.domains.events.scope import readable_events, readable_events_sql, subtree_condition
from api.errors import (
    ErrorCode,
    NotFound,
    ValidationFailed,
)
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import (
    Filtered,
    Parameters,
    aware,
    contains_any_case,
    fetch,
    starts_with,
)
from api.regions import Level
from policies.enforcer import get_enforcer


@dataclass(frozen=True, slots=True)
class EventFilter:
    statuses: Sequence[EventStatus] = ()
    category_key: str | None = None
    source: Source | None = None
    priority: Priority | None = None
    region_code: str | None = None  # subtree where it happened
    handling_level: Level | None = None
    assignee_department_id: uuid.UUID | None = None
    assignee_user_id: uuid.UUID | None = None
    overdue: bool | None = None
    card: Card | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    text: str | None = None
    area: geo.Area | None = None  # a bounding box or a circle (WGS-84)


async def get_event(*, actor: Principal, event_id: uuid.UUID) -> Event:
    event = await Event.filter(readable_events(actor), id=event_id).first()
    if event is None:
        raise NotFound("event", event_id)
    return event


# What a row of an event list carries (schema.events.types.EventType.from_rows reads these):
# the event as a list shows it, without the deadline history, the ancestor codes or the
# reporter's contact; a page's cost in both processes grows with its columns.
LIST_COLUMNS = (
    "id",
    "case_number",
    "title",
    "description",
    "category_key",
    "source",
    "priority",
    "status",
    "region_code",
    "handling_region_code",
    "handling_level",
    "assignee_department_id",
    "assignee_user_id",
    "lat",
    "lng",
    "address",
    "citizen_name",
    "stage",
    "due_at",
    "remind_at",
    "red_at",
    "card",
    "rework_count",
    "escalation_count",
    "satisfaction",
    "merged_into_id",
    "version",
    "reported_at",
    "filed_at",
    "closed_at",
    "updated_at",
)


# The list's select list and source, written once (see api.query on statements as text).
@functools.lru_cache(maxsize=256)
def _list_select(columns: tuple[str, ...]) -> str:
    """The head of a list's SELECT of these columns (a page reads what its selection needs)."""
    unknown = set(columns) - set(LIST_COLUMNS)
    if unknown:  # the names are written into the statement: only ours
        raise ValueError(f"not list columns: {sorted(unknown)}")
    return (
        "SELECT "
        + ",".join(f'"{column}"' for column in columns)
        + f' FROM "{Event._meta.db_table}" WHERE '
    )


async def list_events(
    *,
    actor: Principal,
    page: PageRequest,
    filters: EventFilter,
    columns: tuple[str, ...] = LIST_COLUMNS,
) -> tuple[Page[Record], Filtered]:
    """Events in scope, newest first, as rows of `events` (of `columns`, which must include
    the sort key's)."""
    if filters.area is not None:
        await geo.detect_postgis(Event._meta.db)
    sql, values, filtered = list_statement(actor=actor, page=page, filters=filters, columns=columns)
    rows = await fetch(Event, sql, values)
    return make_page(rows, page, lambda e: f"{e['reported_at'].isoformat()}|{e['id']}"), filtered


def list_statement(
    *,
    actor: Principal,
    page: PageRequest,
    filters: EventFilter,
    columns: tuple[str, ...] = LIST_COLUMNS,
) -> tuple[str, list[Any], Filtered]:
    """The SELECT of a page of list_events with its parameters, and the rows it filters (over
    all pages) for a count."""
    bind = Parameters()
    where = [readable_events_sql(actor, bind)]
    if filters.statuses:
        where.append(f'"status" IN ({bind.each(filters.statuses)})')
    if filters.category_key:
        key = filters.category_key
        where.append(f'("category_key"={bind(key)} OR {starts_with("category_key", key, bind)})')
    if filters.source:
        where.append(f'"source"={bind(filters.source)}')
    if filters.priority:
        where.append(f'"priority"={bind(filters.priority)}')
    if filters.region_code:
        if Level.of_code(filters.region_code) is None:
            raise ValidationFailed(
                _("malformed region code"), field="regionCode", code=ErrorCode.INVALID_CODE
            )
        where.append(subtree_condition([filters.region_code], bind))
    if filters.handling_level:
        where.append(f'"handling_level"={bind(filters.handling_level)}')
    if filters.assignee_department_id:
        where.append(f'"assignee_department_id"={bind(filters.assignee_department_id)}')
    if filters.assignee_user_id:
        where.append(f'"assignee_user_id"={bind(filters.assignee_user_id)}')
    if filters.overdue is True:
        where.append(f'"status" IN ({bind.each(OPEN_STATUSES)}) AND "due_at"<{bind(clock.now())}')
    elif filters.overdue is False:
        where.append(f'("due_at" IS NULL OR "due_at">={bind(clock.now())})')
    if filters.card:
        where.append(f'"card"={bind(filters.card)}')
    if filters.reported_from:
        where.append(f'"reported_at">={bind(aware(filters.reported_from))}')
    if filters.reported_to:
        where.append(f'"reported_at"<{bind(aware(filters.reported_to))}')
    if filters.text:
        text = clean(filters.text, field="text", limit=50)
        where.append(
            f"({contains_any_case('title', text, bind)}"
            f" OR {starts_with('case_number', text, bind)}"
            f" OR {contains_any_case('address', text, bind)})"
        )
    if filters.area is not None:
        where.append(geo.area_condition(filters.area, bind, geometry="geom"))
    filtered = Filtered(Event, " AND ".join(where), bind.values)
    sql = _page_sql(bind, where, page, columns, key="reported_at", newest_first=True)
    return sql, bind.values, filtered


# The cursor key of a row without one (a task without a deadline, last in its list).
NO_KEY = datetime.max.replace(tzinfo=LOCAL)


def _page_sql(
    bind: Parameters,
    where: list[str],
    page: PageRequest,
    columns: tuple[str, ...],
    *,
    key: str,
    newest_first: bool,
    nulls_last: bool = False,
) -> str:
    """A page's SELECT: the conditions, the rows after the cursor's (`key`, then id), in that
    order, one more than the page (it only says whether more follow). With `nulls_last`, rows
    without a `key` come after all others (PostgreSQL's order for ascending keys), and a cursor
    of NO_KEY stands for such a row."""
    assert not (nulls_last and newest_first), "descending keys put nulls first"
    conditions = list(where)
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        after = bind(after_id)
        beyond = "<" if newest_first else ">"
        if nulls_last and after_at == NO_KEY:
            conditions.append(f'("{key}" IS NULL AND "id"{beyond}{after})')
        else:
            at = bind(aware(after_at))
            or_null = f' OR "{key}" IS NULL' if nulls_last else ""
            conditions.append(
                f'("{key}"{beyond}{at} OR ("{key}"={at} AND "id"{beyond}{after}){or_null})'
            )
    direction = "DESC" if newest_first else "ASC"
    return (
        _list_select(columns)
        + " AND ".join(conditions)
        + f' ORDER BY "{key}" {direction},"id" {direction} LIMIT {bind(page.first + 1)}'
    )


# What waits at a centre (to file, dispatch, verify, close) and what waits for an assignee.
CENTRE_STATUSES = (
    EventStatus.REPORTED,
    EventStatus.FILED,
    EventStatus.HANDLED,
    EventStatus.VERIFIED,
)


ASSIGNEE_STATUSES = (EventStatus.ASSIGNED, EventStatus.IN_PROGRESS)


def _site_check_place(assignment: Assignment) -> str | None:
    """The region whose events' results the assignment verifies on site: a grid leader's grid,
    a community's staff its own community (events placed there with no grid)."""
    if assignment.role == Role.GRID_LEADER and Level.of_code(assignment.region_code) is Level.GRID:
        return assignment.region_code
    if assignment.role == Role.COMMUNITY_STAFF and (
        Level.of_code(assignment.region_code) is Level.COMMUNITY
    ):
        return assignment.region_code
    return None


async def my_tasks(
    *, actor: Principal, page: PageRequest, columns: tuple[str, ...] = LIST_COLUMNS
) -> tuple[Page[Record], Filtered]:
    """Events waiting for the caller: to file, dispatch, verify or close at a centre the caller
    staffs, to accept and handle as the assignee (in person or as department staff), to report
    a co-handling department's part, or to verify on site as the leader of the event's grid."""
    sql, values, filtered = tasks_statement(actor=actor, page=page, columns=columns)
    rows = await fetch(Event, sql, values)
    return make_page(
        rows,
        page,
        lambda e: f"{(e['due_at'] or NO_KEY).isoformat()}|{e['id']}",
    ), filtered


def tasks_statement(
    *, actor: Principal, page: PageRequest, columns: tuple[str, ...] = LIST_COLUMNS
) -> tuple[str, list[Any], Filtered]:
    """The SELECT of a page of my_tasks with its parameters, and the rows it filters."""
    enforcer = get_enforcer()
    bind = Parameters()
    branches: list[str] = []
    for assignment in actor.assignments:
        level = Level.of_code(assignment.region_code)
        if level is None:
            continue
        if enforcer.allows(assignment.role, level, "event", "file", at=assignment.region_code):
            branches.append(
                f'("handling_region_code"={bind(assignment.region_code)}'
                f' AND "status" IN ({bind.each(CENTRE_STATUSES)}))'
            )
        if assignment.department_id is not None:
            department = bind(assignment.department_id)
            branches.append(
                f'("assignee_department_id"={department}'
                f' AND "status" IN ({bind.each(ASSIGNEE_STATUSES)}))'
            )
            # a co-handling task of the department's still to report (协办)
            branches.append(
                f'"id" IN (SELECT "event_id" FROM "{Cohandling._meta.db_table}"'
                f' WHERE "department_id"={department}'
                f' AND "status"={bind(CohandlingStatus.ASSIGNED)})'
            )
        place = _site_check_place(assignment)
        if place is not None:
            # a result to verify on site where the caller leads (现场核查)
            branches.append(
                f'("region_code"={bind(place)} AND "status"={bind(EventStatus.HANDLED)}'
                f' AND "category_key" IN (SELECT "key" FROM "{Category._meta.db_table}"'
                f' WHERE "verification"={bind(Verification.ON_SITE)}))'
            )
    if actor.user_id is not None:
        branches.append(
            f'("assignee_user_id"={bind(actor.user_id)}'
            f' AND "status" IN ({bind.each(ASSIGNEE_STATUSES)}))'
        )
    where = ["(" + " OR ".join(branches) + ")" if branches else "false"]
    filtered = Filtered(Event, where[0], bind.values)
    # Most urgent first: the soonest deadline (events without one last).
    sql = _page_sql(bind, where, page, columns, key="due_at", newest_first=False, nulls_last=True)
    return sql, bind.values, filtered
