"""Bad input and faults beyond the week's walk: scope of diaries and patrols, patrols ended
twice or by someone else, quota and round input, and the packed track's round trip."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from api import clock
from api.domains.diaries.models import Diary
from api.domains.diaries.scope import local_today
from api.domains.diaries.tracks import TrackPoint, distance, pack, unpack, unpack_columns
from tests import factories
from tests.diaries.helpers import (
    COMMUNITY,
    END_PATROL,
    GRID,
    START_PATROL,
    WRITE,
    person,
    run,
)
from tests.factories import error_codes, gql


def test_a_packed_track_gives_back_its_points_to_a_micro_degree_and_a_second() -> None:
    start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    points = [
        TrackPoint(
            start + timedelta(seconds=30 * i),
            35.748 + (i % 50) * 0.0002,
            114.297 - i * 1e-5,
            i == 7,
        )
        for i in range(960)
    ]
    data = pack(points)
    back = unpack(data)
    assert len(data) < 6 * len(points)  # a day's patrol in a few kilobytes
    assert [(p.at, p.flagged) for p in back] == [(p.at, p.flagged) for p in points]
    assert (
        max(abs(a.lat - b.lat) + abs(a.lng - b.lng) for a, b in zip(points, back, strict=True))
        < 2e-6
    )
    assert unpack_columns(data)[3] == [7]
    assert unpack(pack([])) == [] and distance([]) == 0


async def test_diaries_and_patrols_are_read_in_scope_and_patrols_end_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker_token = await person("grid_worker", GRID)
    _, colleague_token = await person("grid_worker", GRID)
    _, stranger_token = await person("community_staff", "410611001010")  # another community
    _, leader_token = await person("community_staff", COMMUNITY)
    today = local_today().isoformat()
    written = await run(
        client, WRITE, worker_token, input={"day": today, "kind": "NOTES", "text": "今日巡查无异常"}
    )
    diary_id = written["diary"]["id"]
    read = "query($id: ID!) { diary(id: $id) { id } }"
    assert (await gql(client, read, {"id": diary_id}, token=leader_token))["data"]["diary"] == {
        "id": diary_id
    }
    # a colleague of the same grid and staff of another community see nothing
    for token in (colleague_token, stranger_token):
        assert (await gql(client, read, {"id": diary_id}, token=token))["data"]["diary"] is None
    # a grid worker reviews no diary: the operation is not theirs at all
    review = await gql(
        client,
        "mutation($id: ID!) { reviewDiary(id: $id, approve: true) { __typename } }",
        {"id": diary_id},
        token=colleague_token,
    )
    assert error_codes(review) == ["FORBIDDEN"]
    # an empty diary and an unknown problem type are refused with the field named
    empty = await run(
        client, WRITE, worker_token, input={"day": today, "kind": "NOTES", "text": "  "}
    )
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "text")
    too_many = await run(
        client,
        WRITE,
        worker_token,
        input={
            "day": today,
            "kind": "NOTES",
            "text": "x",
            "problems": [{"type": "DISPUTE", "count": 5000}],
        },
    )
    assert (too_many["__typename"], too_many["field"]) == ("ValidationError", "problems")

    started = await run(client, START_PATROL, worker_token)
    patrol_id = started["patrol"]["id"]
    by_someone_else = await run(client, END_PATROL, colleague_token, id=patrol_id)
    assert by_someone_else["__typename"] == "NotFoundError"
    ended = await run(client, END_PATROL, worker_token, id=patrol_id)
    twice = await run(client, END_PATROL, worker_token, id=patrol_id)
    assert ended["patrol"]["pointCount"] == 0 and ended["patrol"]["distanceMetres"] == 0
    assert twice["__typename"] == "ConflictError"
    assert (await run(client, START_PATROL, worker_token))["__typename"] == "PatrolPayload"
    patrols = "query($s: String!) { patrols(scope: $s) { totalCount } }"
    seen = await gql(client, patrols, {"s": COMMUNITY}, token=leader_token)
    assert seen["data"]["patrols"]["totalCount"] == 2
    outside = await gql(client, patrols, {"s": COMMUNITY}, token=stranger_token)
    assert error_codes(outside) == ["OUTSIDE_AREA"]
    not_a_region = await gql(client, patrols, {"s": "41x"}, token=leader_token)
    assert error_codes(not_a_region) == ["INVALID"]


async def test_quota_input_is_checked_and_versions_count_up(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, district_token = await person("district_command", "410611")
    _, township_token = await person("township_centre", "410611001")
    mutation = (
        "mutation($input: DiaryQuotaInput!) { setDiaryQuota(input: $input) { __typename"
        " ... on DiaryQuotaPayload { quota { version } } ... on Error { code field } } }"
    )
    base = {
        "role": "grid_worker",
        "regionCode": "410611",
        "period": "MONTH",
        "minDiaries": 20,
        "minVisits": 40,
        "minVisitMinutes": 1200,
    }
    negative = await run(client, mutation, district_token, input={**base, "minVisits": -1})
    wrong_role = await run(client, mutation, district_token, input={**base, "role": "citizen"})
    above = await run(client, mutation, township_token, input=base)  # the district is above it
    first = await run(client, mutation, district_token, input=base)
    second = await run(client, mutation, district_token, input=base)
    assert (negative["__typename"], negative["field"]) == ("ValidationError", "minVisits")
    assert (wrong_role["__typename"], wrong_role["field"]) == ("ValidationError", "role")
    assert above["code"] == "OUTSIDE_AREA"
    assert (first["quota"]["version"], second["quota"]["version"]) == (1, 2)


async def test_assigned_households_show_in_the_overdue_list_until_visited(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    worker, worker_token = await person("grid_worker", GRID)
    _, leader_token = await person("community_staff", COMMUNITY)
    home = await factories.household(GRID, "HH-101")
    await factories.household(GRID, "HH-102")  # neither assigned nor home to people to watch
    elsewhere = await factories.household("410611001001010", "HH-110")  # the community's grid 10
    assign = (
        "mutation($u: ID!, $h: [ID!]!) { assignHouseholds(userId: $u, householdIds: $h) {"
        " __typename ... on AssignHouseholdsPayload { assignments { householdId userId } }"
        " ... on Error { code field } } }"
    )
    outside_assignee = await run(
        client, assign, leader_token, u=str(worker.id), h=[str(elsewhere.id)]
    )
    assigned = await run(client, assign, leader_token, u=str(worker.id), h=[str(home.id)])
    again = await run(client, assign, leader_token, u=str(worker.id), h=[str(home.id)])
    assert (outside_assignee["__typename"], outside_assignee["field"]) == (
        "ValidationError",
        "householdIds",
    )
    assert assigned["assignments"] == [{"householdId": str(home.id), "userId": str(worker.id)}]
    assert again["assignments"] == assigned["assignments"]  # once per household and person

    overdue = (
        "query($g: String!) { overdueVisits(gridCode: $g, days: 30) { __typename"
        " ... on OverdueVisits { households { householdNumber assignedTo lastVisitedAt } } } }"
    )
    before = await run(client, overdue, leader_token, g=GRID)
    assert before["households"] == [
        {"householdNumber": "HH-101", "assignedTo": 1, "lastVisitedAt": None}
    ]
    visit = (
        "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { __typename"
        " ... on Error { code field } } }"
    )
    bad = await run(
        client,
        visit,
        worker_token,
        input={
            "householdId": str(home.id),
            "visitedAt": "2020-01-01T09:00:00+08:00",
            "minutes": 20,
            "purpose": "走访",
        },
    )
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "visitedAt")
    done = await run(
        client,
        visit,
        worker_token,
        input={
            "householdId": str(home.id),
            "visitedAt": clock.now().isoformat(),
            "minutes": 20,
            "purpose": "走访",
        },
    )
    assert done["__typename"] == "VisitPayload"
    assert (await run(client, overdue, leader_token, g=GRID))["households"] == []
    coverage = await gql(
        client,
        "query($s: String!, $f: DateTime!, $t: DateTime!) { visitCoverage(scope: $s, from: $f, to: $t)"
        " { regionCode households visited visits minutes share } }",
        {
            "s": COMMUNITY,
            "f": (clock.now() - timedelta(days=1)).isoformat(),
            "t": (clock.now() + timedelta(days=1)).isoformat(),
        },
        token=leader_token,
    )
    assert coverage["data"]["visitCoverage"] == [
        {
            "regionCode": GRID,
            "households": 2,
            "visited": 1,
            "visits": 1,
            "minutes": 20,
            "share": 0.5,
        },
        {
            "regionCode": "410611001001010",
            "households": 1,
            "visited": 0,
            "visits": 0,
            "minutes": 0,
            "share": 0.0,
        },
    ]


async def test_a_retried_diary_with_its_client_id_is_written_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker_token = await person("grid_worker", GRID)
    _, colleague_token = await person("grid_worker", GRID)
    client_id = str(uuid.uuid4())
    diary = {
        "day": local_today().isoformat(),
        "kind": "NOTES",
        "text": "离线时写的日记",
        "clientId": client_id,
    }
    results = await asyncio.gather(
        *(gql(client, WRITE, {"input": diary}, token=worker_token) for _ in range(6))
    )
    ids = {r["data"]["writeDiary"]["diary"]["id"] for r in results}
    assert len(ids) == 1, results
    assert await Diary.filter(id=client_id).count() == 1
    taken = await gql(client, WRITE, {"input": diary}, token=colleague_token)
    assert taken["data"]["writeDiary"]["code"] == "ALREADY_EXISTS"
