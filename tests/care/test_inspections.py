"""Safety inspections: two hazards through rectification on the flow kernel, one overdue and
yellow-carded by the shared sweep, re-inspection (failed with a new deadline, then passed),
closure, and the hazard ledger; bad input writes nothing; a hazard becomes an event in one step."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.care.models import Hazard, Inspection
from api.domains.events.models import Event
from api.domains.notices.models import Notice
from api.flows import sweep
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard
from tests import factories
from tests.care.helpers import COMMUNITY, ERROR, GRID, OTHER_GRID, first, house
from tests.diaries.helpers import person
from tests.factories import error_codes, gql

HAZARD_FIELDS = "id status card deadline dueAt hazardType level ownerName closedAt eventId version"
RECORD = (
    "mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { __typename"
    f" ... on InspectionPayload {{ inspection {{ id status targetLabel"
    f" hazards {{ {HAZARD_FIELDS} }} }} }} {ERROR} }} }}"
)
REINSPECT = (
    "mutation($id: ID!, $passed: Boolean!, $note: String!, $deadline: DateTime) {"
    " reinspectHazard(id: $id, passed: $passed, note: $note, newDeadline: $deadline) {"
    f" __typename ... on HazardPayload {{ hazard {{ {HAZARD_FIELDS} }} }} {ERROR} }} }}"
)
CLOSE = (
    'mutation($id: ID!) { closeHazard(id: $id, note: "已销号") { __typename'
    f" ... on HazardPayload {{ hazard {{ {HAZARD_FIELDS} }} }} {ERROR} }} }}"
)
ESCALATE = (
    'mutation($id: ID!) { escalateHazard(id: $id, categoryKey: "city.0601") { __typename'
    f" ... on HazardEscalatedPayload {{ eventId caseNumber hazard {{ eventId }} }} {ERROR} }} }}"
)
INSPECTION = (
    "query($id: ID!) { inspection(id: $id) { status closedAt hazards { status card }"
    " steps { recordId subject action toStatus } } }"
)
LEDGER = (
    "query($r: String!, $from: Date!, $to: Date!, $overdue: Boolean) {"
    " hazardLedger(regionCode: $r, from: $from, to: $to, overdueOnly: $overdue, first: 1) {"
    " totalCount pageInfo { hasNextPage endCursor }"
    f" edges {{ node {{ {HAZARD_FIELDS} }} }} }} }}"
)


def hazard_input(days: int, **extra: Any) -> dict[str, Any]:
    return {
        "hazardType": "01",
        "level": "GENERAL",
        "description": f"楼道堆放杂物 {days}",
        "ownerName": "物业 王经理",
        "deadline": (clock.now() + timedelta(days=days)).isoformat(),
        "photoIds": ["upload-1"],
        "lat": 35.75,
        "lng": 114.29,
        **extra,
    }


def inspection_input(target_id: str, *hazards: dict[str, Any]) -> dict[str, Any]:
    return {
        "targetKind": "HOUSE",
        "targetId": target_id,
        "inspectedAt": clock.now().isoformat(),
        "note": "消防安全检查",
        "hazards": list(hazards),
    }


async def test_two_hazards_one_overdue_are_reinspected_closed_and_in_the_ledger(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    _, staff = await person("community_staff", COMMUNITY)
    owner = await factories.user("community_staff", COMMUNITY)  # 整改责任人 with an account
    target = await house()

    recorded = first(
        await gql(
            client,
            RECORD,
            {
                "input": inspection_input(
                    str(target.id), hazard_input(3, ownerUserId=str(owner.id)), hazard_input(10)
                )
            },
            token=worker,
        )
    )
    assert recorded["__typename"] == "InspectionPayload", recorded
    soon, later = recorded["inspection"]["hazards"]
    assert recorded["inspection"]["status"] == "OPEN"
    assert soon["status"] == later["status"] == "RECTIFYING"

    # closing before a re-inspection is refused, and changes nothing
    early = first(await gql(client, CLOSE, {"id": soon["id"]}, token=worker))
    assert early["__typename"] == "ConflictError" and early["code"] == "INVALID_TRANSITION"

    # the shared sweep: a reminder at 80% of the three days, a yellow card past the deadline;
    # the second hazard (ten days) is not yet near its reminder
    clock.move(timedelta(days=2, hours=12))
    assert (await sweep()).reminders == 1
    assert await FlowCard.filter(flow="hazard").count() == 0
    clock.move(timedelta(days=1, hours=12))
    swept = await sweep()
    assert (swept.reminders, swept.yellow_cards, swept.red_cards) == (0, 1, 0)
    cards = await FlowCard.filter(flow="hazard").values_list("record_id", "card")
    assert [(str(record_id), card) for record_id, card in cards] == [(soon["id"], "yellow")]
    told = (
        await Notice.filter(user_id=owner.id).order_by("created_at").values_list("kind", flat=True)
    )
    assert told == ["reminder", "yellow_card"]

    # a new deadline in the past is refused, and nothing changes
    past = {
        "id": soon["id"],
        "passed": False,
        "note": "杂物未清完",
        "deadline": (clock.now() - timedelta(hours=1)).isoformat(),
    }
    before = await Hazard.get(id=soon["id"])
    refused = first(await gql(client, REINSPECT, past, token=worker))
    assert refused["__typename"] == "ValidationError" and refused["field"] == "newDeadline"
    unchanged = await Hazard.get(id=soon["id"])
    assert (unchanged.status, unchanged.version, unchanged.deadline) == (
        "rectifying",
        before.version,
        before.deadline,
    )

    failed = first(
        await gql(
            client,
            REINSPECT,
            {
                "id": soon["id"],
                "passed": False,
                "note": "杂物未清完",
                "deadline": (clock.now() + timedelta(days=2)).isoformat(),
            },
            token=worker,
        )
    )
    assert failed["hazard"]["status"] == "RECTIFYING" and failed["hazard"]["card"] == "yellow"
    passed = first(
        await gql(client, REINSPECT, {"id": soon["id"], "passed": True, "note": ""}, token=staff)
    )
    assert passed["hazard"]["status"] == "REINSPECTED"
    closed = first(await gql(client, CLOSE, {"id": soon["id"]}, token=worker))
    assert closed["hazard"]["status"] == "CLOSED" and closed["hazard"]["closedAt"]
    still_open = first(
        await gql(client, INSPECTION, {"id": recorded["inspection"]["id"]}, token=worker)
    )
    assert still_open["status"] == "OPEN"

    step = {"id": later["id"], "passed": True, "note": "已整改"}
    assert first(await gql(client, REINSPECT, step, token=worker))["hazard"]["status"] == (
        "REINSPECTED"
    )
    assert (
        first(await gql(client, CLOSE, {"id": later["id"]}, token=worker))["hazard"]["status"]
        == "CLOSED"
    )
    done = first(await gql(client, INSPECTION, {"id": recorded["inspection"]["id"]}, token=worker))
    assert done["status"] == "CLOSED" and done["closedAt"]
    assert sorted(h["card"] for h in done["hazards"]) == ["none", "yellow"]
    # the kernel's timeline: the inspection recorded and closed, each hazard's steps
    steps = [(s["subject"], s["action"]) for s in done["steps"]]
    assert steps[0] == ("inspection", "record") and steps[-1] == ("inspection", "close")
    of_soon = [s["action"] for s in done["steps"] if s["recordId"] == soon["id"]]
    assert of_soon == ["find", "remind", "yellow_card", "extend", "reinspect", "close"]

    today = clock.now().astimezone(LOCAL).date()
    period = {"r": COMMUNITY, "from": str(today - timedelta(days=30)), "to": str(today)}
    ledger = first(await gql(client, LEDGER, period, token=staff))
    assert ledger["totalCount"] == 2 and ledger["pageInfo"]["hasNextPage"]
    overdue = first(await gql(client, LEDGER, {**period, "overdue": True}, token=staff))
    assert [edge["node"]["id"] for edge in overdue["edges"]] == [soon["id"]]
    outside = await gql(client, LEDGER, {**period, "r": OTHER_GRID}, token=staff)
    assert error_codes(outside) and outside["data"] is None


async def test_bad_inspections_write_nothing(client: httpx.AsyncClient, db: None) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    target = await house()
    other = await house(OTHER_GRID, "H-0002")

    cases = [
        (inspection_input(str(target.id), hazard_input(-1)), "hazards.0.deadline"),
        (
            inspection_input(str(target.id), hazard_input(3, hazardType="77")),
            "hazards.0.hazardType",
        ),
        (inspection_input(str(target.id), hazard_input(3, ownerName=" ")), "hazards.0.ownerName"),
        (inspection_input(str(target.id), hazard_input(3, lat=95.0)), "hazards.0.lat"),
        (inspection_input(str(target.id), *[hazard_input(3)] * 21), "hazards"),
    ]
    for sent, field in cases:
        result = first(await gql(client, RECORD, {"input": sent}, token=worker))
        assert result["__typename"] == "ValidationError" and result["field"] == field, result
    outside = first(
        await gql(client, RECORD, {"input": inspection_input(str(other.id))}, token=worker)
    )
    assert outside["__typename"] == "NotFoundError"
    unknown_owner = first(
        await gql(
            client,
            RECORD,
            {
                "input": inspection_input(
                    str(target.id), hazard_input(3), hazard_input(3, ownerUserId=str(uuid.uuid4()))
                )
            },
            token=worker,
        )
    )
    assert unknown_owner["__typename"] == "NotFoundError"
    assert unknown_owner["field"] == "hazards.1.ownerUserId"
    assert await Inspection.all().count() == 0 and await Hazard.all().count() == 0


async def test_a_hazard_becomes_an_event_in_one_step(client: httpx.AsyncClient, db: None) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    target = await house()
    recorded = first(
        await gql(
            client,
            RECORD,
            {"input": inspection_input(str(target.id), hazard_input(5))},
            token=worker,
        )
    )
    hazard_id = recorded["inspection"]["hazards"][0]["id"]

    escalated = first(await gql(client, ESCALATE, {"id": hazard_id}, token=worker))
    again = first(await gql(client, ESCALATE, {"id": hazard_id}, token=worker))

    assert escalated["__typename"] == "HazardEscalatedPayload", escalated
    assert escalated["hazard"]["eventId"] == escalated["eventId"] and escalated["caseNumber"]
    event = await Event.get(id=escalated["eventId"])
    assert event.region_code == GRID
    assert again["__typename"] == "ConflictError" and again["code"] == "ALREADY_EXISTS"
    assert await Event.all().count() == 1
