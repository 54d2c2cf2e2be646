"""Posts, claims and pledges in detail: input checks, near-me lists, a claim sent back and
done again, deadlines swept on the kernel, pledge ratings and what is published."""

from __future__ import annotations

from datetime import timedelta

import httpx

from api import clock
from api.domains.notices.models import Notice
from api.domains.points.models import LedgerEntry, Pledge, WelfarePost
from api.flows import sweep
from api.flows.models import FlowCard, FlowStep
from tests import factories
from tests.factories import gql
from tests.points.helpers import (
    CLAIM,
    COMMUNITY,
    COMPLETE,
    OTHER_COMMUNITY,
    PLEDGE,
    PUBLISH,
    RATE,
    RESIDENT_RATE,
    RETURN,
    VERIFY,
    party_member,
    past_period_end,
    post_input,
    register,
    run,
    staff,
)

POSTS = (
    "query($region: String, $near: PostsNearInput) { welfarePosts(regionCode: $region, near: $near)"
    " { totalCount edges { node { title } } } }"
)
PUBLISHED = (
    "query($region: String!, $period: String!) { publishedPledges(regionCode: $region,"
    " periodKey: $period) { edges { node { text rating kept name } } } }"
)


async def _member(
    client: httpx.AsyncClient, phone: str, sequence: int, *, consents: bool = True
) -> tuple[dict, str]:
    person, _ = await party_member(f"党员{sequence}", sequence)
    return await register(client, phone, person.id_number, name=person.name, consents=consents)


async def test_bad_posts_are_typed_errors_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    community = await staff()
    now = clock.now()
    for overrides, field in [
        ({"regionCode": "410611001001001"}, "regionCode"),
        ({"title": "  "}, "title"),
        ({"slots": 0}, "slots"),
        ({"points": "1.25"}, "points"),
        ({"points": "-1"}, "points"),
        ({"hours": "1000"}, "hours"),
        ({"endsAt": (now - timedelta(hours=1)).isoformat()}, "endsAt"),
        ({"startsAt": (now + timedelta(days=2)).isoformat()}, "endsAt"),
        ({"skills": [f"技能{i}" for i in range(11)]}, "skills"),
        ({"location": {"lat": 95, "lng": 114}}, "location"),
    ]:
        body = await run(client, PUBLISH, community, input=post_input(**overrides))
        assert (body["__typename"], body["field"]) == ("ValidationError", field), (overrides, body)
    outside = await run(client, PUBLISH, await staff(OTHER_COMMUNITY), input=post_input())
    assert outside["code"] == "OUTSIDE_AREA"
    assert await WelfarePost.all().count() == 0


async def test_members_find_posts_in_their_community_and_near_them(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    community, other = await staff(), await staff(OTHER_COMMUNITY)
    _, token = await _member(client, "13800138081", 361)
    await run(client, PUBLISH, community, input=post_input(title="近处"))
    await run(
        client,
        PUBLISH,
        community,
        input=post_input(title="远处", location={"lat": 35.9, "lng": 114.2973}),
    )
    await run(client, PUBLISH, other, input=post_input(title="桃园", regionCode=OTHER_COMMUNITY))

    mine = await run(client, POSTS, token)
    assert sorted(e["node"]["title"] for e in mine["edges"]) == ["近处", "远处"]
    near = await run(
        client, POSTS, token, near={"lat": 35.748, "lng": 114.297, "radiusMetres": 1000}
    )
    # near me spans communities: 桃园's post stands at the same corner
    assert sorted(e["node"]["title"] for e in near["edges"]) == sorted(["近处", "桃园"])
    theirs = await run(client, POSTS, token, region=OTHER_COMMUNITY)
    assert [e["node"]["title"] for e in theirs["edges"]] == ["桃园"]
    too_wide = await gql(
        client, POSTS, {"near": {"lat": 35.7, "lng": 114.2, "radiusMetres": 10**6}}, token=token
    )
    assert too_wide["errors"][0]["extensions"]["code"] == "INVALID"


async def test_a_claim_sent_back_is_done_again_and_its_deadlines_are_swept(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    community_account, community = await factories.signed_in("community_staff", COMMUNITY)
    _, token = await _member(client, "13800138091", 371)
    post = (
        await run(
            client,
            PUBLISH,
            community,
            input=post_input(endsAt=(clock.now() + timedelta(days=20)).isoformat()),
        )
    )["post"]
    claim = (await run(client, CLAIM, token, post=post["uuid"]))["claim"]
    await run(client, COMPLETE, token, id=claim["uuid"], evidence="第一次")
    sent_back = await run(client, RETURN, community, id=claim["uuid"], remark="缺少照片")
    assert sent_back["claim"]["status"] == "RETURNED" and sent_back["claim"]["remark"] == "缺少照片"
    no_remark = await run(client, RETURN, community, id=claim["uuid"], remark=" ")
    assert no_remark["__typename"] in {"ValidationError", "ConflictError"}
    again = await run(client, COMPLETE, token, id=claim["uuid"], evidence="第二次, 已补照片")
    assert again["claim"]["status"] == "DONE"

    # the community has three working days to check it: past them, cards and notices
    clock.move(timedelta(days=8))
    report = await sweep()
    assert report is not None
    cards = await FlowCard.filter(flow="post_claim", record_id=claim["uuid"]).values_list(
        "card", flat=True
    )
    assert "yellow" in cards
    assert await Notice.filter(user_id=community_account.id).exists()

    community = await factories.token_for(community_account)
    verified = await run(client, VERIFY, community, id=claim["uuid"], remark="")
    assert verified["claim"]["status"] == "VERIFIED"
    steps = await FlowStep.filter(flow="post_claim", record_id=claim["uuid"]).order_by("id")
    assert [s.action for s in steps if not s.action.endswith("_card")] == [
        "claim",
        "complete",
        "return",
        "complete",
        "verify",
    ]
    assert await LedgerEntry.filter(source_key=claim["uuid"]).count() == 1


async def test_pledges_are_rated_after_their_period_once_each_and_published(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, shy_token = await _member(client, "13800138101", 381, consents=False)
    _, open_token = await _member(client, "13800138102", 383)
    shy = (await run(client, PLEDGE, shy_token, text="每月探访两户空巢老人"))["pledge"]
    public = (await run(client, PLEDGE, open_token, text="清理楼道小广告"))["pledge"]
    twice = await run(client, PLEDGE, open_token, text="再来一个")
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "ALREADY_EXISTS")
    long_ago = await run(client, PLEDGE, open_token, text="过去", period="2020Q1")
    assert (long_ago["__typename"], long_ago["field"]) == ("ValidationError", "periodKey")

    early = await run(client, RESIDENT_RATE, open_token, id=shy["uuid"], score=4)
    assert (early["__typename"], early["code"]) == ("ConflictError", "INVALID_TRANSITION")
    period = past_period_end()
    community = await staff()
    from api.domains.points.models import PointsMember
    from tests.points.test_faults import _token_of

    open_token = await _token_of(str((await PointsMember.get(name="党员383")).id))
    shy_token = await _token_of(str((await PointsMember.get(name="党员381")).id))
    own = await run(client, RESIDENT_RATE, open_token, id=public["uuid"], score=5)
    assert own["__typename"] == "NotAllowedError"
    out_of_range = await run(client, RESIDENT_RATE, open_token, id=shy["uuid"], score=6)
    assert (out_of_range["__typename"], out_of_range["field"]) == ("ValidationError", "score")
    assert (await run(client, RESIDENT_RATE, open_token, id=shy["uuid"], score=1))["pledge"][
        "residentRatings"
    ] == 1
    again = await run(client, RESIDENT_RATE, open_token, id=shy["uuid"], score=2)
    assert (again["__typename"], again["code"]) == ("ConflictError", "ALREADY_EXISTS")
    assert (await Pledge.get(id=shy["uuid"])).resident_ratings == 1

    not_kept = await run(client, RATE, community, id=shy["uuid"], score=2)
    assert (not_kept["pledge"]["rating"], not_kept["pledge"]["kept"]) == ("1.50", False)
    kept = await run(client, RATE, community, id=public["uuid"], score=5)
    assert (kept["pledge"]["rating"], kept["pledge"]["kept"]) == ("5.00", True)
    assert await LedgerEntry.filter(source_kind="pledge_rated").count() == 1
    closed = await run(client, RESIDENT_RATE, shy_token, id=public["uuid"], score=3)
    assert (closed["__typename"], closed["code"]) == ("ConflictError", "INVALID_TRANSITION")

    published = await run(client, PUBLISHED, region=COMMUNITY, period=period)
    shown = sorted((e["node"]["text"], e["node"]["name"]) for e in published["edges"])
    assert shown == [("每月探访两户空巢老人", None), ("清理楼道小广告", "党员383")]
