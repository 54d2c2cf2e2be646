"""Step 1, the report (上报): one statement for the common case, step by step otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from asyncpg import UniqueViolationError
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import clock, outbox
from api.auth import Principal
from api.domains.events import codes, reference
from api.domains.events.clocks import Limits, run_clock, start_stage
from api.domains.events.enums import (
    Action,
    EventStatus,
    Priority,
    Source,
    Stage,
)
from api.domains.events.inputs import MAX_ADDRESS, MAX_DESCRIPTION, MAX_TITLE, clean
from api.domains.events.models import Category, Event, TimelineEntry
from api.domains.events.report_statement import insert_report
from api.domains.events.scope import ancestor_columns, department_staff, level_of
from api.domains.events.timeline import change_payload, publish_change, record_step, step_row
from api.domains.hierarchy.locate import grid_at
from api.domains.hierarchy.models import Region
from api.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    NotAllowed,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from api.flows.calendar import LOCAL
from api.i18n import _
from api.regions import Level, ancestor_at
from policies.enforcer import authorize


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
    # A channel's routing rule (api/domains/engagement/routing.py): region where it happened →
    # (handling region, the report step's note); None: the level where it happened holds it.
    route: Callable[[str], tuple[str, str]] | None = None


def _handling(data: ReportInput, region_code: str) -> tuple[str, str]:
    """Who holds the new event, and why when a channel's rule chose it."""
    if data.route is None:
        return region_code, ""
    handling, note = data.route(region_code)
    assert region_code.startswith(handling), "a rule routes to the region or a level above"
    return handling, note


async def _next_case_number(region_code: str, now: datetime) -> str:
    """District + local date + a per-district daily sequence, e.g. 410611-20261124-00017."""
    district = ancestor_at(region_code, Level.DISTRICT)
    day = now.astimezone(LOCAL).date()
    connection = connections.get("default")
    rows = await connection.execute_query_dict(
        "INSERT INTO case_counters (region_code, day, last_number) VALUES ($1, $2, 1) "
        "ON CONFLICT (region_code, day) DO UPDATE SET last_number = case_counters.last_number + 1 "
        "RETURNING last_number",
        [district, day],
    )
    return f"{district}-{day:%Y%m%d}-{rows[0]['last_number']:05d}"


async def _category(key: str, region_code: str | None = None) -> Category:
    """The active category of `key`; at `region_code`, only if it is used there."""
    category = await Category.get_or_none(key=key, is_active=True)
    if category is None or (region_code is not None and not codes.usable_at(category, region_code)):
        raise ValidationFailed(_("unknown category {key}", key=key), field="categoryKey")
    return category


async def _where(actor: Principal, data: ReportInput) -> str:
    """Where it happened: the given region, else the grid at the point, else the reporter's grid."""
    if (data.lat is not None or data.lng is not None) and (
        data.lat is None
        or data.lng is None
        or not (-90 <= data.lat <= 90 and -180 <= data.lng <= 180)
    ):
        raise ValidationFailed(_("location needs WGS-84 lat and lng"), field="location")
    if data.region_code:
        if Level.of_code(data.region_code) is None:
            raise ValidationFailed(
                _("malformed region code"), field="regionCode", code=ErrorCode.INVALID_CODE
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
        _("say where it happened: a region code or a location inside a grid"), field="regionCode"
    )


# The source follows the channel an event came in by: a hotline's work orders and Open311's
# requests come through an integration's key, appeals through the citizens' channel; staff
# report what they found themselves, a department only through its own staff.
_CHANNEL_SOURCES: Mapping[tuple[str, str] | None, frozenset[Source]] = {
    None: frozenset({Source.GRID_PATROL, Source.WECHAT, Source.SUPERIOR, Source.VIDEO}),
    ("work_order", "submit"): frozenset({Source.HOTLINE, Source.CITIZEN}),
    ("appeal", "submit"): frozenset({Source.CITIZEN, Source.WECHAT}),
}


def _check_source(actor: Principal, source: Source, channel: tuple[str, str] | None) -> None:
    allowed = _CHANNEL_SOURCES.get(channel, frozenset())
    if channel is None and any(department_staff(a) for a in actor.assignments):
        allowed |= {Source.DEPARTMENT}
    if source not in allowed:
        raise ValidationFailed(
            _("source {upper} does not come through this channel", upper=source.value.upper()),
            field="source",
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
    title = clean(data.title, field="title", limit=MAX_TITLE, required=True)
    description = clean(data.description, field="description", limit=MAX_DESCRIPTION)
    address = clean(data.address, field="address", limit=MAX_ADDRESS) or None
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
    category = await _category(data.category_key)
    region_code = await _where(actor, data)
    if category.region_code is not None:  # a region's extension: used in its subtree only
        await _category(data.category_key, region_code)
    action = Action.SELF_HANDLE if close_at_once else Action.REPORT
    obj, verb = permission or ("event", action.value)
    try:
        authorize(actor.assignments, obj, verb, at=region_code)
    except NotFound as error:
        # outside every region the caller's roles reach: say so, not "<region> not found"
        raise ValidationFailed(
            _("the location is outside your area ({region_code})", region_code=region_code),
            field="regionCode" if data.region_code else "location",
            code=ErrorCode.OUTSIDE_AREA,
        ) from error
    except PermissionDenied as error:
        raise NotAllowed(
            _(
                "your roles may not {verb} {obj}s at {region_code}",
                verb=verb,
                obj=obj,
                region_code=region_code,
            )
        ) from error
    if not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field="regionCode")
    if data.event_id is not None:
        existing = await _retried(actor, data.event_id)
        if existing is not None:
            return existing  # the offline client's retry: nothing new
    try:
        return await _report_step_by_step(
            actor=actor,
            data=data,
            region_code=region_code,
            title=title,
            description=description,
            address=address,
            close_at_once=close_at_once,
        )
    except IntegrityError as error:
        if data.event_id is None or not _id_taken(error):
            raise
    # A concurrent retry of the same report committed first (its transaction is rolled back,
    # case number and all): it is this report, as a sequential retry finds it.
    existing = await _retried(actor, data.event_id)
    assert existing is not None, "the id was taken by a committed event"
    return existing


async def _retried(actor: Principal, event_id: uuid.UUID) -> Event | None:
    """The event an offline client's retry names, if it exists; someone else's is a conflict."""
    existing = await Event.get_or_none(id=event_id)
    if existing is not None:
        reporter = actor.user_id or actor.api_key_id
        if reporter not in {existing.reporter_id, existing.reporter_api_key_id}:
            raise Conflict(
                _("an event with this id exists"), field="id", code=ErrorCode.ALREADY_EXISTS
            )
    return existing


def _id_taken(error: IntegrityError) -> bool:
    """Whether the insert failed because the event's id exists (committed by a concurrent retry)."""
    cause = error.__cause__
    return isinstance(cause, UniqueViolationError) and cause.constraint_name == "events_pkey"


async def _report_step_by_step(
    *,
    actor: Principal,
    data: ReportInput,
    region_code: str,
    title: str,
    description: str,
    address: str | None,
    close_at_once: bool,
) -> Event:
    """Write the report with a statement per row, in one transaction (see report)."""
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
            note=_handling(data, region_code)[1],
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
    handling, _unused = _handling(data, region_code)
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
        **ancestor_columns(region_code),
        handling_region_code=handling,
        handling_level=level_of(handling),
        lat=data.lat,
        lng=data.lng,
        address=address,
        reporter_id=actor.user_id,
        reporter_api_key_id=actor.api_key_id,
        citizen_name=clean(data.citizen_name, field="citizenName", limit=50) or None,
        citizen_phone=clean(data.citizen_phone, field="citizenPhone", limit=20) or None,
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
        district = ancestor_at(region_code, Level.DISTRICT)
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
            note=_handling(data, region_code)[1],
            now=now,
        )
    )
    change = outbox.message(
        topic="event",
        region_code=region_code,
        payload=change_payload(event, action=Action.REPORT, actor=actor, at=now),
    )
    try:
        case_number = await insert_report(
            event=event, step=step, change=change, terms=terms, district=district, day=day
        )
    except IntegrityError as error:
        # A concurrent retry of the same report wrote it first (the failed statement changed
        # nothing, its case number included): the step by step path finds it.
        if not _id_taken(error):
            raise
        return None
    if case_number is None:
        reference.forget_terms(terms)
        return None
    event.case_number = case_number
    event._saved_in_db = True
    return event
