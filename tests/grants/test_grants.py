"""Runtime permissions through the API: grant and withdraw a role's action in a region's
subtree, bounded by the granter's own rights and region, audited, enforced by every process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from api.domains.audit.models import AuditEntry
from api.domains.grants.models import PermissionRule
from tests import factories
from tests.factories import error_codes, gql
from tests.realtime.servers import ApiProcess

CHANGE_FIELDS = """
    __typename
    ... on PermissionChangePayload { role object action regionCode levels rulesAdded rulesRemoved }
    ... on Error { code field message }
"""
GRANT = f"mutation($input: PermissionChangeInput!) {{ grantPermission(input: $input) {{ {CHANGE_FIELDS} }} }}"
WITHDRAW = f"mutation($input: PermissionChangeInput!) {{ withdrawPermission(input: $input) {{ {CHANGE_FIELDS} }} }}"
MATRIX = """
query($role: Role!, $code: String!, $first: Int, $after: String) {
  permissionMatrix(role: $role, regionCode: $code, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { object action level allowed source ruleRegionCode changedBy note } }
  }
}"""
UPDATE = """
mutation($code: String!) {
  updateRegion(code: $code, input: {households: 321}) { __typename ... on Error { code } }
}"""
READ = "query($code: String!) { region(code: $code) { code } }"

HERE, SIBLING = "410611001001", "410602001001"  # communities in two sibling districts


def change(role: str, obj: str, action: str, code: str, **more: Any) -> dict[str, Any]:
    return {"input": {"role": role, "object": obj, "action": action, "regionCode": code, **more}}


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    """Wait for another process to catch up (a notice and a reload), failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "the other process never caught up"
        await asyncio.sleep(0.05)


async def matrix_rows(client: httpx.AsyncClient, token: str, role: str, code: str) -> list[dict]:
    rows: list[dict] = []
    after = None
    while True:
        body = await gql(
            client, MATRIX, {"role": role, "code": code, "first": 100, "after": after}, token=token
        )
        page = body["data"]["permissionMatrix"]
        rows += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(rows)
            return rows
        after = page["pageInfo"]["endCursor"]


async def test_a_grant_in_one_district_holds_there_on_another_process_and_is_withdrawn(
    client: httpx.AsyncClient, other_api: ApiProcess
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    _, here = await factories.signed_in("community_staff", HERE)
    _, sibling = await factories.signed_in("community_staff", SIBLING)
    async with httpx.AsyncClient(base_url=other_api.http, timeout=60) as other:

        async def updates(token: str, code: str) -> list[str]:
            body = await gql(other, UPDATE, {"code": code}, token=token)
            return error_codes(body) or [body["data"]["updateRegion"]["__typename"]]

        assert await updates(here, HERE) == ["FORBIDDEN"]

        granted = await gql(
            client,
            GRANT,
            change("COMMUNITY_STAFF", "region", "update", "410611", note="试点"),
            token=admin,
        )

        assert granted["data"]["grantPermission"] == {
            "__typename": "PermissionChangePayload",
            "role": "COMMUNITY_STAFF",
            "object": "region",
            "action": "update",
            "regionCode": "410611",
            "levels": ["COMMUNITY", "GRID"],
            "rulesAdded": 2,
            "rulesRemoved": 0,
        }
        await until(lambda: _is(updates(here, HERE), ["RegionPayload"]))
        assert await updates(here, f"{HERE}001") == ["RegionPayload"]  # its grid too
        assert await updates(sibling, SIBLING) == ["FORBIDDEN"]

        rows = await matrix_rows(other, admin, "COMMUNITY_STAFF", HERE)
        assert {
            "object": "region",
            "action": "update",
            "level": "COMMUNITY",
            "allowed": True,
            "source": "GRANTED",
            "ruleRegionCode": "410611",
            "changedBy": _username_of(rows),
            "note": "试点",
        } in rows
        assert {
            "object": "region",
            "action": "read",
            "level": "COMMUNITY",
            "allowed": True,
            "source": "SHIPPED",
            "ruleRegionCode": None,
            "changedBy": None,
            "note": "",
        } in rows
        sibling_rows = await matrix_rows(other, admin, "COMMUNITY_STAFF", SIBLING)
        assert not [
            row for row in sibling_rows if row["action"] == "update" and row["object"] == "region"
        ]

        withdrawn = await gql(
            client, WITHDRAW, change("COMMUNITY_STAFF", "region", "update", "410611"), token=admin
        )

        assert withdrawn["data"]["withdrawPermission"]["rulesRemoved"] == 2
        assert withdrawn["data"]["withdrawPermission"]["rulesAdded"] == 0  # nothing shipped to deny
        await until(lambda: _is(updates(here, HERE), ["FORBIDDEN"]))
    assert await PermissionRule.all().count() == 0
    assert [
        entry.action for entry in await AuditEntry.filter(object_type="permission").order_by("id")
    ] == [
        "permission.grant",
        "permission.withdraw",
    ]


def _username_of(rows: list[dict]) -> str | None:
    return next((row["changedBy"] for row in rows if row["source"] == "GRANTED"), None)


async def _is(result: Awaitable[list[str]], expected: list[str]) -> bool:
    return await result == expected


async def test_nobody_grants_what_they_lack_nor_outside_their_region(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, district_admin = await factories.signed_in("admin", "410611")
    _, command = await factories.signed_in("district_command", "410611")

    lacking = await gql(
        client, GRANT, change("COMMUNITY_STAFF", "event", "close", "410611"), token=district_admin
    )
    elsewhere = await gql(
        client, GRANT, change("COMMUNITY_STAFF", "region", "update", "410602"), token=district_admin
    )
    not_a_granter = await gql(
        client, GRANT, change("COMMUNITY_STAFF", "region", "read", "410611"), token=command
    )

    assert error_codes(lacking) == ["FORBIDDEN"]
    assert elsewhere["data"]["grantPermission"]["code"] == "NOT_FOUND"
    assert error_codes(not_a_granter) == ["FORBIDDEN"]
    assert await PermissionRule.all().count() == 0
    assert await AuditEntry.filter(object_type="permission").count() == 0


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        (change("GRID_WORKER", "region", "fly", "410611"), "action"),
        (change("GRID_WORKER", "assignment", "hold", "410611"), "action"),
        (change("GRID_WORKER", "region", "update", "410611", levels=["DISTRICT"]), "levels"),
        (change("GRID_WORKER", "region", "update", "410611", note="x" * 501), "note"),
        (change("GRID_WORKER", "region", "update", "4106119"), "regionCode"),
        (change("GRID_WORKER", "region", "update", "410699"), "regionCode"),
    ],
)
async def test_bad_requests_are_typed_and_write_nothing(
    client: httpx.AsyncClient, variables: dict[str, Any], field: str
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")

    body = await gql(client, GRANT, variables, token=admin)

    assert body["data"]["grantPermission"]["field"] == field
    assert await PermissionRule.all().count() == 0


async def test_a_shipped_right_is_withdrawn_in_a_subtree_and_granted_back(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    _, here = await factories.signed_in("community_staff", HERE)
    _, there = await factories.signed_in("community_staff", "410611002001")
    regions = "{ regions(first: 10) { totalCount } }"

    withdrawn = await gql(
        client, WITHDRAW, change("COMMUNITY_STAFF", "region", "read", "410611001"), token=admin
    )

    assert withdrawn["data"]["withdrawPermission"]["rulesAdded"] == 2
    assert error_codes(await gql(client, READ, {"code": HERE}, token=here)) == ["FORBIDDEN"]
    assert (await gql(client, READ, {"code": "410611002001"}, token=there))["data"]["region"]
    listed = await gql(client, regions, token=here)
    assert error_codes(listed) or listed["data"]["regions"]["totalCount"] == 0
    assert (await gql(client, regions, token=there))["data"]["regions"]["totalCount"] == 2
    rows = await matrix_rows(client, admin, "COMMUNITY_STAFF", HERE)
    assert {
        "object": "region",
        "action": "read",
        "level": "GRID",
        "allowed": False,
        "source": "WITHDRAWN",
        "ruleRegionCode": "410611001",
        "changedBy": _changed_by(rows),
        "note": "",
    } in rows

    below = await gql(client, GRANT, change("COMMUNITY_STAFF", "region", "read", HERE), token=admin)
    assert below["data"]["grantPermission"]["code"] == "CONFLICT"

    granted = await gql(
        client, GRANT, change("COMMUNITY_STAFF", "region", "read", "410611001"), token=admin
    )

    assert granted["data"]["grantPermission"]["rulesRemoved"] == 2
    assert granted["data"]["grantPermission"]["rulesAdded"] == 0  # shipped again
    assert (await gql(client, READ, {"code": HERE}, token=here))["data"]["region"] == {"code": HERE}
    assert await PermissionRule.all().count() == 0


def _changed_by(rows: list[dict]) -> str | None:
    return next((row["changedBy"] for row in rows if row["source"] == "WITHDRAWN"), None)


async def test_a_role_held_above_the_region_is_not_withdrawn_below_it(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")

    body = await gql(
        client, WITHDRAW, change("TOWNSHIP_CENTRE", "region", "read", HERE), token=admin
    )

    assert body["data"]["withdrawPermission"]["field"] == "regionCode"
    assert await PermissionRule.all().count() == 0


async def test_a_grant_inside_a_centres_subtree_scopes_its_lists_to_that_part(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    _, centre = await factories.signed_in("township_centre", "410611001")
    audit = "{ auditLog(first: 50) { totalCount } }"
    assert error_codes(await gql(client, audit, token=centre)) == ["FORBIDDEN"]

    granted = await gql(
        client, GRANT, change("TOWNSHIP_CENTRE", "audit_log", "read", HERE), token=admin
    )

    assert granted["data"]["grantPermission"]["levels"] == ["COMMUNITY", "GRID"]
    assert (await gql(client, audit, token=centre))["data"]["auditLog"]["totalCount"] == 1


async def test_concurrent_identical_grants_store_one_rule_per_level(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")

    bodies = await asyncio.gather(
        *(
            gql(client, GRANT, change("GRID_WORKER", "region", "update", "410611"), token=admin)
            for _ in range(4)
        )
    )

    assert sorted(b["data"]["grantPermission"]["rulesAdded"] for b in bodies) == [0, 0, 0, 1]
    assert await PermissionRule.all().count() == 1


async def test_the_matrix_is_read_in_ones_own_subtree_only(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, centre = await factories.signed_in("township_centre", "410611001")
    _, worker = await factories.signed_in("grid_worker", f"{HERE}001")

    mine = await gql(client, MATRIX, {"role": "GRID_WORKER", "code": HERE}, token=centre)
    other = await gql(client, MATRIX, {"role": "GRID_WORKER", "code": SIBLING}, token=centre)
    refused = await gql(client, MATRIX, {"role": "GRID_WORKER", "code": HERE}, token=worker)

    assert mine["data"]["permissionMatrix"]["totalCount"] > 0
    assert error_codes(other) == ["NOT_FOUND"]
    assert error_codes(refused) == ["FORBIDDEN"]
