"""A grid worker's week through the public API: diaries, visits and a patrol; the community
reviews and remarks; a problem noted in a diary becomes an event; a versioned quota turns the
week into shortfall facts that the points rules price; unreviewed diaries are carded by the
shared sweep."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise

import httpx

from api import clock
from api.domains.diaries.models import QuotaShortfall
from api.domains.hierarchy.models import Region
from api.domains.notices.models import Notice
from api.flows import sweep
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard, FlowStep
from tests import factories
from tests.diaries.helpers import (
    COMMUNITY,
    END_PATROL,
    GRID,
    OTHER_GRID,
    POSITION,
    RAISE,
    REVIEW,
    START_PATROL,
    VISIT,
    WRITE,
    person,
    run,
)
from tests.factories import gql
from workers.diaries import assess_diary_quotas

FRIDAY_1000 = datetime(2026, 12, 4, 10, 0, tzinfo=LOCAL)  # the week of Mon 30 Nov – Sun 6 Dec
CENTRE = (35.7480, 114.2970)


def at(moment: datetime) -> None:
    clock.move(moment - clock.now())


def diary_input(day: date, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "day": day.isoformat(),
        "kind": "RESIDENTS_NEWS",
        "text": "走访金山社区3号楼，居民反映楼道照明损坏，已登记。",
        "problems": [],
        "householdIds": [],
    }
    data.update(overrides)
    return data


async def test_a_week_of_diaries_visits_and_a_patrol_is_reviewed_and_priced(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await Region.filter(code=GRID).update(centre_lat=CENTRE[0], centre_lng=CENTRE[1])
    at(FRIDAY_1000)
    worker, worker_token = await person("grid_worker", GRID)
    leader, leader_token = await person("community_staff", COMMUNITY)
    _, district_token = await person("district_command", "410611")
    _, admin_token = await person("admin", "4106")
    home = await factories.household(GRID, "HH-001")
    other = await factories.household(GRID, "HH-002")
    elsewhere = await factories.household(OTHER_GRID, "HH-900")

    # A quota, then a newer version of it: the newer one is what the week is assessed by.
    quota = (
        "mutation($input: DiaryQuotaInput!) { setDiaryQuota(input: $input) { __typename"
        " ... on DiaryQuotaPayload { quota { version minDiaries } } ... on Error { code } } }"
    )
    for minimum in (7, 5):
        set_quota = await run(
            client,
            quota,
            district_token,
            input={
                "role": "grid_worker",
                "regionCode": "410611",
                "period": "WEEK",
                "minDiaries": minimum,
                "minVisits": 3,
                "minVisitMinutes": 60,
            },
        )
    assert set_quota["quota"] == {"version": 2, "minDiaries": 5}

    # Patrol: positions through reportPosition every 30 s form its track; one fix far off.
    started = await run(client, START_PATROL, worker_token)
    patrol_id = started["patrol"]["id"]
    overlapping = await run(client, START_PATROL, worker_token)
    assert overlapping["__typename"] == "ConflictError"
    for step in range(20):
        clock.move(timedelta(seconds=30))
        far = step == 10
        lat = 36.5 if far else CENTRE[0] + step * 0.0002  # ~22 m a step northwards
        body = await gql(
            client,
            POSITION,
            {"lat": lat, "lng": CENTRE[1], "at": clock.now().isoformat()},
            token=worker_token,
        )
        assert body["data"]["reportPosition"]["__typename"] == "PositionPayload", body
    # Two visits during the patrol; one outside the worker's area is refused.
    visit = {"visitedAt": clock.now().isoformat(), "minutes": 45, "purpose": "分片包户走访"}
    first_visit = await run(
        client, VISIT, worker_token, input={**visit, "householdId": str(home.id)}
    )
    await run(client, VISIT, worker_token, input={**visit, "householdId": str(other.id)})
    refused = await run(
        client, VISIT, worker_token, input={**visit, "householdId": str(elsewhere.id)}
    )
    assert first_visit["visit"]["patrolId"] == patrol_id
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "OUTSIDE_AREA")
    clock.move(timedelta(minutes=5))
    ended = (await run(client, END_PATROL, worker_token, id=patrol_id))["patrol"]
    # the test's clock is moved, but real time passes between requests too
    assert ended["status"] == "ENDED" and 15 * 60 <= ended["durationSeconds"] < 15 * 60 + 30
    assert (ended["pointCount"], ended["farOutsidePoints"]) == (20, 1)
    assert [p["farOutside"] for p in ended["track"]].count(True) == 1
    line = ended["trackLine"]  # the same track as one GeoJSON value, for maps
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 20
    seconds = line["properties"]["seconds"]
    assert seconds[0] == 0 and all(30 <= b - a <= 32 for a, b in pairwise(seconds))
    assert line["properties"]["farOutside"] == [10]
    assert line["properties"]["start"] == ended["track"][0]["at"].replace("Z", "+00:00")
    # 19 steps of ~22 m northwards (0.0038°): the far fix and its legs left out of the distance
    assert 415 < ended["distanceMetres"] < 430
    assert len(ended["visits"]) == 2

    # A week of diaries (Monday to Friday); one notes a dispute; a future date is refused.
    diaries = []
    for offset in range(5):
        extra = (
            {"problems": [{"type": "DISPUTE", "count": 1}], "householdIds": [str(home.id)]}
            if offset == 4
            else {}
        )
        written = await run(
            client,
            WRITE,
            worker_token,
            input=diary_input(date(2026, 11, 30) + timedelta(offset), **extra),
        )
        assert written["__typename"] == "DiaryPayload", written
        diaries.append(written["diary"])
    assert diaries[4]["position"] is not None  # the position reported during the patrol
    future = await run(client, WRITE, worker_token, input=diary_input(date(2026, 12, 5)))
    assert (future["__typename"], future["field"]) == ("ValidationError", "day")
    outside = await run(
        client,
        WRITE,
        worker_token,
        input=diary_input(date(2026, 12, 4), householdIds=[str(elsewhere.id)]),
    )
    assert outside["code"] == "OUTSIDE_AREA"

    # The community leader reads them, approves one and returns one with a remark (点评).
    to_review = await gql(
        client,
        "query($s: String!) { diariesToReview(scope: $s) { totalCount edges { node { id } } } }",
        {"s": COMMUNITY},
        token=leader_token,
    )
    assert to_review["data"]["diariesToReview"]["totalCount"] == 5
    approved = await run(
        client, REVIEW, leader_token, id=diaries[0]["id"], approve=True, remark="记录翔实"
    )
    no_remark = await run(
        client, REVIEW, leader_token, id=diaries[1]["id"], approve=False, remark=" "
    )
    returned = await run(
        client, REVIEW, leader_token, id=diaries[1]["id"], approve=False, remark="请补充走访情况"
    )
    again = await run(client, REVIEW, leader_token, id=diaries[0]["id"], approve=True, remark="")
    assert approved["diary"]["status"] == "APPROVED" and approved["diary"]["remark"] == "记录翔实"
    assert (no_remark["__typename"], no_remark["field"]) == ("ValidationError", "remark")
    assert returned["diary"]["status"] == "RETURNED"
    assert (again["__typename"], again["code"]) == ("ConflictError", "INVALID_TRANSITION")
    told = await Notice.filter(user_id=worker.id, kind="diary_review").count()
    assert told == 2

    # The dispute noted on Friday becomes an event in one step, linked both ways.
    raised = await run(
        client,
        RAISE,
        worker_token,
        input={
            "diaryId": diaries[4]["id"],
            "problem": "DISPUTE",
            "title": "3号楼邻里噪音纠纷",
            "categoryKey": "dispute.0201",
        },
    )
    assert raised["__typename"] == "RaisedEventPayload", raised
    assert raised["diary"]["events"] == [{"eventId": raised["eventId"], "problemType": "DISPUTE"}]
    back = await gql(
        client,
        "query($e: ID!) { diaryOfEvent(eventId: $e) { id } }",
        {"e": raised["eventId"]},
        token=leader_token,
    )
    assert back["data"]["diaryOfEvent"]["id"] == diaries[4]["id"]
    twice = await run(
        client,
        RAISE,
        worker_token,
        input={
            "diaryId": diaries[4]["id"],
            "problem": "DISPUTE",
            "title": "再报",
            "categoryKey": "dispute.0201",
        },
    )
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "ALREADY_EXISTS")
    no_such = await run(
        client,
        RAISE,
        worker_token,
        input={
            "diaryId": diaries[3]["id"],
            "problem": "FIRE_HAZARD",
            "title": "无",
            "categoryKey": "dispute.0201",
        },
    )
    assert (no_such["__typename"], no_such["field"]) == ("ValidationError", "problem")

    # The week closes: the quota in force (version 2) is assessed; the points rules price it.
    at(datetime(2026, 12, 7, 1, 30, tzinfo=LOCAL))
    assert (await assess_diary_quotas({}))["week"] == 1
    assert (await assess_diary_quotas({}))["week"] == 0  # once
    assessed = await QuotaShortfall.get(user_id=worker.id).prefetch_related("quota")
    assert (assessed.diaries, assessed.visits, assessed.visit_minutes) == (4, 2, 90)
    assert (assessed.missed, assessed.quota.version) == (2, 2)  # diaries and visits short
    rules = await run(
        client,
        "mutation($input: ScoringRulesInput!) { setScoringRules(input: $input) { __typename } }",
        admin_token,
        input={
            "points": [
                {"fact": "DIARY_WRITTEN", "points": 0.5},
                {"fact": "HOUSEHOLD_VISITED", "points": 1},
                {"fact": "QUOTA_SHORTFALL", "points": -3},
            ],
            "minimumCases": 0,
        },
    )
    assert rules["__typename"] == "ScoringRulesPayload"
    figures = await run(
        client,
        'query { myFigures(from: "2026-11-30", to: "2026-12-06") { __typename'
        " ... on AssessmentFigures { diariesWritten householdsVisited quotaShortfalls } } }",
        worker_token,
    )
    assert figures == {
        "__typename": "AssessmentFigures",
        "diariesWritten": 4,
        "householdsVisited": 2,
        "quotaShortfalls": 2,
    }
    ranking = await run(
        client,
        'query($s: String!) { ranking(scope: $s, subject: WORKER, from: "2026-11-30",'
        ' to: "2026-12-06") { ... on Ranking { rules { version }'
        " entries { edges { node { subjectKey points } } } } } }",
        district_token,
        s=COMMUNITY,
    )
    entry = next(
        e["node"] for e in ranking["entries"]["edges"] if e["node"]["subjectKey"] == str(worker.id)
    )
    assert entry["points"] == 4 * 0.5 + 2 * 1 - 3 * 2

    # Diaries left unreviewed past three working days: the shared sweep cards them once.
    at(datetime(2026, 12, 9, 11, 0, tzinfo=LOCAL))
    await sweep()  # the event raised on Friday is overdue too: the one sweep serves both flows
    assert (await sweep()).yellow_cards == 0
    cards = await FlowCard.filter(flow="diary").values_list("card", "region_code")
    assert sorted(cards) == [("yellow", GRID)] * 3
    assert await FlowStep.filter(flow="diary", action="yellow_card").count() == 3
    assert await Notice.filter(kind="yellow_card", user_id=leader.id).count() == 3
