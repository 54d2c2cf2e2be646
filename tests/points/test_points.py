"""Dual-post points end to end: a member registers and links to their record, claims and
completes a post, gets it verified, sees the ledger, pledges and is rated, and appears on the
frozen period's public leaderboard."""

from __future__ import annotations

import uuid

import httpx

from api.domains.points.models import LedgerEntry, PointsBalance
from api.domains.registry.models import PartyMember, RegistryChange
from tests import factories
from tests.points.helpers import (
    ADJUST,
    CLAIM,
    COMMUNITY,
    COMPLETE,
    FOLLOW_UP,
    FREEZE,
    LEADERBOARD,
    ME,
    PLEDGE,
    PUBLISH,
    RATE,
    RESIDENT_RATE,
    VERIFY,
    party_member,
    past_period_end,
    post_input,
    register,
    run,
    staff,
)
from tests.registry.helpers import id_number


async def test_a_member_earns_points_and_appears_on_the_frozen_leaderboard(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    person, record = await party_member("王建国", 111)
    community = await staff()

    # 1. self-registration, linked to the party-member record by ID number (双报到)
    member, token = await register(client, "13800138001", person.id_number)
    assert member["status"] == "LINKED" and member["kind"] == "PARTY_MEMBER"
    assert member["regionCode"] == COMMUNITY
    record = await PartyMember.get(id=record.id)
    assert (record.registered_community_code, record.is_in_service, record.workplace) == (
        COMMUNITY,
        True,
        "淇滨区人民医院党委",
    )
    assert await RegistryChange.filter(record_id=record.id).count() == 1

    # 2. a post, claimed, completed with evidence and a position, verified by the community
    post = (await run(client, PUBLISH, community, input=post_input()))["post"]
    assert post["status"] == "open" and post["claimed"] == 0
    claimed = await run(client, CLAIM, token, post=post["uuid"])
    assert claimed["__typename"] == "PostClaimPayload", claimed
    assert claimed["claim"]["status"] == "CLAIMED" and claimed["claim"]["dueAt"] is not None
    done = await run(
        client,
        COMPLETE,
        token,
        id=claimed["claim"]["uuid"],
        evidence="督导两小时, 纠正投放12次",
        location={"lat": 35.7472, "lng": 114.2974},
    )
    assert done["claim"]["status"] == "DONE" and done["claim"]["stage"] == "verify"
    assert done["claim"]["location"] == {"lat": 35.7472, "lng": 114.2974}
    verified = await run(client, VERIFY, community, id=claimed["claim"]["uuid"], remark="属实")
    assert verified.get("claim", {}).get("status") == "VERIFIED", verified
    assert verified["claim"]["stage"] is None

    # 3. the points in the ledger and the balance
    mine = (
        await client.post(
            "/graphql",
            json={"query": ME, "variables": {}},
            headers={"Authorization": f"Bearer {token}"},
        )
    ).json()["data"]
    assert mine["myPointsMember"]["balance"] == {"points": "5.0", "hours": "2.5"}
    [entry] = [edge["node"] for edge in mine["myLedger"]["edges"]]
    assert entry["sourceKind"] == "POST_COMPLETION"
    assert entry["sourceKey"] == claimed["claim"]["uuid"]
    assert (entry["points"], entry["hours"], entry["ruleVersion"]) == ("5.0", "2.5", 1)
    assert entry["reason"] == "社区垃圾分类督导" and entry["verifier"]

    # a manual adjustment with its reason
    adjusted = await run(
        client,
        ADJUST,
        community,
        input={
            "memberId": member["uuid"],
            "points": "2",
            "reason": "协助社区疫苗接种引导",
            "requestId": str(uuid.uuid4()),
        },
    )
    assert adjusted["entry"]["sourceKind"] == "MANUAL" and adjusted["entry"]["points"] == "2.0"

    # 4. a pledge, followed up, rated by residents and the branch once its period is over
    pledge = (await run(client, PLEDGE, token, text="为小区加装楼道扶手"))["pledge"]
    assert pledge["status"] == "MADE"
    followed = await run(client, FOLLOW_UP, community, id=pledge["uuid"], note="已联系物业, 在推进")
    assert followed["pledge"]["version"] == pledge["version"] + 1
    period = past_period_end()
    community = await staff()  # tokens of before have expired
    _, resident = await register(client, "13800138002", id_number("19900101", 222), name="李四")
    rated_by_resident = await run(client, RESIDENT_RATE, resident, id=pledge["uuid"], score=5)
    assert rated_by_resident["pledge"]["residentScore"] == "5.00", rated_by_resident
    rated = await run(client, RATE, community, id=pledge["uuid"], score=4)
    assert rated["pledge"]["status"] == "RATED"
    assert (rated["pledge"]["rating"], rated["pledge"]["kept"]) == ("4.50", True)
    pledged = await LedgerEntry.get(source_kind="pledge_rated", source_key=pledge["uuid"])
    assert pledged.period_key == period  # counted in the pledge's period, rated after it
    assert str(pledged.points) == "10.0"

    # 5. the period frozen; the public leaderboard (no sign-in) shows the consenting member
    frozen = await run(client, FREEZE, community, region=COMMUNITY, period=period)
    assert frozen["__typename"] == "FrozenPeriodPayload", frozen
    board = await run(client, LEADERBOARD, region=COMMUNITY, period=period)
    assert board["__typename"] == "Leaderboard", board
    rows = [edge["node"] for edge in board["entries"]["edges"]]
    assert rows[0] == {
        "rank": 1,
        "name": "王建国",
        "points": "17.0",
        "hours": "2.5",
        "postsCompleted": 1,
        "pledgesKept": 1,
        "meetingsAttended": 0,
    }
    # the resident is pending (no record): not assessed
    assert len(rows) == 1
    balances = await PointsBalance.filter(period_key=period).values_list("points", flat=True)
    assert [str(b) for b in balances] == ["17.0"]
