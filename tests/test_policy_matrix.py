"""Role × level × action, through HTTP, against policies/policy.csv.

For every role, at every level where it may be held, and for every region level at or below it,
each guarded operation is tried on a target inside the role's subtree: it must succeed exactly
when policy.csv allows (role, target level, object, action), and fail with FORBIDDEN otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from api.regions import ORDER, Level
from policies.enforcer import get_enforcer
from tests import factories
from tests.factories import error_codes, gql

# One region per level on one branch of the test tree.
TARGET = {
    Level.CITY: "4106",
    Level.DISTRICT: "410611",
    Level.TOWNSHIP: "410611001",
    Level.COMMUNITY: "410611001001",
    Level.GRID: "410611001001001",
}

Probe = Callable[[httpx.AsyncClient, str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def read_region(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client, "query($c: String!) { region(code: $c) { code } }", {"c": code}, token=token
    )


async def update_region(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($c: String!) { updateRegion(code: $c, input: {households: 7}) { __typename } }",
        {"c": code},
        token=token,
    )


async def read_departments(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { departments(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def update_department(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($id: ID!) { updateDepartment(id: $id, input: {phone: "0392"}) { __typename } }',
        {"id": ctx["departments"][code]},
        token=token,
    )


async def read_users(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { users(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_audit(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { auditLog(regionCode: $c) { edges { node { action } } } }",
        {"c": code},
        token=token,
    )


async def read_api_keys(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(client, "{ apiKeys { edges { node { id } } } }", token=token)


async def import_regions(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    return await start(
        client, token, "REGIONS", csv_bytes([["code", "name"]]), mode="VALIDATE", region_code=code
    )


async def import_users(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    header = [["username", "display_name", "role", "region_code"]]
    return await start(client, token, "USERS", csv_bytes(header), mode="VALIDATE", region_code=code)


async def import_residents(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    header = [["id_number", "name", "region_code"]]
    return await start(
        client, token, "RESIDENTS", csv_bytes(header), mode="VALIDATE", region_code=code
    )


async def read_registry(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { registryStatistics(regionCode: $c) {"
        " ... on RegistryStatistics { totals { count } } } }",
        {"c": code},
        token=token,
    )


async def create_registry(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    building = {"buildingCode": f"B-{uuid.uuid4().hex[:12]}", "name": "1号楼", "address": "金山路"}
    return await gql(
        client,
        "mutation($c: String!, $b: BuildingFieldsInput!) {"
        " registerBuilding(regionCode: $c, input: $b) { __typename } }",
        {"c": code, "b": building},
        token=token,
    )


async def export_registry(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { exportPeople(filter: {regionCode: $c}) { rowCount } }",
        {"c": code},
        token=token,
    )


async def read_statistics(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { eventStatistics(scope: $c, from: "2026-11-01", to: "2026-11-30")'
        " { __typename } }",
        {"c": code},
        token=token,
    )


async def read_ranking(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { ranking(scope: $c, subject: DEPARTMENT, from: "2026-11-01",'
        ' to: "2026-11-30") { __typename } }',
        {"c": code},
        token=token,
    )


# (object, action, probe, levels the target may have)
async def publish_notice(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { publishNotice(input: {title: "t", body: "b",'
        " audience: {regionCodes: [$c]}}) { __typename } }",
        {"c": code},
        token=token,
    )


PROBES: list[tuple[str, str, Probe, set[Level]]] = [
    ("region", "read", read_region, set(ORDER)),
    ("region", "update", update_region, set(ORDER)),
    ("department", "read", read_departments, {Level.CITY, Level.DISTRICT, Level.TOWNSHIP}),
    ("department", "update", update_department, {Level.CITY, Level.DISTRICT, Level.TOWNSHIP}),
    ("user", "read", read_users, set(ORDER)),
    ("audit_log", "read", read_audit, set(ORDER)),
    ("import", "regions", import_regions, set(ORDER)),
    ("import", "users", import_users, set(ORDER)),
    ("import", "residents", import_residents, set(ORDER)),
    ("registry", "read", read_registry, set(ORDER)),
    ("registry", "create", create_registry, set(ORDER)),
    ("registry", "export", export_registry, set(ORDER)),
    ("statistics", "read", read_statistics, set(ORDER)),
    ("ranking", "read", read_ranking, set(ORDER)),
    ("announcement", "publish", publish_notice, set(ORDER)),
]


def allowed_outcome(body: dict[str, Any]) -> bool:
    codes = error_codes(body)
    assert set(codes) <= {"FORBIDDEN"}, body
    return not codes


async def test_every_role_at_every_level_gets_exactly_what_policy_allows(
    client: httpx.AsyncClient, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(settings, "gridgov_import_dir", tmp_path / "imports")
    await factories.region_tree()
    departments = {}
    for level in (Level.CITY, Level.DISTRICT, Level.TOWNSHIP):
        departments[TARGET[level]] = str((await factories.department(TARGET[level])).id)
    ctx = {"departments": departments}
    enforcer = get_enforcer()
    checked = 0
    mismatches = []
    for role in sorted({rule[0] for rule in enforcer.rules()}):
        for held_at in ORDER:
            if not enforcer.may_hold(role, held_at):
                continue
            department_id = None
            if role == "department_staff":
                department_id = departments[TARGET[held_at]]
            account = await factories.user(role, TARGET[held_at], department_id=department_id)
            token = await factories.token_for(account)
            for target_level in ORDER[ORDER.index(held_at) :]:
                for obj, action, probe, levels in PROBES:
                    if target_level not in levels:
                        continue
                    expected = enforcer.allows(role, target_level, obj, action)
                    body = await probe(client, token, TARGET[target_level], ctx)
                    if allowed_outcome(body) != expected:
                        mismatches.append(
                            (role, held_at, target_level, obj, action, expected, body)
                        )
                    checked += 1
    assert not mismatches, mismatches[:5]
    assert checked > 200


async def test_api_key_reads_only_what_integration_may(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    from api.auth import Assignment, Principal
    from api.domains.accounts import service

    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    key = (await service.create_api_key(actor=console, name="hotline", region_code="410611")).secret

    region = await gql(client, '{ region(code: "410611001") { code } }', headers={"X-Api-Key": key})
    users = await gql(client, "{ users { totalCount } }", headers={"X-Api-Key": key})
    change = await gql(
        client,
        'mutation { updateRegion(code: "410611001", input: {households: 1}) { __typename } }',
        headers={"X-Api-Key": key},
    )

    assert region["data"]["region"] == {"code": "410611001"}
    assert error_codes(users) == ["FORBIDDEN"]
    assert error_codes(change) == ["FORBIDDEN"]
