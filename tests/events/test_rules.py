"""What the loop refuses, with typed errors and nothing changed; concurrency; idempotency."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.domains.events.models import Event, TimelineEntry
from api.domains.hierarchy.models import Department, Region
from tests import factories
from tests.events.helpers import (
    ACCEPT,
    ASSIGN,
    ESCALATE,
    FILE,
    REJECT,
    REPORT,
    SUBMIT,
    VERIFY,
    report_input,
    run,
)
from tests.factories import gql


async def _reported(client: httpx.AsyncClient, **overrides: object) -> tuple[str, str]:
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    result = await run(client, REPORT, worker, input=report_input(**overrides))
    return result["event"]["uuid"], worker


async def _snapshot(event_id: str) -> tuple[object, ...]:
    event = await Event.get(id=event_id)
    return (
        event.status,
        event.version,
        event.handling_region_code,
        await TimelineEntry.filter(event_id=event_id).count(),
    )


async def test_wrong_state_wrong_role_wrong_level_and_out_of_scope(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    event_id, worker = await _reported(client)
    _, other_township = await factories.signed_in("township_centre", "410611002")
    _, township = await factories.signed_in("township_centre", "410611001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    before = await _snapshot(event_id)

    wrong_state = await run(client, ACCEPT, grid_leader, id=event_id)
    wrong_role = await run(client, FILE, worker, id=event_id)
    wrong_level = await run(client, FILE, township, id=event_id)
    out_of_scope = await run(client, FILE, other_township, id=event_id)
    no_reason = await run(client, REJECT, grid_leader, id=event_id, note="  ")

    assert (wrong_state["__typename"], wrong_state["code"]) == (
        "ConflictError",
        "INVALID_TRANSITION",
    )
    assert (wrong_role["__typename"], wrong_role["code"]) == ("NotAllowedError", "NOT_ALLOWED")
    assert (wrong_level["__typename"], wrong_level["code"]) == ("NotAllowedError", "NOT_ALLOWED")
    assert (out_of_scope["__typename"], out_of_scope["code"]) == ("NotFoundError", "NOT_FOUND")
    assert (no_reason["__typename"], no_reason["field"]) == ("ValidationError", "note")
    assert await _snapshot(event_id) == before

    filed = await run(client, FILE, grid_leader, id=event_id)
    assert filed["event"]["status"] == "FILED"
    twice = await run(client, FILE, grid_leader, id=event_id)
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "INVALID_TRANSITION")


async def test_only_the_assignee_handles(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    event_id, _ = await _reported(client)
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    chosen = await factories.user("grid_worker", "410611001001001")
    _, chosen_token = await factories.signed_in("grid_worker", "410611001001001")  # another worker
    await run(client, FILE, grid_leader, id=event_id)
    await run(client, ASSIGN, grid_leader, id=event_id, department=None, user=str(chosen.id))

    stranger = await run(client, ACCEPT, chosen_token, id=event_id)

    assert (stranger["__typename"], stranger["code"]) == ("NotAllowedError", "NOT_ALLOWED")
    assert (await Event.get(id=event_id)).status == "assigned"


async def test_dispatch_targets_must_lie_at_or_below_the_holding_level(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    event_id, _ = await _reported(client)
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    district_police = await Department.create(region_code="410611", code="police", name="公安分局")
    elsewhere = await factories.user("grid_worker", "410611002001001")
    await run(client, FILE, grid_leader, id=event_id)

    above = await run(
        client, ASSIGN, grid_leader, id=event_id, department=str(district_police.id), user=None
    )
    outside = await run(
        client, ASSIGN, grid_leader, id=event_id, department=None, user=str(elsewhere.id)
    )
    nobody = await run(client, ASSIGN, grid_leader, id=event_id, department=None, user=None)

    assert (above["__typename"], above["field"]) == ("NotFoundError", "departmentId")
    assert (outside["__typename"], outside["field"]) == ("NotFoundError", "userId")
    assert (nobody["__typename"], nobody["field"]) == ("ValidationError", "departmentId")
    assert (await Event.get(id=event_id)).status == "filed"


async def test_two_concurrent_assigns_one_wins(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    event_id, _ = await _reported(client)
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    first = await factories.user("grid_worker", "410611001001001")
    second = await factories.user("grid_worker", "410611001001001")
    await run(client, FILE, grid_leader, id=event_id)

    results = await asyncio.gather(
        run(client, ASSIGN, grid_leader, id=event_id, department=None, user=str(first.id)),
        run(client, ASSIGN, grid_leader, id=event_id, department=None, user=str(second.id)),
    )

    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["ConflictError", "EventPayload"]
    assert await TimelineEntry.filter(event_id=event_id, action="assign").count() == 1


async def test_a_stale_version_is_a_conflict(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    event_id, _ = await _reported(client)
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")

    body = await gql(
        client,
        "mutation($id: ID!) { fileEvent(id: $id, expectedVersion: 7) { __typename ... on Error { code } } }",
        {"id": event_id},
        token=grid_leader,
    )

    assert body["data"]["fileEvent"] == {"__typename": "ConflictError", "code": "CONFLICT"}


async def test_an_offline_retry_is_the_same_event(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    chosen_id = "5b0c7a52-3f0e-4d9e-9d57-2f4c0a9c1e11"

    first = await run(client, REPORT, worker, input=report_input(id=chosen_id))
    again = await run(client, REPORT, worker, input=report_input(id=chosen_id))
    _, someone_else = await factories.signed_in("grid_worker", "410611001001001")
    hijack = await run(client, REPORT, someone_else, input=report_input(id=chosen_id))

    assert first["event"]["uuid"] == again["event"]["uuid"] == chosen_id
    assert first["event"]["caseNumber"] == again["event"]["caseNumber"]
    assert await Event.all().count() == 1
    assert (hijack["__typename"], hijack["code"]) == ("ConflictError", "ALREADY_EXISTS")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"categoryKey": "city.9999"}, "categoryKey"),
        ({"regionCode": "41061100100"}, "regionCode"),
        ({"regionCode": None, "location": {"lat": 95.0, "lng": 114.3}}, "location"),
    ],
)
async def test_bad_reports_get_typed_errors_and_write_nothing(
    client: httpx.AsyncClient, overrides: dict, field: str
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")

    result = await run(client, REPORT, worker, input=report_input(**overrides))

    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert await Event.all().count() == 0


async def test_a_grid_worker_cannot_report_in_another_grid(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")

    result = await run(client, REPORT, worker, input=report_input(regionCode="410611002001001"))

    # another grid is outside a worker's area: a typed error that says so
    assert (result["__typename"], result["code"], result["field"]) == (
        "ValidationError",
        "OUTSIDE_AREA",
        "regionCode",
    )


async def test_location_finds_the_grid_else_the_reporters(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    square = {
        "type": "Polygon",
        "coordinates": [
            [[114.30, 35.74], [114.31, 35.74], [114.31, 35.75], [114.30, 35.75], [114.30, 35.74]]
        ],
    }
    await Region.filter(code="410611001001010").update(boundary=square)
    from api.domains.hierarchy import locate

    locate.forget()
    _, worker = await factories.signed_in("grid_worker", "410611001001010")
    _, other = await factories.signed_in("grid_worker", "410611001001001")

    inside = await run(
        client,
        REPORT,
        worker,
        input=report_input(regionCode=None, location={"lat": 35.745, "lng": 114.305}),
    )
    outside = await run(
        client,
        REPORT,
        other,
        input=report_input(regionCode=None, location={"lat": 36.5, "lng": 115.0}),
    )

    assert inside["event"]["regionCode"] == "410611001001010"
    assert outside["event"]["regionCode"] == "410611001001001"


async def test_a_grid_leader_resolves_a_simple_issue_at_once(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    document = "mutation($input: ReportEventInput!) { selfHandleEvent(input: $input) { __typename ... on EventPayload { event { status timeline { action } } } ... on Error { code } } }"

    done = await gql(client, document, {"input": report_input(title="楼道杂物")}, token=grid_leader)
    refused = await gql(client, document, {"input": report_input(title="楼道杂物")}, token=worker)

    event = done["data"]["selfHandleEvent"]["event"]
    assert event["status"] == "CLOSED"
    assert [t["action"] for t in event["timeline"]] == ["REPORT", "SELF_HANDLE"]
    assert refused["data"]["selfHandleEvent"] == {
        "__typename": "NotAllowedError",
        "code": "NOT_ALLOWED",
    }


@pytest.mark.parametrize(
    ("priority", "holder"), [("URGENT", "410611"), ("MAJOR", "4106"), ("NORMAL", "410611001001")]
)
async def test_urgent_and_major_events_go_straight_to_the_command_centres(
    client: httpx.AsyncClient, priority: str, holder: str
) -> None:
    await factories.region_tree()
    event_id, _ = await _reported(client, priority=priority)
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")

    escalated = await run(client, ESCALATE, grid_leader, id=event_id, note="重大险情")

    assert escalated["event"]["handlingRegionCode"] == holder
    assert escalated["event"]["status"] == "REPORTED"  # the higher centre files it


async def test_deadlines_follow_each_stage(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    event_id, _ = await _reported(client)
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    worker = await factories.user("grid_worker", "410611001001001")
    worker_token = await factories.token_for(worker)

    reported = await Event.get(id=event_id)
    await run(client, FILE, grid_leader, id=event_id)
    filed = await Event.get(id=event_id)
    await run(client, ASSIGN, grid_leader, id=event_id, department=None, user=str(worker.id))
    await run(client, ACCEPT, worker_token, id=event_id)
    await run(client, SUBMIT, worker_token, id=event_id, note="done")
    handled = await Event.get(id=event_id)
    await run(client, VERIFY, grid_leader, id=event_id, passed=True, note="")

    assert reported.stage == "file" and filed.stage == "dispatch" and handled.stage == "verify"
    assert reported.remind_at < reported.due_at < reported.red_at
    assert set(handled.due_by_stage) == {"file", "dispatch", "handle", "verify"}
