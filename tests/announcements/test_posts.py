"""Public posts: published by a region, read without signing in (paged, by region), study
records of signed-in readers; bad input and scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.announcements.models import PublicPost, StudyRecord
from tests import factories
from tests.factories import gql

PUBLISH = """
mutation($input: PublishPostInput!) {
  publishPost(input: $input) {
    __typename
    ... on PublicPostPayload { post { id kind regionCode status } }
    ... on Error { code message field }
  }
}"""

POSTS = """
query($region: String!, $kind: PublicPostKind, $below: Boolean, $after: String) {
  publicPosts(regionCode: $region, kind: $kind, includeBelow: $below, first: 2, after: $after) {
    totalCount
    edges { cursor node { title regionCode kind } }
    pageInfo { hasNextPage endCursor }
  }
}"""

STUDY = """
mutation($post: ID!, $started: DateTime!, $seconds: Int!, $id: ID) {
  recordStudy(postId: $post, startedAt: $started, seconds: $seconds, id: $id) {
    __typename
    ... on StudyRecordPayload { study { id seconds post { title } } }
    ... on Error { code message field }
  }
}"""

WITHDRAW = """
mutation($id: ID!) {
  withdrawPost(id: $id, reason: "内容已过期") {
    __typename
    ... on PublicPostPayload { post { status } }
    ... on Error { code field }
  }
}"""


def _post(region: str, title: str, kind: str = "AFFAIRS_DISCLOSURE") -> dict[str, Any]:
    return {"regionCode": region, "kind": kind, "title": title, "body": f"{title}的正文"}


async def _publish(client: httpx.AsyncClient, token: str, **given: Any) -> dict[str, Any]:
    body = await gql(client, PUBLISH, {"input": given}, token=token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["publishPost"]
    return result


async def test_posts_are_read_by_anyone_by_region_and_studied_by_members(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, district = await factories.signed_in("district_command", "410611")
    _, community = await factories.signed_in("community_staff", "410611001001")
    _, reader = await factories.signed_in("grid_worker", "410611001001001")
    made = [
        await _publish(client, district, **_post("410611", "淇滨区2026年第三季度财务公开")),
        await _publish(client, community, **_post("410611001001", "金山社区党务公开")),
        await _publish(
            client, community, **_post("410611001001", "党的二十届四中全会精神", "STUDY_MATERIAL")
        ),
    ]
    assert all(m["__typename"] == "PublicPostPayload" for m in made), made
    # another district's staff publishes there; residents of 金山社区 do not see it
    _, elsewhere = await factories.signed_in("district_command", "410602")
    await _publish(client, elsewhere, **_post("410602", "鹤山区公开"))

    # anonymous: the community sees its own posts and the district's, two a page
    first = await gql(client, POSTS, {"region": "410611001001001"})
    page = first["data"]["publicPosts"]
    assert page["totalCount"] == 3
    assert [e["node"]["title"] for e in page["edges"]] == [
        "党的二十届四中全会精神",
        "金山社区党务公开",
    ]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        client, POSTS, {"region": "410611001001001", "after": page["pageInfo"]["endCursor"]}
    )
    assert [e["node"]["title"] for e in rest["data"]["publicPosts"]["edges"]] == [
        "淇滨区2026年第三季度财务公开"
    ]
    study_only = await gql(client, POSTS, {"region": "410611001001", "kind": "STUDY_MATERIAL"})
    assert study_only["data"]["publicPosts"]["totalCount"] == 1
    # the district's page, with what was published below it
    below = await gql(client, POSTS, {"region": "410611", "below": True})
    assert below["data"]["publicPosts"]["totalCount"] == 3
    district_only = await gql(client, POSTS, {"region": "410611"})
    assert district_only["data"]["publicPosts"]["totalCount"] == 1

    # a study record: once, however often it is retried
    material = made[2]["post"]["id"]
    record_id = "5b0f8a36-6f0e-4d55-9a4c-0c2b7d5d8e11"
    started = (clock.now() - timedelta(minutes=20)).isoformat()
    for _ in range(2):
        studied = await gql(
            client,
            STUDY,
            {"post": material, "started": started, "seconds": 900, "id": record_id},
            token=reader,
        )
        assert studied["data"]["recordStudy"]["study"]["post"]["title"] == "党的二十届四中全会精神"
    assert await StudyRecord.all().count() == 1
    mine = await gql(
        client,
        "{ myStudySeconds myStudyRecords { totalCount edges { node { seconds post { title } } } } }",
        token=reader,
    )
    assert mine["data"]["myStudySeconds"] == 900
    assert mine["data"]["myStudyRecords"]["totalCount"] == 1
    # anonymous readers keep no record
    anonymous = await gql(client, STUDY, {"post": material, "started": started, "seconds": 60})
    assert factories.error_codes(anonymous) == ["UNAUTHENTICATED"]

    # withdrawn: gone from the public, kept on record
    gone = await gql(client, WITHDRAW, {"id": material}, token=community)
    assert gone["data"]["withdrawPost"]["post"]["status"] == "WITHDRAWN"
    after = await gql(client, POSTS, {"region": "410611001001"})
    assert after["data"]["publicPosts"]["totalCount"] == 2
    assert await PublicPost.filter(id=material).exists()


async def test_bad_posts_and_readings_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, community = await factories.signed_in("community_staff", "410611001001")
    _, reader = await factories.signed_in("grid_worker", "410611001001001")
    cases = [
        (_post("410611001001", " "), "title", "ValidationError"),
        ({**_post("410611001001", "t"), "body": "长" * 50_001}, "body", "ValidationError"),
        (
            {**_post("410611001001", "t"), "body": "<script>x</script>", "bodyFormat": "MARKDOWN"},
            "body",
            "ValidationError",
        ),
        (_post("41061100", "t"), "regionCode", "ValidationError"),
    ]
    for given, field, typename in cases:
        result = await _publish(client, community, **given)
        assert (result["__typename"], result["field"]) == (typename, field), result
    # another community, or a district above: not the caller's to publish for
    above = await gql(client, PUBLISH, {"input": _post("410611", "t")}, token=community)
    assert above["data"]["publishPost"]["__typename"] == "NotFoundError"
    forbidden = await gql(client, PUBLISH, {"input": _post("410611001001001", "t")}, token=reader)
    assert factories.error_codes(forbidden) == ["FORBIDDEN"]
    assert await PublicPost.all().count() == 0

    post = (await _publish(client, community, **_post("410611001001", "学习资料")))["post"]["id"]
    now = clock.now()
    for started, seconds, field in (
        (now - timedelta(minutes=5), 0, "seconds"),
        (now - timedelta(minutes=5), 5 * 3600, "seconds"),
        (now - timedelta(days=8), 60, "startedAt"),
        (now - timedelta(minutes=1), 3600, "seconds"),  # ends in the future
    ):
        body = await gql(
            client,
            STUDY,
            {"post": post, "started": started.isoformat(), "seconds": seconds},
            token=reader,
        )
        result = body["data"]["recordStudy"]
        assert (result["__typename"], result["field"]) == ("ValidationError", field), result
    missing = await gql(
        client,
        STUDY,
        {"post": "5b0f8a36-6f0e-4d55-9a4c-0c2b7d5d8e99", "started": now.isoformat(), "seconds": 1},
        token=reader,
    )
    assert missing["data"]["recordStudy"]["__typename"] == "NotFoundError"
    assert await StudyRecord.all().count() == 0
