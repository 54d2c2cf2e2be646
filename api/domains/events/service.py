"""The closed loop: report, file, dispatch, handle, verify, close, evaluate, escalate, supervise.

Every step locks the event row, checks the transition table and the caller's policy at the level
holding the event, and writes the change and its timeline row in one transaction."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from asyncpg import Record
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock, outbox
from api.auth import Assignment, Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment, User
from api.domains.events import reference
from api.domains.events.deadlines import LOCAL, WorkCalendar, limit_points
from api.domains.events.enums import (
    OPEN_STATUSES,
    Action,
    Card,
    EventStatus,
    Priority,
    Source,
    Stage,
)
from api.domains.events.models import Category, DeadlineRule, Event, TimelineEntry
from api.domains.events.report_statement import insert_report
from api.domains.events.workflow import (
    ESCALATE_UNFILED,
    REWORK,
    TRANSITIONS,
    Transition,
    guard,
)
from api.domains.hierarchy.enums import Level
from api.domains.hierarchy.locate import grid_at
from api.domains.hierarchy.models import Department, Region
from api.domains.notices import service as notices
from api.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    NotAllowed,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import (
    Filtered,
    Parameters,
    aware,
    contains_any_case,
    fetch,
    path_condition,
    path_filter,
    starts_with,
)
from policies.enforcer import authorize, get_enforcer, scope_prefixes

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_NOTE = 2000
MAX_ADDRESS = 200
# What a citizen is told of their appeal: its status in words, and the staff's note only where
# it is meant for them (a rejection's reason, the result, the closing remark).
STATUS_NAMES = {
    EventStatus.REPORTED: "已受理",
    EventStatus.FILED: "已立案",
    EventStatus.REJECTED: "不予立案",
    EventStatus.ASSIGNED: "已派遣",
    EventStatus.IN_PROGRESS: "处置中",
    EventStatus.HANDLED: "已处置",
    EventStatus.VERIFIED: "已核查",
    EventStatus.CLOSED: "已办结",
    EventStatus.EVALUATED: "已评价",
}
REPORTER_NOTES = frozenset({Action.REJECT, Action.SUBMIT, Action.CLOSE})
ASSIGNEE_ROLES = {
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.TOWNSHIP_CENTRE,
    Role.DEPARTMENT_STAFF,
}


@dataclass(frozen=True, slots=True)
class ReportInput:
    title: str
    description: str
    category_key: str
    source: Source = Source.GRID_PATROL
    priority: Priority = Priority.NORMAL
    region_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    address: str | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    event_id: uuid.UUID | None = None  # chosen by an offline client: a retry is the same event


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


@dataclass(slots=True)
class StepOutcome:
    event: Event
    entry: TimelineEntry
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- scope


PATH_COLUMNS = {
    4: "city_code",
    6: "district_code",
    9: "township_code",
    12: "community_code",
    15: "region_code",
}


def path_codes(region_code: str) -> dict[str, str | None]:
    """The ancestor columns of an event that happened at `region_code`."""
    return {
        column: region_code[:length] if len(region_code) >= length else None
        for length, column in PATH_COLUMNS.items()
        if column != "region_code"
    }


def in_subtree(prefixes: Sequence[str]) -> Q:
    return path_filter(prefixes, PATH_COLUMNS)


def in_subtree_sql(prefixes: Sequence[str], bind: Parameters) -> str:
    """in_subtree as a SQL condition."""
    return path_condition(prefixes, PATH_COLUMNS, bind)


def readable_events(actor: Principal) -> Q:
    """Events that happened inside the caller's read scope. That covers the events held inside
    it too: the level holding an event is always an ancestor of where it happened (a CHECK
    constraint), so one path predicate suffices. Department staff read, in their scope, only
    the events dispatched to their department."""
    full, departmental = _read_scopes(actor)
    condition = in_subtree(full)
    for prefix, department_id in departmental:
        condition |= in_subtree([prefix]) & Q(assignee_department_id=department_id)
    return condition


def readable_events_sql(actor: Principal, bind: Parameters) -> str:
    """readable_events as a SQL condition."""
    full, departmental = _read_scopes(actor)
    if not departmental:
        return in_subtree_sql(full, bind)
    branches = [f"({in_subtree_sql(full, bind)})"] if full else []
    branches += [
        f'({in_subtree_sql([prefix], bind)} AND "assignee_department_id"={bind(department_id)})'
        for prefix, department_id in departmental
    ]
    return "(" + " OR ".join(branches) + ")"


def _department_staff(assignment: Assignment) -> bool:
    return assignment.role == Role.DEPARTMENT_STAFF and assignment.department_id is not None


def _read_scopes(actor: Principal) -> tuple[list[str], list[tuple[str, uuid.UUID]]]:
    """(prefixes read in full, (prefix, department) read for that department's events only)."""
    staff = [a for a in actor.assignments if _department_staff(a)]
    if not staff:
        return scope_prefixes(actor.assignments, "event", "read"), []
    others = [a for a in actor.assignments if not _department_staff(a)]
    departmental = [
        (prefix, assignment.department_id)
        for assignment in staff
        if assignment.department_id is not None
        for prefix in scope_prefixes([assignment], "event", "read")
    ]
    return scope_prefixes(others, "event", "read"), departmental


def _authorize_step(actor: Principal, action: Action, event: Event) -> None:
    """Policy at the level holding the event; a step the caller can't take is a typed error."""
    try:
        authorize(actor.assignments, "event", action.value, at=event.handling_region_code)
    except (NotFound, PermissionDenied) as error:
        raise NotAllowed(
            f"your roles may not {action.value} this event while "
            f"{Level.of_code(event.handling_region_code)} level {event.handling_region_code} holds it"
        ) from error


def level_of(code: str) -> Level:
    level = Level.of_code(code)
    if level is None:
        raise ValidationFailed(f"{code} is not a region code", code=ErrorCode.INVALID_CODE)
    return level


def _clean(text: str | None, *, field: str, limit: int, required: bool = False) -> str:
    cleaned = (text or "").strip()
    if required and not cleaned:
        raise ValidationFailed(f"{field} is required", field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(f"{field} is at most {limit} characters", field=field)
    return cleaned


# ---------------------------------------------------------------- reads


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
                "malformed region code", field="regionCode", code=ErrorCode.INVALID_CODE
            )
        where.append(in_subtree_sql([filters.region_code], bind))
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
        text = _clean(filters.text, field="text", limit=50)
        where.append(
            f"({contains_any_case('title', text, bind)}"
            f" OR {starts_with('case_number', text, bind)}"
            f" OR {contains_any_case('address', text, bind)})"
        )
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


async def my_tasks(
    *, actor: Principal, page: PageRequest, columns: tuple[str, ...] = LIST_COLUMNS
) -> tuple[Page[Record], Filtered]:
    """Events waiting for the caller: to file, dispatch, verify or close at a centre the caller
    staffs, or to accept and handle as the assignee (in person or as department staff)."""
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
        if enforcer.allows(assignment.role, level, "event", "file"):
            branches.append(
                f'("handling_region_code"={bind(assignment.region_code)}'
                f' AND "status" IN ({bind.each(CENTRE_STATUSES)}))'
            )
        if assignment.department_id is not None:
            branches.append(
                f'("assignee_department_id"={bind(assignment.department_id)}'
                f' AND "status" IN ({bind.each(ASSIGNEE_STATUSES)}))'
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


async def timelines(event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[TimelineEntry]]:
    rows = await TimelineEntry.filter(event_id__in=list(event_ids)).order_by("id")
    grouped: dict[uuid.UUID, list[TimelineEntry]] = {event_id: [] for event_id in event_ids}
    for row in rows:
        grouped.setdefault(uuid.UUID(str(row.event_id)), []).append(row)
    return grouped


# ---------------------------------------------------------------- writing steps


async def _next_case_number(region_code: str, now: datetime) -> str:
    """District + local date + a per-district daily sequence, e.g. 410611-20261124-00017."""
    district = region_code[:6] if len(region_code) >= 6 else region_code
    day = now.astimezone(LOCAL).date()
    connection = connections.get("default")
    rows = await connection.execute_query_dict(
        "INSERT INTO case_counters (region_code, day, last_number) VALUES ($1, $2, 1) "
        "ON CONFLICT (region_code, day) DO UPDATE SET last_number = case_counters.last_number + 1 "
        "RETURNING last_number",
        [district, day],
    )
    return f"{district}-{day:%Y%m%d}-{rows[0]['last_number']:05d}"


@dataclass(frozen=True, slots=True)
class Limits:
    """What starting stage clocks needs from the database: rules and the work calendar."""

    rules: Mapping[tuple[str, Stage], DeadlineRule]
    calendar: WorkCalendar


async def load_limits(needs: Iterable[tuple[str, Stage]], now: datetime) -> Limits:
    """The rules of these (category, stage) pairs, and the calendar from `now` on."""
    return Limits(
        rules=await reference.rules_for(needs),
        calendar=await reference.calendar_from(now.astimezone(LOCAL).date()),
    )


def run_clock(event: Event, stage: Stage | None, now: datetime, limits: Limits | None) -> None:
    """Start the clock of `stage` from `now` (or stop every clock, for no stage)."""
    event.stage = stage  # type: ignore[assignment]  # nullable column; tortoise types it non-null
    event.stage_started_at = now if stage else None
    event.warning_level = 0
    if stage is None:
        event.stage = None  # type: ignore[assignment]  # nullable column; tortoise types it non-null
        event.stage_started_at = None
        event.warning_level = 0
        event.due_at = event.remind_at = event.red_at = None
        return
    assert limits is not None
    rule = limits.rules[(event.category_key, stage)]
    points = limit_points(
        now,
        amount=rule.amount,
        unit=rule.unit,
        reminder_share=rule.reminder_share,
        red_share=rule.red_share,
        calendar=limits.calendar,
    )
    event.due_at, event.remind_at, event.red_at = points.due_at, points.remind_at, points.red_at
    event.due_by_stage = {**(event.due_by_stage or {}), stage.value: points.due_at.isoformat()}


async def start_stage(event: Event, stage: Stage | None, now: datetime) -> None:
    """Start the clock of `stage` (or stop every clock)."""
    limits = await load_limits([(event.category_key, stage)], now) if stage else None
    run_clock(event, stage, now, limits)


async def last_steps(event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each event's latest timeline step happened (events with none are left out)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT ON (event_id) event_id, at FROM event_timeline"
        " WHERE event_id = ANY($1::uuid[]) ORDER BY event_id, id DESC",
        [[str(event_id) for event_id in event_ids]],
    )
    return {row["event_id"]: row["at"] for row in rows}


class Step(TypedDict):
    """What a timeline row says of a step that left the event as it is."""

    actor: Principal
    action: Action
    before: EventStatus | None
    before_region: str | None
    note: str
    now: datetime
    attachment_ids: NotRequired[Sequence[str]]


def step_row(event: Event, *, last_step: datetime | None, **step: Unpack[Step]) -> dict[str, Any]:
    """The timeline row of a step (`last_step`: when the previous one happened), to create
    alone or add with others in one statement."""
    actor, now = step["actor"], step["now"]
    return {
        "event_id": event.id,
        "action": step["action"],
        "actor_id": actor.user_id or actor.api_key_id,
        "actor_label": actor.label[:100],
        "from_status": step["before"],
        "to_status": event.status,
        "from_region_code": step["before_region"],
        "to_region_code": event.handling_region_code,
        "note": step["note"],
        "attachment_ids": list(step.get("attachment_ids", ())),
        "seconds_spent": int((now - last_step).total_seconds()) if last_step else None,
        "at": now,
    }


async def record_step(event: Event, **step: Unpack[Step]) -> TimelineEntry:
    last_step = (await last_steps([event.id])).get(event.id)
    return await TimelineEntry.create(**step_row(event, last_step=last_step, **step))


def change_payload(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """What a command centre's feed shows of a change: the action and the event's new state."""
    return {
        "action": action.value,
        "at": at.isoformat(),
        "actor": actor.label,
        "note": note,
        "event": {
            "id": str(event.id),
            "case_number": event.case_number,
            "title": event.title,
            "status": event.status.value,
            "priority": event.priority.value,
            "category_key": event.category_key,
            "region_code": event.region_code,
            "handling_region_code": event.handling_region_code,
            "handling_level": event.handling_level.value,
            "card": event.card.value,
            "due_at": event.due_at.isoformat() if event.due_at else None,
            "version": event.version,
        },
    }


def change_row(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """The outbox row of a change, for the feeds of the region where it happened."""
    return outbox.row(
        topic="event",
        region_code=event.region_code,
        payload=change_payload(event, action=action, actor=actor, at=at, note=note),
    )


async def publish_change(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> None:
    """Write the change to the outbox (inside the caller's transaction)."""
    await outbox.add_many([change_row(event, action=action, actor=actor, at=at, note=note)])


async def _locked(actor: Principal, event_id: uuid.UUID) -> Event:
    event = await Event.filter(readable_events(actor), id=event_id).select_for_update().first()
    if event is None:
        raise NotFound("event", event_id)
    return event


async def _step(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    action: Action,
    note: str = "",
    expected_version: int | None = None,
    transition: Transition | None = None,
    apply: Any = None,
    owned: bool = False,
) -> StepOutcome:
    """Lock, check, change, record: the skeleton of every step after the report. `owned`: an
    intake channel (a hotline's work order, a citizen's appeal) has already established that the
    caller submitted this event, which is then its whole authority, not the staff policy."""
    note = _clean(note, field="note", limit=MAX_NOTE)
    now = clock.now()
    async with in_transaction():
        if owned:
            event = await Event.filter(id=event_id).select_for_update().first()
            if event is None:
                raise NotFound("event", event_id)
        else:
            event = await _locked(actor, event_id)
        if expected_version is not None and event.version != expected_version:
            raise Conflict(
                f"the event changed meanwhile (version {event.version}, you saw {expected_version})"
            )
        if not owned:
            _authorize_step(actor, action, event)
        chosen = guard(action, event.status, transition)
        before, before_region = event.status, event.handling_region_code
        extra: dict[str, Any] = {}
        if apply is not None:
            chosen = await apply(event, chosen, extra) or chosen
        if chosen.to is not None:
            event.status = chosen.to
            if chosen.stage is not None or chosen.to in {
                EventStatus.REJECTED,
                EventStatus.CLOSED,
                EventStatus.EVALUATED,
            }:
                await start_stage(event, chosen.stage, now)
        # every recorded step changes the event, supervision and comments too: a client caching
        # by version must see them
        event.version += 1
        if event.status is EventStatus.FILED and event.filed_at is None:
            event.filed_at = now
        if event.status is EventStatus.CLOSED:
            event.closed_at = now
        await event.save()
        entry = await record_step(
            event,
            actor=actor,
            action=action,
            before=before,
            before_region=before_region,
            note=note,
            now=now,
        )
        await publish_change(event, action=action, actor=actor, at=now, note=note)
        if event.status is not before:
            await _tell_citizen(event, actor=actor, action=action, note=note)
    return StepOutcome(event=event, entry=entry, extra=extra)


async def _tell_citizen(event: Event, *, actor: Principal, action: Action, note: str) -> None:
    """A citizen follows their appeal: each change of its status is a notice to them (in-app and
    on their notices feed), with the reason or result where there is one."""
    if event.source is not Source.CITIZEN or event.reporter_id is None:
        return
    if event.reporter_id == actor.user_id:
        return
    await notices.notify(
        user_ids=[event.reporter_id],
        kind="appeal_progress",
        title=f"您的诉求 {event.case_number}: {STATUS_NAMES[event.status]}",
        body=note if action in REPORTER_NOTES else "",
        region_code=event.region_code,
        event_id=event.id,
    )


async def _category(key: str) -> Category:
    category = await Category.get_or_none(key=key, is_active=True)
    if category is None:
        raise ValidationFailed(f"unknown category {key}", field="categoryKey")
    return category


async def _where(actor: Principal, data: ReportInput) -> str:
    """Where it happened: the given region, else the grid at the point, else the reporter's grid."""
    if (data.lat is not None or data.lng is not None) and (
        data.lat is None
        or data.lng is None
        or not (-90 <= data.lat <= 90 and -180 <= data.lng <= 180)
    ):
        raise ValidationFailed("location needs WGS-84 lat and lng", field="location")
    if data.region_code:
        if Level.of_code(data.region_code) is None:
            raise ValidationFailed(
                "malformed region code", field="regionCode", code=ErrorCode.INVALID_CODE
            )
        return data.region_code
    if data.lat is not None and data.lng is not None:
        found = await grid_at(data.lat, data.lng)
        if found is not None:
            return found
    grids = [a.region_code for a in actor.assignments if Level.of_code(a.region_code) is Level.GRID]
    if grids:
        return grids[0]
    raise ValidationFailed(
        "say where it happened: a region code or a location inside a grid", field="regionCode"
    )


# The source follows the channel an event came in by: a hotline's work orders and Open311's
# requests come through an integration's key, appeals through the citizens' channel; staff
# report what they found themselves, a department only through its own staff.
_CHANNEL_SOURCES: Mapping[tuple[str, str] | None, frozenset[Source]] = {
    None: frozenset({Source.GRID_PATROL, Source.WECHAT, Source.SUPERIOR, Source.VIDEO}),
    ("work_order", "submit"): frozenset({Source.HOTLINE, Source.CITIZEN}),
    ("appeal", "submit"): frozenset({Source.CITIZEN}),
}


def _check_source(actor: Principal, source: Source, channel: tuple[str, str] | None) -> None:
    allowed = _CHANNEL_SOURCES.get(channel, frozenset())
    if channel is None and any(_department_staff(a) for a in actor.assignments):
        allowed |= {Source.DEPARTMENT}
    if source not in allowed:
        raise ValidationFailed(
            f"source {source.value.upper()} does not come through this channel", field="source"
        )


async def report(
    *,
    actor: Principal,
    data: ReportInput,
    close_at_once: bool = False,
    permission: tuple[str, str] | None = None,
) -> Event:
    """Step 1, 上报: a new event held by the level where it happened (retries are the same event).
    `permission` is the (object, action) of an intake channel that reports on the caller's behalf
    (work_order/submit for a hotline, appeal/submit for a citizen) instead of event/report."""
    _check_source(actor, data.source, permission)
    title = _clean(data.title, field="title", limit=MAX_TITLE, required=True)
    description = _clean(data.description, field="description", limit=MAX_DESCRIPTION)
    address = _clean(data.address, field="address", limit=MAX_ADDRESS) or None
    if not close_at_once:
        event = await _report_in_one_statement(
            actor=actor,
            data=data,
            title=title,
            description=description,
            address=address,
            permission=permission,
        )
        if event is not None:
            return event
    await _category(data.category_key)
    region_code = await _where(actor, data)
    action = Action.SELF_HANDLE if close_at_once else Action.REPORT
    obj, verb = permission or ("event", action.value)
    try:
        authorize(actor.assignments, obj, verb, at=region_code)
    except NotFound as error:
        # outside every region the caller's roles reach: say so, not "<region> not found"
        raise ValidationFailed(
            f"the location is outside your area ({region_code})",
            field="regionCode" if data.region_code else "location",
            code=ErrorCode.OUTSIDE_AREA,
        ) from error
    except PermissionDenied as error:
        raise NotAllowed(f"your roles may not {verb} {obj}s at {region_code}") from error
    if not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field="regionCode")
    if data.event_id is not None:
        existing = await Event.get_or_none(id=data.event_id)
        if existing is not None:
            reporter = actor.user_id or actor.api_key_id
            if reporter not in {existing.reporter_id, existing.reporter_api_key_id}:
                raise Conflict(
                    "an event with this id exists", field="id", code=ErrorCode.ALREADY_EXISTS
                )
            return existing  # the offline client's retry: nothing new
    now = clock.now()
    async with in_transaction():
        event = _new_event(
            actor=actor,
            data=data,
            region_code=region_code,
            title=title,
            description=description,
            address=address,
            case_number=await _next_case_number(region_code, now),
            now=now,
        )
        await start_stage(event, Stage.FILE, now)
        await event.save(force_create=True)
        await record_step(
            event,
            actor=actor,
            action=Action.REPORT,
            before=None,
            before_region=None,
            note="",
            now=now,
        )
        if close_at_once:
            event.status = EventStatus.CLOSED
            event.filed_at = event.closed_at = now
            await start_stage(event, None, now)
            event.version += 1
            await event.save()
            await record_step(
                event,
                actor=actor,
                action=Action.SELF_HANDLE,
                before=EventStatus.REPORTED,
                before_region=region_code,
                note="resolved on the spot",
                now=now,
            )
        await publish_change(
            event,
            action=Action.SELF_HANDLE if close_at_once else Action.REPORT,
            actor=actor,
            at=now,
        )
    return event


def _new_event(
    *,
    actor: Principal,
    data: ReportInput,
    region_code: str,
    title: str,
    description: str,
    address: str | None,
    case_number: str,
    now: datetime,
) -> Event:
    return Event(
        id=data.event_id or uuid.uuid4(),
        case_number=case_number,
        title=title,
        description=description,
        category_key=data.category_key,
        source=data.source,
        priority=data.priority,
        status=EventStatus.REPORTED,
        region_code=region_code,
        **path_codes(region_code),
        handling_region_code=region_code,
        handling_level=level_of(region_code),
        lat=data.lat,
        lng=data.lng,
        address=address,
        reporter_id=actor.user_id,
        reporter_api_key_id=actor.api_key_id,
        citizen_name=_clean(data.citizen_name, field="citizenName", limit=50) or None,
        citizen_phone=_clean(data.citizen_phone, field="citizenPhone", limit=20) or None,
        reported_at=now,
    )


async def _report_in_one_statement(
    *,
    actor: Principal,
    data: ReportInput,
    title: str,
    description: str,
    address: str | None,
    permission: tuple[str, str] | None,
) -> Event | None:
    """The common report, checked against cached reference data and written by one statement
    (report_statement); None whenever the step by step path must decide: an error to report in
    its order, a retry of an existing id, reference data changed since it was cached."""
    now = clock.now()
    day = now.astimezone(LOCAL).date()
    terms = await reference.stage_terms(data.category_key, Stage.FILE, day)
    if not terms.category_active:
        reference.forget_terms(terms)  # unknown or disabled: read afresh, it may come (back)
        return None
    try:
        region_code = await _where(actor, data)
        obj, verb = permission or ("event", Action.REPORT.value)
        authorize(actor.assignments, obj, verb, at=region_code)
        district = region_code[:6] if len(region_code) >= 6 else region_code
        event = _new_event(
            actor=actor,
            data=data,
            region_code=region_code,
            title=title,
            description=description,
            address=address,
            case_number=f"{district}-{day:%Y%m%d}-",  # the statement appends the number
            now=now,
        )
    except (DomainError, PermissionDenied):
        return None
    limits = Limits(rules={(event.category_key, Stage.FILE): terms.rule}, calendar=terms.calendar)
    run_clock(event, Stage.FILE, now, limits)
    step = TimelineEntry(
        **step_row(
            event,
            last_step=None,
            actor=actor,
            action=Action.REPORT,
            before=None,
            before_region=None,
            note="",
            now=now,
        )
    )
    change = outbox.message(
        topic="event",
        region_code=region_code,
        payload=change_payload(event, action=Action.REPORT, actor=actor, at=now),
    )
    case_number = await insert_report(
        event=event, step=step, change=change, terms=terms, district=district, day=day
    )
    if case_number is None:
        reference.forget_terms(terms)
        return None
    event.case_number = case_number
    event._saved_in_db = True
    return event


async def file(
    *, actor: Principal, event_id: uuid.UUID, note: str = "", expected_version: int | None = None
) -> StepOutcome:
    """Step 2, 立案: accept the report as a case."""
    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.FILE,
        note=note,
        expected_version=expected_version,
    )


async def reject(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """不予立案: not a case (duplicate, not our remit …); a reason is required."""
    _clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.REJECT,
        note=note,
        expected_version=expected_version,
    )


async def assign(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    department_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> StepOutcome:
    """Step 3, 派遣: dispatch to a department and/or a person at or below the holding level."""
    if department_id is None and user_id is None:
        raise ValidationFailed("dispatch to a department or a person", field="departmentId")

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        scope = event.handling_region_code
        if department_id is not None:
            department = await Department.get_or_none(id=department_id, is_active=True)
            if department is None or not department.region_code.startswith(scope):
                raise NotFound("department", department_id, field="departmentId")
        if user_id is not None:
            holds = await RoleAssignment.filter(
                user_id=user_id, role__in=list(ASSIGNEE_ROLES), region_code__startswith=scope
            ).exists()
            active = await User.exists(id=user_id, is_active=True)
            if not (holds and active):
                raise NotFound("user", user_id, field="userId")
        event.assignee_department_id = department_id
        event.assignee_user_id = user_id
        await notices.notify(
            user_ids=await assignee_users(event),
            kind="dispatch",
            title=f"新派遣 {event.case_number}: {event.title}",
            body=note,
            region_code=event.region_code,
            event_id=event.id,
        )

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.ASSIGN,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


def _check_assignee(actor: Principal, event: Event) -> None:
    mine = event.assignee_user_id is not None and event.assignee_user_id == actor.user_id
    my_department = event.assignee_department_id is not None and any(
        a.department_id == event.assignee_department_id for a in actor.assignments
    )
    if not (mine or my_department):
        raise NotAllowed("only the assignee (the person or a member of the department) may do this")


async def _assignee_step(
    actor: Principal, event_id: uuid.UUID, action: Action, note: str, expected_version: int | None
) -> StepOutcome:
    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        _check_assignee(actor, event)
        if action is Action.RETURN:
            event.assignee_department_id = event.assignee_user_id = None

    return await _step(
        actor=actor,
        event_id=event_id,
        action=action,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


async def accept(
    *, actor: Principal, event_id: uuid.UUID, note: str = "", expected_version: int | None = None
) -> StepOutcome:
    """Step 4, 受理/调查: the assignee takes the work on."""
    return await _assignee_step(actor, event_id, Action.ACCEPT, note, expected_version)


async def return_dispatch(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """回退: not our competence; back to the dispatching centre (a reason is required)."""
    _clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _assignee_step(actor, event_id, Action.RETURN, note, expected_version)


async def submit(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """Step 5, 处置反馈: the result, described."""
    _clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _assignee_step(actor, event_id, Action.SUBMIT, note, expected_version)


async def verify(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    passed: bool,
    note: str = "",
    expected_version: int | None = None,
) -> StepOutcome:
    """核查: the centre checks the result; a failure sends it back for rework."""
    if not passed:
        _clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> Transition | None:
        if passed:
            return None
        event.rework_count += 1
        return REWORK

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.VERIFY,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


async def close(
    *, actor: Principal, event_id: uuid.UUID, note: str = "", expected_version: int | None = None
) -> StepOutcome:
    """Step 6, 结案归档."""
    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.CLOSE,
        note=note,
        expected_version=expected_version,
    )


async def evaluate(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    satisfaction: int,
    note: str = "",
    expected_version: int | None = None,
    owned: bool = False,
) -> StepOutcome:
    """Step 7, 回访评价: satisfaction 1 (very unsatisfied) to 5 (very satisfied); `owned` when
    the reporter rates it through their channel (a hotline's callback, a citizen's rating)."""
    if not 1 <= satisfaction <= 5:
        raise ValidationFailed("satisfaction is 1 to 5", field="satisfaction")

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        event.satisfaction = satisfaction

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.EVALUATE,
        note=note,
        expected_version=expected_version,
        apply=apply,
        owned=owned,
    )


async def _notify_holders(event: Event, kind: str, title: str, body: str) -> None:
    """Notices to the centre holding the event and to whoever it is dispatched to."""
    await notices.notify(
        user_ids=[*await centre_users(event), *await assignee_users(event)],
        kind=kind,
        title=title,
        body=body,
        region_code=event.region_code,
        event_id=event.id,
    )


async def follow_up(*, actor: Principal, event_id: uuid.UUID, note: str) -> StepOutcome:
    """补充信息: the reporter adds to an open event through their channel; the centre holding
    it is notified. Callers establish ownership first (the step is `owned`)."""
    _clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        await _notify_holders(
            event, "follow_up", f"补充信息 {event.case_number}: {event.title}", note
        )

    return await _step(
        actor=actor, event_id=event_id, action=Action.FOLLOW_UP, note=note, apply=apply, owned=True
    )


def escalation_target(handling_region_code: str, priority: Priority) -> str:
    """One level up; an urgent event goes straight to the district command centre and a major one
    to the city's (DESIGN.md §4)."""
    level = Level.of_code(handling_region_code)
    assert level is not None
    if level is Level.CITY:
        raise Conflict(
            "the city centre holds it: there is no level above", code=ErrorCode.INVALID_TRANSITION
        )
    parent = handling_region_code[: level.parent.code_length]  # type: ignore[union-attr]
    if priority is Priority.MAJOR:
        return handling_region_code[: Level.CITY.code_length]
    if priority is Priority.URGENT and len(parent) > Level.DISTRICT.code_length:
        return handling_region_code[: Level.DISTRICT.code_length]
    return parent


def escalation_of(event: Event) -> Transition:
    """The escalation an event takes: one nobody has filed stays to be filed by the centre above."""
    return (
        ESCALATE_UNFILED if event.status is EventStatus.REPORTED else TRANSITIONS[Action.ESCALATE]
    )


def hand_up(event: Event) -> None:
    """Move the event to the centre above, which dispatches it afresh."""
    event.handling_region_code = escalation_target(event.handling_region_code, event.priority)
    event.handling_level = level_of(event.handling_region_code)
    event.assignee_department_id = event.assignee_user_id = None
    event.escalation_count += 1


async def escalate(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """上报上级: hand the event to a higher centre; where it happened stays."""
    _clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> Transition:
        hand_up(event)
        return escalation_of(event)

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.ESCALATE,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


async def supervise(*, actor: Principal, event_id: uuid.UUID, note: str) -> StepOutcome:
    """督办: a leader above presses for progress (logged; the holder and assignee are notified)."""
    _clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        await _notify_holders(
            event, "supervision", f"督办 {event.case_number}: {event.title}", note
        )

    return await _step(
        actor=actor, event_id=event_id, action=Action.SUPERVISE, note=note, apply=apply
    )


@dataclass(frozen=True, slots=True)
class Staff:
    """Who is told about events: the staff of centres and of departments, loaded at once for
    as many events as needed."""

    centres: Mapping[str, list[uuid.UUID]]
    departments: Mapping[uuid.UUID, list[uuid.UUID]]

    def centre(self, event: Event) -> list[uuid.UUID]:
        """Who staffs the centre holding the event (may file, dispatch, verify there)."""
        return list(self.centres.get(event.handling_region_code, ()))

    def assignees(self, event: Event) -> list[uuid.UUID]:
        """The assignee in person, or the staff of the assigned department."""
        users = [event.assignee_user_id] if event.assignee_user_id else []
        if event.assignee_department_id:
            users += self.departments.get(_uuid(event.assignee_department_id), [])
        return [_uuid(user) for user in users]


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def load_staff(
    *, region_codes: Iterable[str] = (), department_ids: Iterable[uuid.UUID] = ()
) -> Staff:
    """The active staff of the centres at `region_codes` and of the departments, two queries."""
    enforcer = get_enforcer()
    centre_roles: dict[str, set[Role]] = {
        code: {
            role for role in Role if enforcer.allows(role.value, level_of(code), "event", "assign")
        }
        for code in set(region_codes)
    }
    centres: dict[str, list[uuid.UUID]] = {code: [] for code in centre_roles}
    if centre_roles:
        rows = await RoleAssignment.filter(
            region_code__in=list(centre_roles),
            role__in=list(set().union(*centre_roles.values())),
            user__is_active=True,
        ).values_list("region_code", "role", "user_id")
        for code, role, user_id in rows:
            if role in centre_roles[code]:
                centres[code].append(_uuid(user_id))
    departments: dict[uuid.UUID, list[uuid.UUID]] = {_uuid(d): [] for d in department_ids}
    if departments:
        rows = await RoleAssignment.filter(
            department_id__in=list(departments), user__is_active=True
        ).values_list("department_id", "user_id")
        for department_id, user_id in rows:
            departments[_uuid(department_id)].append(_uuid(user_id))
    return Staff(centres=centres, departments=departments)


async def assignee_users(event: Event) -> list[uuid.UUID]:
    """The assignee in person, or the staff of the assigned department."""
    departments = [event.assignee_department_id] if event.assignee_department_id else []
    return (await load_staff(department_ids=departments)).assignees(event)


async def centre_users(event: Event) -> list[uuid.UUID]:
    """Who staffs the centre holding the event (may file, dispatch, verify there)."""
    return (await load_staff(region_codes=[event.handling_region_code])).centre(event)


async def comment(*, actor: Principal, event_id: uuid.UUID, note: str) -> StepOutcome:
    """点评: a leader's remark on how the event was handled."""
    _clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _step(actor=actor, event_id=event_id, action=Action.COMMENT, note=note)
