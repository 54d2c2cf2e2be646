"""Regions through the API: reads scoped to the subtree, admin changes, bad input."""

from __future__ import annotations

import httpx
import pytest

from api.domains.audit.models import AuditEntry
from api.domains.hierarchy.models import Region
from tests import factories
from tests.factories import error_codes, gql

REGIONS = """
query($parent: String, $level: Level, $search: String, $first: Int, $after: String) {
  regions(parentCode: $parent, level: $level, search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { code } }
  }
}"""
REGION = "query($code: String!) { region(code: $code) { code name level parentCode } }"
PATH = "query($code: String!) { regionPath(code: $code) { code level } }"
CREATE = """
mutation($input: CreateRegionInput!) {
  createRegion(input: $input) {
    __typename
    ... on RegionPayload { region { code parentCode level name } }
    ... on Error { code field message }
  }
}"""
UPDATE = """
mutation($code: String!, $input: UpdateRegionInput!) {
  updateRegion(code: $code, input: $input) {
    __typename
    ... on RegionPayload { region { code name households } }
    ... on Error { code field }
  }
}"""
DEACTIVATE = """
mutation($code: String!) {
  deactivateRegion(code: $code) { __typename ... on RegionPayload { region { isActive } } ... on Error { code } }
}"""


def codes(body: dict) -> list[str]:
    return [edge["node"]["code"] for edge in body["data"]["regions"]["edges"]]


async def test_a_township_sees_its_subtree_and_nothing_else(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("township_centre", "410611001")

    listed = await gql(client, REGIONS, {"first": 100}, token=token)

    assert codes(listed) == [
        "410611001",
        "410611001001",
        "410611001001001",
        "410611001001010",
        "410611001010",
        "410611001010001",
    ]
    assert listed["data"]["regions"]["totalCount"] == 6
    for outside in ["410611002", "410611002001001", "410611", "4106", "410602001001001"]:
        assert (await gql(client, REGION, {"code": outside}, token=token))["data"]["region"] is None
        assert (await gql(client, PATH, {"code": outside}, token=token))["data"]["regionPath"] == []


async def test_siblings_that_share_a_prefix_stay_apart(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, community_001 = await factories.signed_in("community_staff", "410611001001")
    _, grid_001 = await factories.signed_in("grid_worker", "410611001001001")

    seen = codes(await gql(client, REGIONS, {"first": 100}, token=community_001))
    grid_seen = codes(await gql(client, REGIONS, {"first": 100}, token=grid_001))

    assert seen == ["410611001001", "410611001001001", "410611001001010"]
    assert "410611001010" not in seen and "410611001010001" not in seen
    assert grid_seen == ["410611001001001"]
    assert (await gql(client, REGION, {"code": "410611001001010"}, token=grid_001))["data"][
        "region"
    ] is None


async def test_pages_follow_each_other_without_gaps(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("city_command", "4106")
    seen: list[str] = []
    after = None
    while True:
        body = await gql(client, REGIONS, {"first": 4, "after": after}, token=token)
        seen += codes(body)
        info = body["data"]["regions"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]

    assert seen == sorted(factories.TREE)


async def test_filters_by_parent_level_and_search(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("city_command", "4106")

    children = codes(await gql(client, REGIONS, {"parent": "410611"}, token=token))
    grids = codes(await gql(client, REGIONS, {"level": "GRID"}, token=token))
    named = codes(await gql(client, REGIONS, {"search": "桃园"}, token=token))

    assert children == ["410611001", "410611002"]
    assert len(grids) == 5 and all(len(code) == 15 for code in grids)
    assert named == ["410611001010", "410611001010001"]


@pytest.mark.parametrize("first", [0, 101, -1])
async def test_page_size_is_bounded(client: httpx.AsyncClient, first: int) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("city_command", "4106")

    body = await gql(client, REGIONS, {"first": first}, token=token)

    assert error_codes(body) == ["INVALID"]
    assert body["errors"][0]["extensions"]["field"] == "first"


async def test_region_path_names_every_ancestor(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", "410611001001010")

    path = (await gql(client, PATH, {"code": "410611001001010"}, token=token))["data"]["regionPath"]

    assert [(p["code"], p["level"]) for p in path] == [
        ("4106", "CITY"),
        ("410611", "DISTRICT"),
        ("410611001", "TOWNSHIP"),
        ("410611001001", "COMMUNITY"),
        ("410611001001010", "GRID"),
    ]


async def test_admin_creates_a_grid_under_its_community(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")

    body = await gql(
        client, CREATE, {"input": {"code": "410611001001002", "name": " 第2 网格 "}}, token=admin
    )

    assert body["data"]["createRegion"] == {
        "__typename": "RegionPayload",
        "region": {
            "code": "410611001001002",
            "parentCode": "410611001001",
            "level": "GRID",
            "name": "第2 网格",
        },
    }
    entry = await AuditEntry.get(object_id="410611001001002")
    assert entry.action == "region.create"


@pytest.mark.parametrize(
    ("code", "error", "field"),
    [
        ("41061100100", "INVALID_CODE", "code"),  # 11 digits: no level has that length
        ("41061a001001002", "INVALID_CODE", "code"),
        ("４１０６１１００１００１００２", "INVALID_CODE", "code"),  # full-width digits
        ("410611001099001", "PARENT_MISMATCH", "code"),  # parent community does not exist
        ("410611001001001", "ALREADY_EXISTS", "code"),
    ],
)
async def test_bad_region_codes_get_typed_errors_and_change_nothing(
    client: httpx.AsyncClient, code: str, error: str, field: str
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    before = await Region.all().count()

    body = await gql(client, CREATE, {"input": {"code": code, "name": "x"}}, token=admin)

    result = body["data"]["createRegion"]
    assert (result["code"], result["field"]) == (error, field)
    assert await Region.all().count() == before


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name": ""}, "name"),
        ({"households": -1}, "households"),
        ({"centre": {"lat": 135.0, "lng": 114.3}}, "centre"),
        ({"boundary": {"type": "Point", "coordinates": [114.3, 35.7]}}, "boundary"),
        (
            {
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            },
            "boundary",
        ),
        ({"boundary": {"type": "Polygon", "coordinates": "nonsense"}}, "boundary"),
        ({"boundary": [1, 2]}, "boundary"),
    ],
)
async def test_bad_updates_get_typed_errors_and_change_nothing(
    client: httpx.AsyncClient, patch: dict, field: str
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")

    body = await gql(client, UPDATE, {"code": "410611001001001", "input": patch}, token=admin)

    assert body["data"]["updateRegion"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": field,
    }
    region = await Region.get(code="410611001001001")
    assert region.name == "金山社区第1网格" and region.households == 300 and region.boundary is None


async def test_out_of_scope_changes_look_like_not_found(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin_a = await factories.signed_in("admin", "410611001")

    update = await gql(
        client, UPDATE, {"code": "410611002001001", "input": {"name": "hijacked"}}, token=admin_a
    )
    create = await gql(
        client, CREATE, {"input": {"code": "410611002001002", "name": "x"}}, token=admin_a
    )
    deactivate = await gql(client, DEACTIVATE, {"code": "410611002001001"}, token=admin_a)

    assert update["data"]["updateRegion"]["__typename"] == "NotFoundError"
    assert create["data"]["createRegion"]["__typename"] == "NotFoundError"
    assert deactivate["data"]["deactivateRegion"]["__typename"] == "NotFoundError"
    assert (await Region.get(code="410611002001001")).name == "九州社区第1网格"
    assert await Region.filter(code="410611002001002").count() == 0


async def test_non_admins_cannot_change_regions(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, command = await factories.signed_in("district_command", "410611")

    body = await gql(client, UPDATE, {"code": "410611001", "input": {"name": "x"}}, token=command)

    assert error_codes(body) == ["FORBIDDEN"]
    assert (await Region.get(code="410611001")).name == "金山街道"


async def test_deactivation_needs_the_children_gone_first(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")

    community = await gql(client, DEACTIVATE, {"code": "410611001010"}, token=admin)
    grid = await gql(client, DEACTIVATE, {"code": "410611001010001"}, token=admin)
    community_again = await gql(client, DEACTIVATE, {"code": "410611001010"}, token=admin)

    assert community["data"]["deactivateRegion"] == {
        "__typename": "ConflictError",
        "code": "HAS_ACTIVE_CHILDREN",
    }
    assert grid["data"]["deactivateRegion"]["region"] == {"isActive": False}
    assert community_again["data"]["deactivateRegion"]["region"] == {"isActive": False}
    listed = codes(await gql(client, REGIONS, {"parent": "410611001"}, token=admin))
    assert listed == ["410611001001"]


async def test_unauthenticated_requests_are_refused(client: httpx.AsyncClient) -> None:
    body = await gql(client, REGIONS, {})

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


NODE = "query($id: ID!) { node(id: $id) { id ... on Region { code } ... on User { username } ... on Department { code } } }"


def global_id(type_name: str, key: str) -> str:
    import base64

    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode()


async def test_node_lookups_are_scoped_like_everything_else(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    other_department = await factories.department("410602", code="police")
    other_user = await factories.user("grid_worker", "410611002001001")
    _, token = await factories.signed_in("admin", "410611001")

    own = await gql(client, NODE, {"id": global_id("Region", "410611001001")}, token=token)
    sibling = await gql(client, NODE, {"id": global_id("Region", "410611002")}, token=token)
    user = await gql(client, NODE, {"id": global_id("User", str(other_user.id))}, token=token)
    department = await gql(
        client, NODE, {"id": global_id("Department", str(other_department.id))}, token=token
    )
    garbage = await gql(client, NODE, {"id": "not-base64!"}, token=token)

    assert own["data"]["node"] == {
        "id": global_id("Region", "410611001001"),
        "code": "410611001001",
    }
    assert sibling["data"]["node"] is None
    assert user["data"]["node"] is None
    assert department["data"]["node"] is None
    assert garbage["data"]["node"] is None
