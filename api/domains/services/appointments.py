"""Appointments (预约联动): a department or community publishes service slots; staff and
citizens book and cancel; bookers are reminded before the slot (a worker job).

A slot's row is locked while it is booked, its count can never pass its capacity (a CHECK in
the table too) and one person holds at most one live booking of a slot (a partial unique
index): double booking and overbooking are impossible under concurrency."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Final

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.hierarchy.models import Department
from api.domains.notices.service import notify
from api.domains.services.common import region_at, soonest_first, text, user_of
from api.domains.services.enums import BookingStatus, SlotStatus
from api.domains.services.models import AppointmentBooking, AppointmentSlot
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level, path_codes
from policies.enforcer import authorize, can

MAX_CAPACITY: Final = 1000
MAX_SLOT_LENGTH: Final = timedelta(hours=12)
MAX_AHEAD: Final = timedelta(days=366)
REMIND_BEFORE: Final = timedelta(hours=24)  # the reminder goes out a day before the slot
PUBLISHERS: Final = {Level.CITY, Level.DISTRICT, Level.TOWNSHIP, Level.COMMUNITY}


async def publish_slot(
    *,
    actor: Principal,
    region_code: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    department_id: uuid.UUID | None = None,
    description: str = "",
    location: str = "",
) -> AppointmentSlot:
    """Offer a time for appointments at a community, or at a department of a region."""
    code = await region_at(region_code, PUBLISHERS)
    authorize(actor.assignments, "appointment_slot", "publish", at=code)
    if department_id is not None:
        department = await Department.get_or_none(id=department_id, is_active=True)
        if department is None or department.region_code != code:
            raise NotFound("department", department_id, field="departmentId")
        held = [a for a in actor.assignments if a.department_id is not None]
        if held and all(a.department_id != department_id for a in held):
            raise NotFound("department", department_id, field="departmentId")
    title = text(title, 100, field="title", required=True)
    now = clock.now()
    if starts_at <= now or starts_at > now + MAX_AHEAD:
        raise ValidationFailed(_("a slot starts in the future, within a year"), field="startsAt")
    if not starts_at < ends_at <= starts_at + MAX_SLOT_LENGTH:
        raise ValidationFailed(_("a slot ends after it starts, within 12 hours"), field="endsAt")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(
            _("capacity lies between 1 and {MAX_CAPACITY}", MAX_CAPACITY=MAX_CAPACITY),
            field="capacity",
        )
    return await AppointmentSlot.create(
        id=uuid.uuid4(),
        region_code=code,
        department_id=department_id,
        title=title,
        description=text(description, 1000, field="description"),
        location=text(location, 200, field="location"),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by_id=actor.user_id,
        created_at=now,
    )


async def _slot(actor: Principal, slot_id: uuid.UUID, action: str) -> AppointmentSlot:
    """A slot, locked, that the caller may `action` (else not found or forbidden)."""
    slot = await AppointmentSlot.filter(id=slot_id).select_for_update().first()
    if slot is None:
        raise NotFound("appointment slot", slot_id, field="slotId")
    authorize(actor.assignments, "appointment_slot", action, at=slot.region_code)
    return slot


async def cancel_slot(*, actor: Principal, slot_id: uuid.UUID, reason: str) -> AppointmentSlot:
    """Call a slot off: its bookings are cancelled and their bookers told."""
    why = text(reason, 500, field="reason", required=True)
    async with in_transaction():
        slot = await _slot(actor, slot_id, "publish")
        if slot.status is not SlotStatus.OPEN:
            raise Conflict(_("the slot is already cancelled"), code=ErrorCode.INVALID_TRANSITION)
        bookers = await AppointmentBooking.filter(
            slot_id=slot.id, status=BookingStatus.BOOKED
        ).values_list("booked_by_id", flat=True)
        now = clock.now()
        await AppointmentBooking.filter(slot_id=slot.id, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CANCELLED, cancelled_at=now
        )
        slot.status = SlotStatus.CANCELLED
        slot.cancelled_at = now
        slot.booked = 0
        await slot.save(update_fields=["status", "cancelled_at", "booked"])
        await notify(
            user_ids=[uuid.UUID(str(user_id)) for user_id in bookers],
            kind="appointment",
            title=_("Appointment cancelled: {title}", title=slot.title),
            body=why,
            region_code=slot.region_code,
        )
    return slot


async def book(
    *,
    actor: Principal,
    slot_id: uuid.UUID,
    for_name: str = "",
    note: str = "",
    booking_id: uuid.UUID | None = None,
) -> AppointmentBooking:
    """Book a place on a slot, for oneself or (staff) for a named resident; a retry with the
    same client-chosen id returns the first booking."""
    booker = user_of(actor)
    for_name = text(for_name, 50, field="forName")
    note = text(note, 500, field="note")
    async with in_transaction():
        slot = await _slot(actor, slot_id, "book")
        if booking_id is not None:
            earlier = await AppointmentBooking.get_or_none(id=booking_id)
            if earlier is not None:
                if earlier.booked_by_id != booker or earlier.slot_id != slot.id:
                    raise ValidationFailed(
                        _("this id was used for another booking"),
                        field="id",
                        code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    )
                return earlier
        if slot.status is not SlotStatus.OPEN or slot.starts_at <= clock.now():
            raise Conflict(_("the slot is no longer open"), code=ErrorCode.INVALID_TRANSITION)
        if await AppointmentBooking.exists(
            slot_id=slot.id, booked_by_id=booker, for_name=for_name, status=BookingStatus.BOOKED
        ):
            raise Conflict(
                _("you hold a booking of this slot already"), code=ErrorCode.ALREADY_EXISTS
            )
        if slot.booked >= slot.capacity:
            raise Conflict(_("the slot is full"), field="slotId")
        booking = await AppointmentBooking.create(
            id=booking_id or uuid.uuid4(),
            slot_id=slot.id,
            region_code=slot.region_code,
            booked_by_id=booker,
            for_name=for_name,
            note=note,
            created_at=clock.now(),
        )
        slot.booked += 1
        await slot.save(update_fields=["booked"])
    return booking


async def cancel_booking(*, actor: Principal, booking_id: uuid.UUID) -> AppointmentBooking:
    """Cancel a booking: its booker, or whoever may publish the slot."""
    async with in_transaction():
        booking = await AppointmentBooking.get_or_none(id=booking_id)
        if booking is None or (
            booking.booked_by_id != actor.user_id
            and not can(actor.assignments, "appointment_slot", "publish", at=booking.region_code)
        ):
            raise NotFound("appointment booking", booking_id, field="id")
        slot = await AppointmentSlot.filter(id=booking.slot_id).select_for_update().get()
        await booking.refresh_from_db()
        if booking.status is not BookingStatus.BOOKED:
            raise Conflict(_("the booking is already cancelled"), code=ErrorCode.INVALID_TRANSITION)
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = clock.now()
        await booking.save(update_fields=["status", "cancelled_at"])
        slot.booked -= 1
        await slot.save(update_fields=["booked"])
    return booking


async def slots(
    *, actor: Principal, region_code: str, include_past: bool, page: PageRequest
) -> tuple[Page[AppointmentSlot], QuerySet[AppointmentSlot]]:
    """Slots published in the region, below it and at the levels above it (a district
    department's slots are a community's residents' too), soonest first."""
    code = await region_at(region_code, set(Level))
    authorize(actor.assignments, "appointment_slot", "read", at=code)
    query = AppointmentSlot.filter(
        Q(region_code__in=path_codes(code)) | Q(region_code__startswith=code)
    )
    if not include_past:
        query = query.filter(ends_at__gt=clock.now(), status=SlotStatus.OPEN)
    return await soonest_first(query, page, "starts_at"), query


async def slot_bookings(
    *, actor: Principal, slot_id: uuid.UUID, page: PageRequest
) -> tuple[Page[AppointmentBooking], QuerySet[AppointmentBooking]]:
    """A slot's bookings, for whoever may publish it, in booking order."""
    slot = await AppointmentSlot.get_or_none(id=slot_id)
    if slot is None:
        raise NotFound("appointment slot", slot_id, field="slotId")
    authorize(actor.assignments, "appointment_slot", "publish", at=slot.region_code)
    query = AppointmentBooking.filter(slot_id=slot.id)
    return await soonest_first(query, page, "created_at"), query


async def my_bookings(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[AppointmentBooking], QuerySet[AppointmentBooking]]:
    """The caller's bookings, in booking order."""
    query = AppointmentBooking.filter(booked_by_id=user_of(actor))
    return await soonest_first(query, page, "created_at"), query


async def slots_by_id(ids: list[uuid.UUID]) -> dict[uuid.UUID, AppointmentSlot]:
    """The slots of a page of bookings, in one query."""
    return {slot.id: slot for slot in await AppointmentSlot.filter(id__in=ids)}


async def remind_due(*, now: datetime, batch: int = 500) -> int:
    """Tell each booker once, a day before their slot (idempotent: a reminded booking is
    marked, and a concurrent run skips the rows another holds)."""
    reminded = 0
    async with in_transaction():
        due = (
            await AppointmentBooking.filter(
                status=BookingStatus.BOOKED,
                reminded_at=None,
                slot__status=SlotStatus.OPEN,
                slot__starts_at__gt=now,
                slot__starts_at__lte=now + REMIND_BEFORE,
            )
            .select_for_update(skip_locked=True, of=("appointment_bookings",))
            .limit(batch)
        )
        found = await slots_by_id([b.slot_id for b in due])
        for booking in due:
            slot = found[booking.slot_id]
            when = slot.starts_at.astimezone(LOCAL).strftime("%m-%d %H:%M")
            reminded += await notify(
                user_ids=[booking.booked_by_id],
                dedupe_key=f"appointment:{booking.id}",
                kind="appointment",
                title=_(
                    "Appointment reminder: {title} {when} ({name})",
                    title=slot.title,
                    when=when,
                    name=booking.for_name,
                )
                if booking.for_name
                else _("Appointment reminder: {title} {when}", title=slot.title, when=when),
                body=slot.location,
                region_code=slot.region_code,
            )
        if due:
            await AppointmentBooking.filter(id__in=[b.id for b in due]).update(reminded_at=now)
    return reminded
