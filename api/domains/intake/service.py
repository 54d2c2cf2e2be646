"""Hotline intake (12345 热线工单): work orders in, status by ticket, follow-ups, callbacks.

A work order is submitted with an idempotency key. The row is inserted with
INSERT … ON CONFLICT DO NOTHING in the transaction that reports its event, so concurrent retries
serialise on the unique index: one inserts and reports, the others wait for it to commit, then
read its row and get the same event. A reused key with a different body is a typed conflict."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock, phones
from api.auth import Principal
from api.domains.engagement import routing
from api.domains.engagement.enums import Channel
from api.domains.events import service as events
from api.domains.events.enums import Priority, Source
from api.domains.events.models import Event
from api.domains.hierarchy import addresses
from api.domains.hierarchy.locate import grid_at
from api.domains.intake.models import WorkOrder
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import in_subtree

MAX_TICKET_ID = 64
MAX_IDEMPOTENCY_KEY = 100
MAX_CONTENT = 5000
TITLE_FROM_CONTENT = 50
PERMISSION = ("work_order", "submit")


@dataclass(frozen=True, slots=True)
class WorkOrderInput:
    ticket_id: str
    idempotency_key: str
    content: str
    category_key: str
    title: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    urgency: Priority = Priority.NORMAL
    region_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    work_order: WorkOrder
    event: Event
    created: bool  # false: a retry, answered with what the first attempt made


def integration_of(actor: Principal) -> uuid.UUID:
    if actor.api_key_id is None:
        raise NotAllowed(_("work orders come from an integration: call with its API key"))
    return actor.api_key_id


def _token(value: str, *, field: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit or not cleaned.isprintable():
        raise ValidationFailed(
            _("{field} must have 1 to {limit} printable characters", field=field, limit=limit),
            field=field,
        )
    return cleaned


def _normalised(data: WorkOrderInput) -> WorkOrderInput:
    """The input as it will be stored: what the digest and the event are made from."""
    content = data.content.strip()
    if not content:
        raise ValidationFailed(_("content is required"), field="content")
    if len(content) > MAX_CONTENT:
        raise ValidationFailed(
            _("content is at most {MAX_CONTENT} characters", MAX_CONTENT=MAX_CONTENT),
            field="content",
        )
    title = (data.title or "").strip() or content.splitlines()[0][:TITLE_FROM_CONTENT]
    caller_name = (data.caller_name or "").strip() or None
    if caller_name is not None and len(caller_name) > 50:
        raise ValidationFailed(_("callerName is at most 50 characters"), field="callerName")
    return WorkOrderInput(
        ticket_id=_token(data.ticket_id, field="ticketId", limit=MAX_TICKET_ID),
        idempotency_key=_token(
            data.idempotency_key, field="idempotencyKey", limit=MAX_IDEMPOTENCY_KEY
        ),
        content=content,
        category_key=data.category_key.strip(),
        title=title,
        caller_name=caller_name,
        caller_phone=phones.normalise(data.caller_phone, field="callerPhone")
        if data.caller_phone and data.caller_phone.strip()
        else None,
        urgency=data.urgency,
        region_code=(data.region_code or "").strip() or None,
        lat=data.lat,
        lng=data.lng,
        address=(data.address or "").strip() or None,
    )


async def region_for(
    actor: Principal, lat: float | None, lng: float | None, address: str | None = None
) -> str:
    """The grid at the point, else the region the address names clearly enough (地址匹配),
    else the integration's own region: its centre triages what arrives with an address that
    names no region, names two equally or too little of the way (never placed on a guess)."""
    if lat is not None and lng is not None:
        grid = await grid_at(lat, lng)
        if grid is not None:
            return grid
    own = actor.assignments[0].region_code
    if address:
        placement = (await addresses.matcher_for(own)).place(address)
        placed = placement.region_code
        if placement.outcome is addresses.Outcome.PLACED and placed and in_subtree(placed, own):
            return placed
    return own


def request_digest(data: WorkOrderInput) -> str:
    fields = asdict(data)
    fields.pop("idempotency_key")
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def _replay(api_key_id: uuid.UUID, data: WorkOrderInput, digest: str) -> Submission | None:
    """What an earlier attempt with this key made; a conflict if the body differs, or if the
    ticket was already submitted under another key."""
    # One statement, so one snapshot: two separate reads could straddle a concurrent attempt's
    # commit and see its ticket without its key.
    rows = await WorkOrder.filter(
        Q(idempotency_key=data.idempotency_key) | Q(ticket_id=data.ticket_id),
        api_key_id=api_key_id,
    )
    work_order = next((r for r in rows if r.idempotency_key == data.idempotency_key), None)
    if work_order is None:
        if rows:
            raise Conflict(
                _(
                    "ticket {ticket_id} was already submitted (under another idempotency key)",
                    ticket_id=data.ticket_id,
                ),
                field="ticketId",
                code=ErrorCode.ALREADY_EXISTS,
            )
        return None
    if work_order.request_digest != digest:
        raise Conflict(
            _("this idempotency key was used for a different work order"),
            field="idempotencyKey",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    event = await Event.get(id=work_order.event_id)
    return Submission(work_order=work_order, event=event, created=False)


async def submit_work_order(*, actor: Principal, data: WorkOrderInput) -> Submission:
    """受理: a work order becomes an event (source HOTLINE); a retry returns the same event."""
    api_key_id = integration_of(actor)
    data = _normalised(data)
    digest = request_digest(data)
    earlier = await _replay(api_key_id, data, digest)
    if earlier is not None:
        return earlier
    work_order_id = uuid.uuid4()
    async with in_transaction():
        inserted = await connections.get("default").execute_query_dict(
            "INSERT INTO intake_work_orders (id, api_key_id, ticket_id, idempotency_key, "
            "request_digest, caller_name, caller_phone, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
            [
                work_order_id,
                api_key_id,
                data.ticket_id,
                data.idempotency_key,
                digest,
                data.caller_name,
                data.caller_phone,
                clock.now(),
            ],
        )
        if inserted:
            event = await events.report(
                actor=actor,
                data=events.ReportInput(
                    title=data.title or "",
                    description=data.content,
                    category_key=data.category_key,
                    source=Source.HOTLINE,
                    priority=data.urgency,
                    region_code=data.region_code
                    or await region_for(actor, data.lat, data.lng, data.address),
                    lat=data.lat,
                    lng=data.lng,
                    address=data.address,
                    citizen_name=data.caller_name,
                    citizen_phone=data.caller_phone,
                    route=await routing.router(Channel.HOTLINE),
                ),
                permission=PERMISSION,
            )
            await WorkOrder.filter(id=work_order_id).update(event_id=event.id)
            work_order = await WorkOrder.get(id=work_order_id)
            return Submission(work_order=work_order, event=event, created=True)
    # Another attempt holding the same key (or ticket) committed first: answer with its result.
    earlier = await _replay(api_key_id, data, digest)
    if earlier is None:
        # Unreachable while rows are never deleted: the conflicting row committed before we read.
        raise Conflict(_("the work order is being submitted; retry"), field="idempotencyKey")
    return earlier


async def get_work_order(*, actor: Principal, ticket_id: str) -> tuple[WorkOrder, Event]:
    """The caller's own work order by the hotline's ticket id (another key's is not found)."""
    work_order = await WorkOrder.get_or_none(
        api_key_id=integration_of(actor), ticket_id=ticket_id.strip()
    )
    if work_order is None:
        raise NotFound("work order", ticket_id, field="ticketId")
    return work_order, await Event.get(id=work_order.event_id)


async def list_work_orders(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[tuple[WorkOrder, Event]], Any]:
    """The caller's work orders with their events, newest first (to reconcile after an outage)."""
    query = WorkOrder.filter(api_key_id=integration_of(actor))
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(created_at__lt=after_at) | Q(created_at=after_at, id__lt=after_id))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    found = {e.id: e for e in await Event.filter(id__in=[r.event_id for r in rows])}
    # event_id is set in the inserting transaction: every committed row has one.
    pairs = [(row, found[row.event_id]) for row in rows if row.event_id is not None]
    return make_page(
        pairs, page, lambda pair: f"{pair[0].created_at.isoformat()}|{pair[0].id}"
    ), filtered


async def add_follow_up(
    *, actor: Principal, ticket_id: str, note: str
) -> tuple[WorkOrder, events.StepOutcome]:
    """补充信息: the caller rang again with more to say; the centre holding it is told."""
    work_order, event = await get_work_order(actor=actor, ticket_id=ticket_id)
    outcome = await events.follow_up(actor=actor, event_id=event.id, note=note)
    return work_order, outcome


async def record_callback(
    *, actor: Principal, ticket_id: str, satisfaction: int, note: str = ""
) -> tuple[WorkOrder, events.StepOutcome]:
    """回访: the hotline called the citizen back once the case closed and records how satisfied
    they were; the event moves to EVALUATED (only a closed event can be, only once)."""
    work_order, event = await get_work_order(actor=actor, ticket_id=ticket_id)
    async with in_transaction():
        outcome = await events.evaluate(
            actor=actor, event_id=event.id, satisfaction=satisfaction, note=note, owned=True
        )
        work_order.callback_satisfaction = satisfaction
        work_order.callback_note = note.strip() or None  # type: ignore[assignment]  # nullable
        work_order.callback_at = clock.now()
        await work_order.save(
            update_fields=["callback_satisfaction", "callback_note", "callback_at"]
        )
    return work_order, outcome


async def tickets_of(event_ids: list[uuid.UUID]) -> dict[tuple[str, str], str]:
    """(api key id, event id) → ticket id, for the events that came in as work orders."""
    rows = await WorkOrder.filter(event_id__in=event_ids).values_list(
        "api_key_id", "event_id", "ticket_id"
    )
    return {(str(key), str(event)): str(ticket) for key, event, ticket in rows}
