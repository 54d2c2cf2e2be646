"""Appointments (预约联动, issue 25 part 9): a community or department publishes slots, citizens
and staff book and cancel, bookers are reminded by the worker; overbooking a full slot and a
second booking of one person are impossible when the requests arrive together."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.notices.models import Notice
from api.domains.services.models import AppointmentBooking, AppointmentSlot
from tests import factories
from tests.factories import error_codes, gql
from tests.services.helpers import COMMUNITY, GRID, OTHER_COMMUNITY, citizen
from workers.services import remind_appointments

PUBLISH = """
mutation($input: AppointmentSlotInput!) { publishAppointmentSlot(input: $input) { __typename
  ... on AppointmentSlotPayload { slot { id capacity booked remaining status departmentId } }
  ... on Error { code field } } }"""
BOOK = """
mutation($slot: ID!, $for: String!) { bookAppointment(slotId: $slot, forName: $for) { __typename
  ... on AppointmentBookingPayload { booking { id status forName slot { booked remaining } } }
  ... on Error { code field } } }"""
CANCEL = """
mutation($id: ID!) { cancelAppointmentBooking(id: $id) { __typename
  ... on AppointmentBookingPayload { booking { status slot { booked } } }
  ... on Error { code } } }"""


def slot_input(**changes: Any) -> dict[str, Any]:
    starts = clock.now() + timedelta(days=2)
    values = {
        "regionCode": COMMUNITY,
        "title": "社区法律咨询",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=1)).isoformat(),
        "capacity": 2,
        "location": "金山社区服务中心",
    }
    return {**values, **changes}


async def publish(client: httpx.AsyncClient, token: str, **changes: Any) -> dict[str, Any]:
    body = await gql(client, PUBLISH, {"input": slot_input(**changes)}, token=token)
    return body["data"]["publishAppointmentSlot"]


async def book(client: httpx.AsyncClient, token: str, slot: str, for_name: str = "") -> Any:
    return (await gql(client, BOOK, {"slot": slot, "for": for_name}, token=token))["data"][
        "bookAppointment"
    ]


async def test_a_full_slot_takes_no_more_bookings_however_many_arrive_at_once(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    residents = [(await citizen(f"86139000001{n:02d}"))[1] for n in range(6)]
    slot = (await publish(client, staff))["slot"]["id"]

    outcomes = await asyncio.gather(*(book(client, token, slot) for token in residents))

    booked = [o for o in outcomes if o["__typename"] == "AppointmentBookingPayload"]
    refused = [o for o in outcomes if o["__typename"] == "ConflictError"]
    assert (len(booked), len(refused)) == (2, 4)
    assert all(o["code"] == "CONFLICT" and o["field"] == "slotId" for o in refused)
    stored = await AppointmentSlot.get(id=slot)
    assert stored.booked == 2
    assert await AppointmentBooking.filter(slot_id=slot, status="booked").count() == 2

    # a place freed is a place to book again; only its booker cancels, and only once
    owner, first = next(
        (token, o["booking"]["id"])
        for token, o in zip(residents, outcomes, strict=True)
        if o["__typename"] == "AppointmentBookingPayload"
    )
    stranger = next(token for token, o in zip(residents, outcomes, strict=True) if "code" in o)
    foreign = (await gql(client, CANCEL, {"id": first}, token=stranger))["data"]
    assert foreign["cancelAppointmentBooking"]["__typename"] == "NotFoundError"
    cancelled = (await gql(client, CANCEL, {"id": first}, token=owner))["data"]
    assert cancelled["cancelAppointmentBooking"]["booking"] == {
        "status": "CANCELLED",
        "slot": {"booked": 1},
    }
    twice = (await gql(client, CANCEL, {"id": first}, token=owner))["data"]
    assert twice["cancelAppointmentBooking"]["code"] == "INVALID_TRANSITION"
    refill = await book(client, residents[5], slot, "王大妈")
    assert refill["booking"]["slot"] == {"booked": 2, "remaining": 0}


async def test_one_person_books_a_slot_once_even_twice_at_once(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, resident = await citizen("8613900000009")
    slot = (await publish(client, staff, capacity=10))["slot"]["id"]

    outcomes = await asyncio.gather(*(book(client, resident, slot) for _ in range(4)))

    assert sorted(o["__typename"] for o in outcomes) == [
        "AppointmentBookingPayload",
        "ConflictError",
        "ConflictError",
        "ConflictError",
    ]
    assert {o["code"] for o in outcomes if "code" in o} == {"ALREADY_EXISTS"}
    assert (await AppointmentSlot.get(id=slot)).booked == 1
    # staff book for named residents: one booking per name
    for_wang = await book(client, staff, slot, "王大妈")
    for_wang_again = await book(client, staff, slot, "王大妈")
    for_li = await book(client, staff, slot, "李大爷")
    assert for_wang["booking"]["forName"] == "王大妈"
    assert for_wang_again["code"] == "ALREADY_EXISTS"
    assert for_li["booking"]["slot"]["booked"] == 3
    # a phone's retry with its own id is the same booking, not a conflict
    chosen = str(uuid.uuid4())
    retry = 'mutation($s: ID!, $id: ID!) { bookAppointment(slotId: $s, forName: "张阿姨", id: $id)'
    retry += " { __typename ... on AppointmentBookingPayload { booking { id } } ... on Error { code } } }"
    sent = [(await gql(client, retry, {"s": slot, "id": chosen}, token=staff)) for _ in range(2)]
    assert [b["data"]["bookAppointment"].get("booking") for b in sent] == [{"id": chosen}] * 2
    reused = await gql(client, retry, {"s": slot, "id": chosen}, token=resident)
    assert reused["data"]["bookAppointment"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (await AppointmentSlot.get(id=slot)).booked == 4
    mine = await gql(
        client,
        "{ myAppointmentBookings { totalCount edges { node { slot { title } } } } }",
        token=resident,
    )
    assert mine["data"]["myAppointmentBookings"]["totalCount"] == 1
    listed = await gql(
        client,
        "query($s: ID!) { appointmentBookings(slotId: $s) { totalCount } }",
        {"s": slot},
        token=staff,
    )
    assert listed["data"]["appointmentBookings"]["totalCount"] == 4
    hidden = await gql(
        client,
        "query($s: ID!) { appointmentBookings(slotId: $s) { totalCount } }",
        {"s": slot},
        token=resident,
    )
    assert error_codes(hidden) == ["FORBIDDEN"]


async def test_bad_slots_are_refused_and_departments_publish_at_their_region(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    police = await factories.department("410611")
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, officer = await factories.signed_in("department_staff", "410611", department_id=police.id)
    _, other_staff = await factories.signed_in("community_staff", OTHER_COMMUNITY)
    _, resident = await citizen("8613900000010")
    past = (clock.now() - timedelta(hours=1)).isoformat()

    assert (await publish(client, staff, startsAt=past))["field"] == "startsAt"
    assert (await publish(client, staff, capacity=0))["field"] == "capacity"
    assert (await publish(client, staff, endsAt=slot_input()["startsAt"]))["field"] == "endsAt"
    assert (await publish(client, staff, title=" "))["field"] == "title"
    assert (await publish(client, staff, regionCode=GRID))["code"] == "INVALID_CODE"
    assert (await publish(client, other_staff))["__typename"] == "NotFoundError"
    assert await AppointmentSlot.all().count() == 0

    desk = await publish(client, officer, regionCode="410611", departmentId=str(police.id))
    assert desk["slot"]["departmentId"] == str(police.id)
    # a community's residents see their community's slots and the district departments'
    staff_slot = (await publish(client, staff))["slot"]["id"]
    seen = await gql(
        client,
        "query($r: String!) { appointmentSlots(regionCode: $r) { totalCount } }",
        {"r": GRID},
        token=resident,
    )
    assert seen["data"]["appointmentSlots"]["totalCount"] == 2
    elsewhere = await gql(
        client,
        "query($r: String!) { appointmentSlots(regionCode: $r) { totalCount } }",
        {"r": OTHER_COMMUNITY},
        token=resident,
    )
    assert elsewhere["data"]["appointmentSlots"]["totalCount"] == 0

    # calling a slot off cancels its bookings and tells the bookers
    booked = await book(client, resident, staff_slot)
    off = await gql(
        client,
        'mutation($id: ID!) { cancelAppointmentSlot(id: $id, reason: "场地维修") { __typename'
        " ... on AppointmentSlotPayload { slot { status booked } } } }",
        {"id": staff_slot},
        token=staff,
    )
    assert off["data"]["cancelAppointmentSlot"]["slot"] == {"status": "CANCELLED", "booked": 0}
    assert (await AppointmentBooking.get(id=booked["booking"]["id"])).status == "cancelled"
    assert await Notice.filter(kind="appointment", title__startswith="预约取消").count() == 1
    late = await book(client, resident, staff_slot)
    assert late["code"] == "INVALID_TRANSITION"


async def test_bookers_are_reminded_once_a_day_before(client: httpx.AsyncClient, db: None) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    resident, token = await citizen("8613900000011")
    other, other_token = await citizen("8613900000012")
    soon = (await publish(client, staff))["slot"]["id"]  # in two days
    later = (
        await publish(
            client,
            staff,
            startsAt=(clock.now() + timedelta(days=5)).isoformat(),
            endsAt=(clock.now() + timedelta(days=5, hours=1)).isoformat(),
        )
    )["slot"]["id"]
    await book(client, token, soon)
    await book(client, other_token, later)
    cancelled = await book(client, other_token, soon)
    await gql(client, CANCEL, {"id": cancelled["booking"]["id"]}, token=other_token)

    assert await remind_appointments({}) == 0  # two days ahead: not yet
    clock.move(timedelta(days=1, hours=1))
    first = await remind_appointments({})
    again = await remind_appointments({})

    assert (first, again) == (1, 0)
    reminders = await Notice.filter(kind="appointment")
    assert [n.user_id for n in reminders] == [resident.id]
    assert reminders[0].title.startswith("预约提醒: 社区法律咨询")
    assert other.id not in {n.user_id for n in reminders}
