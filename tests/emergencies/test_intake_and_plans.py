"""Where incidents come from (a hotline work order, an URGENT/MAJOR event: one step, linked both
ways), plans' versions, tasks reassigned, workers near the incident, and the incident's own
verification deadline enforced by the shared sweep."""

from __future__ import annotations

from datetime import timedelta

import httpx

from api import clock
from api.domains.notices.models import Notice
from api.flows import sweep
from tests import factories
from tests.emergencies.helpers import (
    ACTIVATE,
    OPEN,
    OPEN_FROM_EVENT,
    REASSIGN_TASK,
    SAVE_PLAN,
    City,
    call,
    city,
    phone_report,
    plan_input,
)
from tests.events.helpers import REPORT, report_input, run
from tests.factories import gql
from tests.intake.helpers import api_key

SUBMIT_WORK_ORDER = (
    "mutation($input: WorkOrderInput!) { submitWorkOrder(input: $input) { __typename"
    " ... on WorkOrderPayload { workOrder { ticketId event { uuid } } } } }"
)
INCIDENT_OF_EVENT = "query($e: ID!) { incidentOfEvent(eventId: $e) { number eventId source } }"


async def _activated(client: httpx.AsyncClient, people: City) -> tuple[dict[str, object], str]:
    plan = (await call(client, SAVE_PLAN, people.district, input=plan_input(people)))["plan"]
    incident = (await call(client, OPEN, people.district, input=phone_report()))["incident"]
    active = await call(
        client,
        ACTIVATE,
        people.district,
        id=incident["id"],
        plan=plan["id"],
        level="III",
        commander=str(people.commander.id),
    )
    assert active["__typename"] == "IncidentPayload", active
    return active["incident"], plan["id"]


async def test_an_urgent_event_becomes_an_incident_in_one_step_linked_both_ways(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    urgent = (await run(client, REPORT, worker, input=report_input(priority="URGENT")))["event"]
    normal = (await run(client, REPORT, worker, input=report_input()))["event"]

    opened = await call(client, OPEN_FROM_EVENT, people.district, event=urgent["uuid"], type="0203")
    again = await call(client, OPEN_FROM_EVENT, people.district, event=urgent["uuid"], type="0203")
    refused = await call(
        client, OPEN_FROM_EVENT, people.district, event=normal["uuid"], type="0203"
    )
    linked = await call(client, INCIDENT_OF_EVENT, people.city, e=urgent["uuid"])

    assert opened["__typename"] == "IncidentPayload", opened
    assert (again["__typename"], again["code"]) == ("ConflictError", "ALREADY_EXISTS")
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "eventId")
    assert linked == {
        "number": opened["incident"]["number"],
        "eventId": urgent["uuid"],
        "source": "EVENT",
    }


async def test_a_hotline_work_order_opens_an_incident(client: httpx.AsyncClient) -> None:
    people = await city()
    key = await api_key("410611")
    order = {
        "ticketId": "12345-20261207-0001",
        "idempotencyKey": "k-1",
        "content": "华山路有大量燃气味，疑似管道泄漏",
        "categoryKey": "city.0601",
        "urgency": "URGENT",
        "regionCode": "410611001001",
    }
    submitted = await gql(client, SUBMIT_WORK_ORDER, {"input": order}, headers={"X-Api-Key": key})
    event = submitted["data"]["submitWorkOrder"]["workOrder"]["event"]["uuid"]

    report = phone_report(source="HOTLINE", ticketId="12345-20261207-0001", typeCode="0203")
    opened = await call(client, OPEN, people.district, input=report)
    unknown = await call(client, OPEN, people.district, input={**report, "ticketId": "12345-none"})
    no_ticket = await call(client, OPEN, people.district, input={**report, "ticketId": None})

    assert opened["__typename"] == "IncidentPayload", opened
    linked = await call(client, INCIDENT_OF_EVENT, people.district, e=event)
    assert linked["number"] == opened["incident"]["number"]
    assert (unknown["__typename"], unknown["field"]) == ("NotFoundError", "ticketId")
    assert (no_ticket["__typename"], no_ticket["field"]) == ("ValidationError", "ticketId")


async def test_an_activation_keeps_the_plan_version_it_used(client: httpx.AsyncClient) -> None:
    people = await city()
    incident, _ = await _activated(client, people)

    revised = await call(
        client, SAVE_PLAN, people.district, input=plan_input(people, name="（2027修订）")
    )
    listed = await gql(
        client,
        'query { emergencyPlans(scope: "410611001") { edges { node { version isCurrent } } } }',
        token=people.township,
    )
    record = await gql(
        client,
        "query($id: ID!) { incident(id: $id) { plan { uuid version isCurrent } } }",
        {"id": incident["id"]},
        token=people.district,
    )

    assert (revised["plan"]["version"], revised["plan"]["isCurrent"]) == (2, True)
    assert [e["node"] for e in listed["data"]["emergencyPlans"]["edges"]] == [
        {"version": 2, "isCurrent": True}
    ]
    assert record["data"]["incident"]["plan"]["version"] == 1
    assert record["data"]["incident"]["plan"]["isCurrent"] is False


async def test_a_task_is_reassigned_only_within_the_incidents_path(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    incident, _ = await _activated(client, people)
    tasks = await gql(
        client,
        "query($id: ID!) { incident(id: $id) { tasks { id departmentId dueAt } } }",
        {"id": incident["id"]},
        token=people.district,
    )
    police_task = tasks["data"]["incident"]["tasks"][0]

    moved = await call(
        client,
        REASSIGN_TASK,
        people.district,
        id=police_task["id"],
        department=people.fire,
        note="警力不足",
    )
    outside = await call(
        client,
        REASSIGN_TASK,
        people.district,
        id=police_task["id"],
        department=people.elsewhere,
        note="x",
    )

    assert moved["task"]["departmentId"] == people.fire
    assert (outside["__typename"], outside["code"]) == ("ValidationError", "OUTSIDE_AREA")


async def test_workers_near_the_incident(client: httpx.AsyncClient) -> None:
    people = await city()
    incident, _ = await _activated(client, people)
    _, near = await factories.signed_in("grid_worker", "410611001001001")
    _, far = await factories.signed_in("grid_worker", "410611001001001")
    report = (
        "mutation($lat: Float!, $lng: Float!, $at: DateTime!) {"
        " reportPosition(lat: $lat, lng: $lng, accuracy: 5, at: $at) { __typename } }"
    )
    at = clock.now().isoformat()
    await gql(client, report, {"lat": 35.751, "lng": 114.301, "at": at}, token=near)
    await gql(client, report, {"lat": 35.9, "lng": 114.5, "at": at}, token=far)

    found = await gql(
        client,
        "query($id: ID!) { incident(id: $id) { nearbyWorkers(radiusMetres: 1000) { lat lng } } }",
        {"id": incident["id"]},
        token=people.district,
    )

    assert found["data"]["incident"]["nearbyWorkers"] == [{"lat": 35.751, "lng": 114.301}]


async def test_an_unverified_report_is_carded_by_the_shared_sweep(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    incident = (await call(client, OPEN, people.township, input=phone_report()))["incident"]

    clock.move(timedelta(minutes=50))  # 80% of the hour to verify
    reminded = await sweep()
    clock.move(timedelta(minutes=15))
    carded = await sweep()
    clock.move(-timedelta(minutes=65))  # back, where the access tokens are still valid

    assert (reminded.reminders, carded.yellow_cards) == (1, 1)
    record = await gql(
        client,
        "query($id: ID!) { incident(id: $id) { card status } }",
        {"id": incident["id"]},
        token=people.district,
    )
    assert record["data"]["incident"] == {"card": "YELLOW", "status": "VERIFYING"}
    kinds = await Notice.filter(kind__in=["reminder", "yellow_card"]).values_list("kind", flat=True)
    assert sorted(kinds) == ["reminder", "yellow_card"]  # to whoever took the call


async def test_the_incident_list_is_scoped_paginated_and_loads_records_per_page(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    await _activated(client, people)
    await call(client, OPEN, people.district, input=phone_report(title="第二起", drill=True))
    _, other = await factories.signed_in("district_command", "410602")
    await call(client, OPEN, other, input=phone_report(title="鹤山区", regionCode="410602001001"))
    page = (
        "query($s: String!, $after: String, $drill: Boolean) { incidents(scope: $s, first: 1,"
        " after: $after, drill: $drill) { totalCount pageInfo { hasNextPage endCursor }"
        " edges { node { title drill tasks { title } situationReports { number } } } } }"
    )

    first = (await gql(client, page, {"s": "410611"}, token=people.district))["data"]["incidents"]
    second = (
        await gql(
            client,
            page,
            {"s": "410611", "after": first["pageInfo"]["endCursor"]},
            token=people.district,
        )
    )["data"]["incidents"]
    real = (await gql(client, page, {"s": "4106", "drill": False}, token=people.city))["data"][
        "incidents"
    ]
    beyond = await gql(client, page, {"s": "410602"}, token=people.district)

    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"]
    assert [e["node"]["title"] for e in first["edges"] + second["edges"]] == [
        "第二起",
        "淇河路多车相撞",
    ]
    assert second["edges"][0]["node"]["tasks"] == [{"title": "交通管制"}, {"title": "现场救援"}]
    assert not second["pageInfo"]["hasNextPage"]
    assert real["totalCount"] == 2  # 淇滨区's real one and 鹤山区's, not the drill
    assert [e.get("extensions", {}).get("code") for e in beyond["errors"]] == ["NOT_FOUND"]
