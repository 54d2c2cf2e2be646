"""Community services (社区服务, issue 22 part 5): a community lists providers, anyone reads the
directory without signing in, residents request and rate, staff suspend a provider with
complaints; bad input and out-of-order steps are typed errors with nothing written."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from api.domains.audit.models import AuditEntry
from api.domains.services.models import ServiceProvider, ServiceRequest
from tests import factories
from tests.factories import error_codes, gql
from tests.registry.helpers import credit_code
from tests.services.helpers import COMMUNITY, GRID, OTHER_COMMUNITY, citizen

REGISTER = """
mutation($r: String!, $input: ServiceProviderInput!) {
  registerServiceProvider(regionCode: $r, input: $input) { __typename
    ... on ServiceProviderPayload { provider { id name status creditCode contactPhone
      kinds { key zh } } }
    ... on Error { code field } } }"""
PUBLIC = """
query($r: String!, $kind: String, $after: String) {
  publicServiceProviders(regionCode: $r, kind: $kind, first: 1, after: $after) { totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name description meanRating ratings kinds { key } } } } }"""
REQUEST = """
mutation($p: ID!, $kind: String!, $id: ID) {
  requestService(providerId: $p, kind: $kind, note: "周六上午", id: $id) { __typename
    ... on ServiceRequestPayload { request { id status providerName kind { zh } } }
    ... on Error { code field } } }"""
COMPLETE = """
mutation($id: ID!) { completeServiceRequest(id: $id) { __typename
  ... on ServiceRequestPayload { request { status completedAt } } ... on Error { code } } }"""
RATE = """
mutation($id: ID!, $stars: Int!, $complaint: Boolean!, $comment: String!) {
  rateServiceRequest(id: $id, stars: $stars, complaint: $complaint, comment: $comment) {
    __typename ... on ServiceRequestPayload { request { rating complaint ratingComment } }
    ... on Error { code field } } }"""
SUSPEND = """
mutation($id: ID!) { suspendServiceProvider(id: $id, reason: "多次投诉未整改") { __typename
  ... on ServiceProviderPayload { provider { status complaints suspendedReason } }
  ... on Error { code } } }"""


def provider_input(**changes: Any) -> dict[str, Any]:
    values = {
        "name": "安心家政服务部",
        "kinds": ["housekeeping", "nanny"],
        "contactPhone": "13912345678",
        "contactName": "刘经理",
        "areaServed": "金山社区及周边",
        "priceNotes": "钟点工 40 元/小时",
        "creditCode": credit_code(),
    }
    return {**values, **changes}


async def register(client: httpx.AsyncClient, token: str, **changes: Any) -> dict[str, Any]:
    body = await gql(
        client, REGISTER, {"r": COMMUNITY, "input": provider_input(**changes)}, token=token
    )
    return body["data"]["registerServiceProvider"]


async def test_a_community_lists_providers_and_anyone_reads_the_directory(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, grid_worker = await factories.signed_in("grid_worker", GRID)
    script = "<script>alert('x')</script><b>家电</b>"

    listed = await register(client, staff)
    repair = await register(client, staff, name=script, kinds=["appliance_repair"], creditCode=None)
    bad_code = await register(client, staff, name="另一家", creditCode="91410611MA0000000X")
    bad_kind = await register(client, staff, name="另一家", kinds=["fortune_telling"])
    no_kinds = await register(client, staff, name="另一家", kinds=[])
    bad_phone = await register(client, staff, name="另一家", contactPhone="12")
    twice = await register(client, staff)
    long_name = await register(client, staff, name="家" * 101)
    at_grid = await gql(
        client, REGISTER, {"r": GRID, "input": provider_input(name="网格家政")}, token=staff
    )
    by_worker = await gql(
        client, REGISTER, {"r": COMMUNITY, "input": provider_input()}, token=grid_worker
    )

    assert listed["__typename"] == "ServiceProviderPayload"
    assert listed["provider"]["creditCode"] == credit_code()
    assert listed["provider"]["contactPhone"] == "+8613912345678"
    assert [k["zh"] for k in listed["provider"]["kinds"]] == ["家政", "保姆"]
    assert repair["provider"]["name"] == script
    assert (bad_code["code"], bad_code["field"]) == ("INVALID_CODE", "creditCode")
    assert (bad_kind["code"], bad_kind["field"]) == ("INVALID_CODE", "kinds")
    assert no_kinds["field"] == "kinds"
    assert bad_phone["field"] == "contactPhone"
    assert twice["code"] == "ALREADY_EXISTS"
    assert long_name["field"] == "name"
    assert at_grid["data"]["registerServiceProvider"]["code"] == "INVALID_CODE"
    assert error_codes(by_worker) == ["FORBIDDEN"]
    assert await ServiceProvider.all().count() == 2

    # no token: the public website reads by community, by grid (its community's) and district
    first = await gql(client, PUBLIC, {"r": COMMUNITY})
    assert "errors" not in first, first
    page = first["data"]["publicServiceProviders"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    second = await gql(client, PUBLIC, {"r": COMMUNITY, "after": page["pageInfo"]["endCursor"]})
    names = {
        page["edges"][0]["node"]["name"],
        second["data"]["publicServiceProviders"]["edges"][0]["node"]["name"],
    }
    assert names == {"安心家政服务部", script}  # markup comes back as the text it was
    for region in (GRID, "410611"):
        shown = await gql(client, PUBLIC, {"r": region})
        assert shown["data"]["publicServiceProviders"]["totalCount"] == 2
    by_kind = await gql(client, PUBLIC, {"r": COMMUNITY, "kind": "appliance_repair"})
    assert by_kind["data"]["publicServiceProviders"]["totalCount"] == 1
    elsewhere = await gql(client, PUBLIC, {"r": OTHER_COMMUNITY})
    assert elsewhere["data"]["publicServiceProviders"]["totalCount"] == 0
    for wrong in ("41x", "410611009999"):  # malformed, and a region that does not exist
        refused = await gql(client, PUBLIC, {"r": wrong})
        assert refused["data"] is None and refused["errors"]
    unknown_kind = await gql(client, PUBLIC, {"r": COMMUNITY, "kind": "x"})
    assert unknown_kind["data"] is None


async def test_public_types_carry_only_what_a_provider_or_team_publishes(
    client: httpx.AsyncClient, db: None
) -> None:
    """Every field the public endpoints return, listed: no resident, requester or member, no
    status, complaint or suspension reason, nothing the registry masks."""
    query = """query($t: String!) { __type(name: $t) { fields { name } } }"""
    fields = {}
    for name in ("PublicServiceProvider", "PublicServiceTeam", "ServiceKind", "DutyShift"):
        body = await gql(client, query, {"t": name})
        fields[name] = {f["name"] for f in body["data"]["__type"]["fields"]}
    assert fields == {
        "PublicServiceProvider": {
            "id",
            "regionCode",
            "name",
            "kinds",
            "description",
            "areaServed",
            "contactName",
            "contactPhone",
            "priceNotes",
            "creditCode",
            "meanRating",
            "ratings",
        },
        "PublicServiceTeam": {
            "id",
            "regionCode",
            "name",
            "description",
            "serviceItems",
            "dutySchedule",
            "memberCount",
        },
        "ServiceKind": {"key", "zh", "en"},
        "DutyShift": {"weekday", "start", "end", "note"},
    }


async def test_residents_request_then_rate_and_a_complained_of_provider_is_suspended(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, other_staff = await factories.signed_in("community_staff", OTHER_COMMUNITY)
    _, resident = await citizen("8613900000001")
    _, neighbour = await citizen("8613900000002")
    provider = (await register(client, staff))["provider"]["id"]

    chosen = str(uuid.uuid4())
    asked = (
        await gql(client, REQUEST, {"p": provider, "kind": "nanny", "id": chosen}, token=resident)
    )["data"]["requestService"]
    retried = (
        await gql(client, REQUEST, {"p": provider, "kind": "nanny", "id": chosen}, token=resident)
    )["data"]["requestService"]
    stolen = (
        await gql(client, REQUEST, {"p": provider, "kind": "nanny", "id": chosen}, token=neighbour)
    )["data"]["requestService"]
    not_offered = (await gql(client, REQUEST, {"p": provider, "kind": "moving"}, token=resident))[
        "data"
    ]["requestService"]
    by_staff = await gql(client, REQUEST, {"p": provider, "kind": "nanny"}, token=staff)
    assert asked["request"]["status"] == "REQUESTED"
    assert asked["request"]["providerName"] == "安心家政服务部"
    assert asked["request"]["kind"]["zh"] == "保姆"
    assert retried["request"]["id"] == asked["request"]["id"] == chosen
    assert stolen["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert not_offered["field"] == "kind"
    assert error_codes(by_staff) == ["FORBIDDEN"]
    assert await ServiceRequest.all().count() == 1

    # a rating without a completed request: a typed error, nothing written
    early = (
        await gql(
            client,
            RATE,
            {"id": chosen, "stars": 5, "complaint": False, "comment": ""},
            token=resident,
        )
    )["data"]["rateServiceRequest"]
    assert (early["__typename"], early["code"]) == ("ConflictError", "INVALID_TRANSITION")
    assert (await ServiceRequest.get(id=chosen)).rating is None
    assert (await ServiceProvider.get(id=provider)).ratings == 0
    # someone else's request is not theirs to complete or rate; other staff don't see it
    for token in (neighbour, other_staff):
        foreign = (await gql(client, COMPLETE, {"id": chosen}, token=token))["data"]
        assert foreign["completeServiceRequest"]["__typename"] == "NotFoundError"

    done = (await gql(client, COMPLETE, {"id": chosen}, token=resident))["data"]
    assert done["completeServiceRequest"]["request"]["status"] == "COMPLETED"
    again = (await gql(client, COMPLETE, {"id": chosen}, token=staff))["data"]
    assert again["completeServiceRequest"]["code"] == "INVALID_TRANSITION"

    bare_complaint = (
        await gql(
            client,
            RATE,
            {"id": chosen, "stars": 1, "complaint": True, "comment": " "},
            token=resident,
        )
    )["data"]["rateServiceRequest"]
    out_of_range = (
        await gql(
            client,
            RATE,
            {"id": chosen, "stars": 6, "complaint": False, "comment": ""},
            token=resident,
        )
    )["data"]["rateServiceRequest"]
    assert bare_complaint["field"] == "comment" and out_of_range["field"] == "stars"

    # suspension needs complaints first
    early_suspension = (await gql(client, SUSPEND, {"id": provider}, token=staff))["data"]
    assert early_suspension["suspendServiceProvider"]["code"] == "NOT_ALLOWED"

    rated = (
        await gql(
            client,
            RATE,
            {"id": chosen, "stars": 1, "complaint": True, "comment": "<img src=x onerror=1>迟到"},
            token=resident,
        )
    )["data"]["rateServiceRequest"]
    assert rated["request"] == {
        "rating": 1,
        "complaint": True,
        "ratingComment": "<img src=x onerror=1>迟到",
    }
    twice = (
        await gql(
            client,
            RATE,
            {"id": chosen, "stars": 5, "complaint": False, "comment": ""},
            token=resident,
        )
    )["data"]["rateServiceRequest"]
    assert twice["code"] == "ALREADY_EXISTS"
    board = await gql(client, PUBLIC, {"r": COMMUNITY})
    assert board["data"]["publicServiceProviders"]["edges"][0]["node"]["meanRating"] == 1.0

    elsewhere = (await gql(client, SUSPEND, {"id": provider}, token=other_staff))["data"]
    assert elsewhere["suspendServiceProvider"]["__typename"] == "NotFoundError"
    suspended = (await gql(client, SUSPEND, {"id": provider}, token=staff))["data"][
        "suspendServiceProvider"
    ]
    assert suspended["provider"] == {
        "status": "SUSPENDED",
        "complaints": 1,
        "suspendedReason": "多次投诉未整改",
    }
    assert (await gql(client, PUBLIC, {"r": COMMUNITY}))["data"]["publicServiceProviders"][
        "totalCount"
    ] == 0
    closed = (await gql(client, REQUEST, {"p": provider, "kind": "nanny"}, token=neighbour))[
        "data"
    ]["requestService"]
    assert closed["code"] == "INACTIVE"
    staff_view = await gql(
        client,
        """query($r: String!) { serviceProviders(regionCode: $r, status: SUSPENDED) { totalCount }
           serviceRequests(regionCode: $r, complaintsOnly: true) { totalCount
             edges { node { rating providerName } } } }""",
        {"r": COMMUNITY},
        token=staff,
    )
    assert staff_view["data"]["serviceProviders"]["totalCount"] == 1
    assert staff_view["data"]["serviceRequests"]["edges"][0]["node"] == {
        "rating": 1,
        "providerName": "安心家政服务部",
    }
    mine = await gql(client, "{ myServiceRequests { totalCount } }", token=resident)
    assert mine["data"]["myServiceRequests"]["totalCount"] == 1
    reinstated = await gql(
        client,
        "mutation($id: ID!) { reinstateServiceProvider(id: $id) { __typename"
        " ... on ServiceProviderPayload { provider { status } } } }",
        {"id": provider},
        token=staff,
    )
    assert reinstated["data"]["reinstateServiceProvider"]["provider"]["status"] == "ACTIVE"
    assert await AuditEntry.filter(action__startswith="service_provider.").count() == 3
