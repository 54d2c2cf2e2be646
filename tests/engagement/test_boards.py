"""Public boards: closed appeals shown by their reporters' choice, moderated opinions and the
published rankings; readable without signing in, paged, by region, cached, with no personal
data and text returned as text."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from api.domains.engagement.models import Opinion
from api.domains.registry.privacy import SENSITIVE_COLUMNS
from api.settings import Settings
from tests import factories
from tests.engagement.test_citizens import appeal, citizen, submit
from tests.factories import error_codes, gql
from tests.intake.helpers import close_event

APPEALS = """
query($r: String!, $first: Int, $after: String) {
  publicAppeals(regionCode: $r, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id title communityCode status result satisfaction } }
  }
}"""
OPINIONS = """
query($r: String!, $kind: OpinionKind) {
  publicOpinions(regionCode: $r, kind: $kind, first: 10) {
    totalCount edges { node { id kind title body reply communityCode communityName publishedAt } }
  }
}"""
SUBMIT_OPINION = """
mutation($kind: OpinionKind!, $title: String!, $body: String!, $r: String!) {
  submitOpinion(kind: $kind, title: $title, body: $body, regionCode: $r) {
    __typename
    ... on OpinionPayload { opinion { id status title body regionCode } }
    ... on Error { code field message }
  }
}"""
MODERATE = """
mutation($id: ID!, $approve: Boolean!, $reason: OpinionRefusalReason, $reply: String! = "") {
  moderateOpinion(id: $id, approve: $approve, refusalReason: $reason, reply: $reply) {
    __typename
    ... on OpinionPayload { opinion { id status refusalReason reply } }
    ... on Error { code field message }
  }
}"""
QUEUE = """
query($r: String!) {
  opinions(regionCode: $r, status: PENDING, first: 10) { totalCount edges { node { id title } } }
}"""
SCRIPT = "<script>alert('x')</script>"
IMAGE = '<img src=x onerror="alert(1)">楼道灯坏了'


async def _opinion(client: httpx.AsyncClient, token: str, **overrides: Any) -> dict[str, Any]:
    variables = {
        "kind": "SUGGESTION",
        "title": "增设充电桩",
        "body": "小区电动车多",
        "r": "410611001001",
    }
    variables.update(overrides)
    body = await gql(client, SUBMIT_OPINION, variables, token=token)
    return dict(body["data"]["submitOpinion"])


async def test_opinions_appear_once_approved_as_plain_text(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "gridgov_public_board_cache_seconds", 0)
    await factories.region_tree()
    token = await citizen(client, "13912345678")
    _, staff = await factories.signed_in("community_staff", "410611001001")
    _, elsewhere = await factories.signed_in("community_staff", "410611001010")

    html = await _opinion(client, token, title=SCRIPT, body=IMAGE, kind="OPINION")
    refused = await _opinion(client, token, title="卖房", body="出售二手房，电话139xxxx")
    pending = await gql(client, OPINIONS, {"r": "410611001001"})
    queue = await gql(client, QUEUE, {"r": "410611001001"}, token=staff)
    not_theirs = await gql(
        client, MODERATE, {"id": html["opinion"]["id"], "approve": True}, token=elsewhere
    )
    approved = await gql(
        client,
        MODERATE,
        {"id": html["opinion"]["id"], "approve": True, "reply": "已安排电工维修"},
        token=staff,
    )
    again = await gql(
        client,
        MODERATE,
        {"id": html["opinion"]["id"], "approve": False, "reason": "OFFENSIVE"},
        token=staff,
    )
    no_reason = await gql(
        client, MODERATE, {"id": refused["opinion"]["id"], "approve": False}, token=staff
    )
    refusal = await gql(
        client,
        MODERATE,
        {"id": refused["opinion"]["id"], "approve": False, "reason": "ADVERTISING"},
        token=staff,
    )
    response = await client.post("/graphql", json={"query": OPINIONS, "variables": {"r": "410611"}})
    mine = await gql(
        client, "{ myOpinions(first: 10) { edges { node { status refusalReason } } } }", token=token
    )

    assert html["opinion"]["status"] == "PENDING"
    assert pending["data"]["publicOpinions"]["totalCount"] == 0
    assert queue["data"]["opinions"]["totalCount"] == 2
    assert not_theirs["data"]["moderateOpinion"]["code"] == "NOT_FOUND"
    assert approved["data"]["moderateOpinion"]["opinion"]["status"] == "APPROVED"
    assert again["data"]["moderateOpinion"]["code"] == "INVALID_TRANSITION"
    assert no_reason["data"]["moderateOpinion"]["field"] == "refusalReason"
    assert refusal["data"]["moderateOpinion"]["opinion"]["refusalReason"] == "ADVERTISING"
    # Stored and returned as text: JSON, never HTML, the characters exactly as typed.
    assert response.headers["content-type"].startswith("application/json")
    board = response.json()["data"]["publicOpinions"]
    assert board["totalCount"] == 1
    shown = board["edges"][0]["node"]
    assert (shown["title"], shown["body"], shown["reply"]) == (SCRIPT, IMAGE, "已安排电工维修")
    assert (shown["communityCode"], shown["communityName"]) == ("410611001001", "金山社区")
    assert "<script>" not in response.text.replace(SCRIPT, "")  # nothing added around it
    assert {e["node"]["status"] for e in mine["data"]["myOpinions"]["edges"]} == {
        "APPROVED",
        "REFUSED",
    }


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"title": ""}, "INVALID", "title"),
        ({"body": "长" * 2001}, "INVALID", "body"),
        ({"r": "410611"}, "INVALID", "regionCode"),  # which community?
        ({"r": "410611001099"}, "NOT_FOUND", "regionCode"),
        ({"r": "41061x"}, "INVALID_CODE", "regionCode"),
    ],
)
async def test_bad_opinions_are_typed_errors_and_write_nothing(
    client: httpx.AsyncClient, overrides: dict[str, Any], code: str, field: str
) -> None:
    await factories.region_tree()
    token = await citizen(client, "13912345678")

    refused = await _opinion(client, token, **overrides)

    assert (refused["code"], refused["field"]) == (code, field)
    assert await Opinion.all().count() == 0


async def test_only_appeals_made_public_show_closed_paged_by_region(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "gridgov_public_board_cache_seconds", 0)
    await factories.region_tree()
    token = await citizen(client, "13912345678")
    shown = []
    for number in range(3):
        created = await submit(client, token, appeal(title=f"公开 {number}", public=True))
        await close_event(created["appeal"]["uuid"])
        shown.append(created["appeal"]["uuid"])
    private = await submit(client, token, appeal(title="不公开"))
    await close_event(private["appeal"]["uuid"])
    still_open = await submit(client, token, appeal(title="未办结", public=True))
    later = await submit(client, token, appeal(title="后来公开"))
    await close_event(later["appeal"]["uuid"])
    made_public = await gql(
        client,
        "mutation($id: ID!) { setAppealPublic(id: $id, public: true) { __typename } }",
        {"id": later["appeal"]["uuid"]},
        token=token,
    )
    taken_down = await gql(
        client,
        "mutation($id: ID!) { setAppealPublic(id: $id, public: false) { __typename } }",
        {"id": shown[0]},
        token=token,
    )

    first = (await gql(client, APPEALS, {"r": "4106", "first": 2}))["data"]["publicAppeals"]
    rest = await gql(
        client, APPEALS, {"r": "4106", "first": 2, "after": first["pageInfo"]["endCursor"]}
    )
    other_district = await gql(client, APPEALS, {"r": "410602", "first": 10})
    missing = await gql(client, APPEALS, {"r": "410699", "first": 10})
    malformed = await gql(client, APPEALS, {"r": "abc", "first": 10})

    assert made_public["data"]["setAppealPublic"]["__typename"] == "AppealPayload"
    assert taken_down["data"]["setAppealPublic"]["__typename"] == "AppealPayload"
    assert first["totalCount"] == 3
    titles = [e["node"]["title"] for e in first["edges"]]
    titles += [e["node"]["title"] for e in rest["data"]["publicAppeals"]["edges"]]
    assert titles == ["后来公开", "公开 2", "公开 1"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert rest["data"]["publicAppeals"]["pageInfo"]["hasNextPage"] is False
    assert still_open["appeal"]["status"] == "REPORTED"
    assert other_district["data"]["publicAppeals"]["totalCount"] == 0
    assert error_codes(missing) == ["NOT_FOUND"]
    assert error_codes(malformed) == ["INVALID_CODE"]


async def test_someone_elses_appeal_cannot_be_made_public(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    owner = await citizen(client, "13912345678")
    other = await citizen(client, "13912345679")
    created = await submit(client, owner, appeal())

    refused = await gql(
        client,
        "mutation($id: ID!) { setAppealPublic(id: $id, public: true) {"
        " __typename ... on Error { code } } }",
        {"id": created["appeal"]["uuid"]},
        token=other,
    )

    assert refused["data"]["setAppealPublic"] == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
    }


async def test_board_pages_are_cached_for_a_while(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "gridgov_public_board_cache_seconds", 60)
    await factories.region_tree()
    token = await citizen(client, "13912345678")
    _, staff = await factories.signed_in("community_staff", "410611001001")

    before = await gql(client, OPINIONS, {"r": "410611001001"})
    created = await _opinion(client, token)
    await gql(client, MODERATE, {"id": created["opinion"]["id"], "approve": True}, token=staff)
    cached = await gql(client, OPINIONS, {"r": "410611001001"})
    monkeypatch.setattr(settings, "gridgov_public_board_cache_seconds", 0)
    fresh = await gql(client, OPINIONS, {"r": "410611001001"})

    assert before["data"]["publicOpinions"]["totalCount"] == 0
    assert cached == before  # served from the cache until it expires
    assert fresh["data"]["publicOpinions"]["totalCount"] == 1


# ---------------------------------------------------------------- no personal data

INTROSPECT = """
query($name: String!) {
  __type(name: $name) {
    name kind
    fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
  }
}"""
PUBLIC_ROOTS = {
    "publicAppeals": "PublicAppealConnection",
    "publicOpinions": "PublicOpinionConnection",
    "publicRankings": "PublishedRankingConnection",
}
# Every field the public endpoints return, type by type: a new one must be added here, and is
# then checked against the registry's masked columns and the events' personal fields.
LISTED = {
    "PublicAppealConnection": {"edges", "pageInfo", "totalCount"},
    "PublicAppealEdge": {"cursor", "node"},
    "PublicAppeal": {
        "id",
        "title",
        "categoryKey",
        "categoryName",
        "communityCode",
        "communityName",
        "status",
        "result",
        "satisfaction",
        "closedAt",
    },
    "PageInfo": {"hasNextPage", "endCursor"},
    "PublicOpinionConnection": {"edges", "pageInfo", "totalCount"},
    "PublicOpinionEdge": {"cursor", "node"},
    "PublicOpinion": {
        "id",
        "kind",
        "title",
        "body",
        "reply",
        "communityCode",
        "communityName",
        "publishedAt",
    },
    "PublishedRankingConnection": {"edges", "pageInfo", "totalCount"},
    "PublishedRankingEdge": {"cursor", "node"},
    "PublishedRanking": {
        "id",
        "scope",
        "subject",
        "period",
        "from",
        "to",
        "formulaVersion",
        "publishedAt",
        "entries",
    },
    "RankingEntryTypeConnection": {"edges", "pageInfo", "totalCount"},
    "RankingEntryTypeEdge": {"cursor", "node"},
    # departments or regions (rankings of workers are never published)
    "RankingEntryType": {
        "rank",
        "tooFewCases",
        "subjectKey",
        "label",
        "value",
        "points",
        "grade",
        "figures",
    },
    "AssessmentFigures": set(
        [
            "cases",
            "closed",
            "closedOnTime",
            "dueToHandle",
            "handledOnTime",
            "handled",
            "reworked",
            "dispatched",
            "returned",
            "rated",
            "satisfied",
            "yellowCards",
            "redCards",
            "reported",
            "cohandled",
            "overdue",
            "diariesWritten",
            "householdsVisited",
            "quotaShortfalls",
            "closureRate",
            "onTimeClosureRate",
            "onTimeHandlingRate",
            "reworkRate",
            "accurateDispatchRate",
            "meanSatisfaction",
            "satisfiedShare",
            "stageTimes",
        ]
    ),
    "StageTime": {"stage", "averageSeconds", "steps"},
}
# Personal fields of an event or a person beyond the registry's masked identifiers.
PERSONAL = {
    "citizen_name",
    "citizen_phone",
    "address",
    "lat",
    "lng",
    "location",
    "description",
    "reporter",
    "reporter_id",
    "author",
    "author_id",
    "username",
    "display_name",
    "id_number",
    "assignee_user_id",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _named(type_ref: dict[str, Any]) -> tuple[str, str]:
    while type_ref["name"] is None:
        type_ref = type_ref["ofType"]
    return type_ref["kind"], type_ref["name"]


async def test_public_endpoints_return_no_field_the_registry_masks(
    client: httpx.AsyncClient,
) -> None:
    returned: dict[str, set[str]] = {}
    queue = list(PUBLIC_ROOTS.values())
    while queue:
        name = queue.pop()
        if name in returned:
            continue
        described = (await gql(client, INTROSPECT, {"name": name}))["data"]["__type"]
        returned[name] = {field["name"] for field in described["fields"]}
        for field in described["fields"]:
            kind, inner = _named(field["type"])
            if kind == "OBJECT":
                queue.append(inner)

    assert returned == LISTED
    every_field = {_snake(field) for fields in returned.values() for field in fields}
    assert not every_field & SENSITIVE_COLUMNS
    assert not every_field & PERSONAL
