"""Merging and un-merging: the rules that keep one main event per incident, typed errors that
write nothing, concurrent opposite merges, and the lookup's limits of place, time and kind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from api import clock
from api.domains.events.models import Event, TimelineEntry
from api.domains.triage import service
from api.domains.triage.models import DuplicateRule
from tests import factories
from tests.factories import error_codes, gql
from tests.intake.helpers import close_event
from tests.triage.helpers import (
    DISTRICT,
    EVENT,
    FIND,
    GRID,
    MERGE,
    UNMERGE,
    merge,
    near,
    report,
    staff_token,
)

FILE = "mutation($id: ID!) { fileEvent(id: $id) { __typename ... on Error { code } } }"


async def _state() -> list[tuple[str, int, object]]:
    rows = await Event.all().order_by("id").values_list("id", "version", "merged_into_id")
    return [(str(i), v, m) for i, v, m in rows] + [
        ("timeline", await TimelineEntry.all().count(), None)
    ]


async def test_bad_merges_are_typed_errors_and_write_nothing(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    first = (await report(client, worker))["event"]["uuid"]
    second = (await report(client, worker, title="水管爆裂"))["event"]["uuid"]
    closed = (await report(client, worker, title="井盖缺失", categoryKey="city.0601"))["event"]
    await close_event(closed["uuid"])
    other_district = await staff_token("district_command", "410602")
    before = await _state()

    itself = await merge(client, dispatcher, first, first)
    into_closed = await merge(client, dispatcher, first, closed["uuid"])
    closed_report = await merge(client, dispatcher, closed["uuid"], first)
    unknown = await merge(client, dispatcher, first, "not-an-id")
    out_of_scope = await merge(client, other_district, first, second)
    stale = await merge(client, dispatcher, first, second, version=99)
    not_merged = await gql(client, UNMERGE, {"report": first}, token=dispatcher)
    long_note = await gql(
        client,
        "mutation($a: ID!, $b: ID!, $n: String!) { mergeEvent(reportId: $a, intoId: $b, note: $n)"
        " { __typename ... on Error { code field } } }",
        {"a": first, "b": second, "n": "长" * 2001},
        token=dispatcher,
    )
    by_a_worker = await gql(client, MERGE, {"report": first, "into": second}, token=worker)

    assert (itself["__typename"], itself["field"]) == ("ValidationError", "intoId")
    assert (into_closed["__typename"], into_closed["code"], into_closed["field"]) == (
        "ConflictError",
        "INVALID_TRANSITION",
        "intoId",
    )
    assert (closed_report["__typename"], closed_report["code"]) == (
        "ConflictError",
        "INVALID_TRANSITION",
    )
    assert (unknown["__typename"], unknown["field"]) == ("NotFoundError", "intoId")
    assert out_of_scope["__typename"] == "NotFoundError"
    assert stale["__typename"] == "ConflictError"
    assert not_merged["data"]["unmergeEvent"]["__typename"] == "ConflictError"
    assert long_note["data"]["mergeEvent"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "note",
    }
    assert error_codes(by_a_worker) == ["FORBIDDEN"]
    assert await _state() == before


async def test_no_chains_and_no_cycles(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    a, b, c = [
        (await report(client, worker, title=f"自来水管破裂{n}"))["event"]["uuid"] for n in "甲乙丙"
    ]

    assert (await merge(client, dispatcher, a, b))["__typename"] == "EventPayload"
    cycle = await merge(client, dispatcher, b, a)
    twice = await merge(client, dispatcher, a, c)
    # b, holding a, is merged into c: a follows to c, so no report points at a merged event
    b_into_c = await merge(client, dispatcher, b, c)

    assert (cycle["__typename"], cycle["field"]) == ("ConflictError", "intoId")
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "ALREADY_EXISTS")
    assert b_into_c["__typename"] == "EventPayload"
    assert {str(e.id): str(e.merged_into_id) for e in await Event.filter(id__in=[a, b])} == {
        a: c,
        b: c,
    }


async def test_two_opposite_merges_at_once_one_wins(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    a = (await report(client, worker))["event"]["uuid"]
    b = (await report(client, worker, title="水管爆裂"))["event"]["uuid"]

    results = await asyncio.gather(merge(client, dispatcher, a, b), merge(client, dispatcher, b, a))

    assert sorted(r["__typename"] for r in results) == ["ConflictError", "EventPayload"]
    assert await Event.filter(merged_into_id__isnull=False).count() == 1


async def test_a_merged_report_waits_for_its_main_and_can_be_unmerged_while_it_is_open(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    leader = await staff_token("grid_leader", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    main = (await report(client, worker))["event"]["uuid"]
    duplicate = (await report(client, worker, title="水管爆裂"))["event"]["uuid"]
    await merge(client, dispatcher, duplicate, main)

    filed = await gql(client, FILE, {"id": duplicate}, token=leader)
    assert filed["data"]["fileEvent"] == {
        "__typename": "ConflictError",
        "code": "INVALID_TRANSITION",
    }

    undone = await gql(client, UNMERGE, {"report": duplicate}, token=dispatcher)
    event = undone["data"]["unmergeEvent"]["event"]
    assert event["mergedIntoId"] is None and event["stage"] == "FILE" and event["dueAt"]
    assert undone["data"]["unmergeEvent"]["entry"]["action"] == "UNMERGE"
    assert (await gql(client, FILE, {"id": duplicate}, token=leader))["data"]["fileEvent"][
        "__typename"
    ] == "EventPayload"

    other = (await report(client, worker, title="水管又破了"))["event"]["uuid"]
    await merge(client, dispatcher, other, main)
    await close_event(main)
    late = await gql(client, UNMERGE, {"report": other}, token=dispatcher)
    assert (late["data"]["unmergeEvent"]["__typename"], late["data"]["unmergeEvent"]["code"]) == (
        "ConflictError",
        "INVALID_TRANSITION",
    )
    closed = await gql(client, EVENT, {"id": other}, token=dispatcher)
    assert closed["data"]["event"]["status"] == "CLOSED"
    assert closed["data"]["event"]["mergedIntoId"] == main


async def test_candidates_respect_place_time_kind_state_and_the_rules(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    near_one = (await report(client, worker, location=near(60, 0)))["event"]["uuid"]
    await report(client, worker, location=near(400, 0))  # beyond 150 m
    await report(client, worker, categoryKey="city.0602", title="路灯故障")  # another 大类
    await report(client, worker, title="小区门口垃圾堆放", description="东门垃圾三天未清运")
    closed = (await report(client, worker))["event"]["uuid"]
    await close_event(closed)
    old = (await report(client, worker))["event"]["uuid"]
    await Event.filter(id=old).update(reported_at=clock.now() - timedelta(hours=80))

    probe = await report(client, worker)
    assert [c["eventId"] for c in probe["event"]["duplicateCandidates"]] == [near_one]

    # A category's own rule: water mains reported up to half a kilometre and four days apart.
    await DuplicateRule.create(category_key="city.0402", radius_m=500, window_hours=96)
    service.forget_reference()  # as after an administrator's change: read on the next lookup
    wider = await gql(client, FIND, {"id": probe["event"]["uuid"], "first": 10}, token=dispatcher)
    assert len(wider["data"]["duplicateCandidates"]["candidates"]) == 3


@pytest.mark.parametrize("first", [0, 21])
async def test_candidate_lists_are_bounded(client: httpx.AsyncClient, first: int) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    event = (await report(client, worker))["event"]["uuid"]

    result = await gql(client, FIND, {"id": event, "first": first}, token=worker)
    missing = await gql(client, FIND, {"id": "nope"}, token=worker)

    assert result["data"]["duplicateCandidates"]["__typename"] == "ValidationError"
    assert result["data"]["duplicateCandidates"]["field"] == "first"
    assert missing["data"]["duplicateCandidates"]["__typename"] == "NotFoundError"
