"""Importing users with their role assignments."""

from __future__ import annotations

import uuid

import httpx

from api import auth
from api.domains.accounts.models import RoleAssignment, User
from api.domains.imports import pipeline
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, job, problems, start

HEADER = ["用户名", "姓名", "手机号", "角色", "所属区划", "部门代码"]
ROWS = [
    ["zhang.wei", "张伟", "13803920001", "网格员", "410611001001001", ""],
    ["zhang.wei", "张伟", "13803920001", "grid_worker", "410611001001010", ""],
    ["li.na", "李娜", "", "社区工作人员", "410611001001", ""],
    ["wang.jun", "王军", "13803920003", "部门人员", "410611", "police"],
]


async def _run(client: httpx.AsyncClient, token: str, content: bytes, **options: str) -> dict:
    body = await start(client, token, "USERS", content, **options)
    result = body["data"]["startImport"]
    assert result["__typename"] == "ImportJobPayload", result
    await pipeline.run(uuid.UUID(result["job"]["id"]))
    return await job(client, token, result["job"]["id"])


async def _roles(username: str) -> set[tuple[str, str]]:
    rows = await RoleAssignment.filter(user__username=username).values_list("role", "region_code")
    return {(str(role), str(code)) for role, code in rows}


async def test_users_and_their_roles_are_created_once(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await factories.department("410611")
    _, admin = await factories.signed_in("admin", "410611")

    first = await _run(client, admin, csv_bytes([HEADER, *ROWS]))
    again = await _run(client, admin, csv_bytes([HEADER, *ROWS]))

    assert first["state"] == "COMPLETED", first
    assert (first["rowsInserted"], first["rowsUpdated"], first["rowsFailed"]) == (4, 0, 0)
    assert (again["rowsInserted"], again["rowsUpdated"], again["rowsUnchanged"]) == (0, 0, 4)
    assert await _roles("zhang.wei") == {
        ("grid_worker", "410611001001001"),
        ("grid_worker", "410611001001010"),
    }
    police = await RoleAssignment.get(user__username="wang.jun")
    assert police.department_id is not None
    imported = await User.get(username="zhang.wei")
    assert (imported.display_name, imported.phone) == ("张伟", "13803920001")
    # no password was imported, so none signs in
    assert not auth.verify_password(imported.password_hash, "!imported")


async def test_a_new_role_or_a_new_name_is_an_update(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await factories.department("410611")
    _, admin = await factories.signed_in("admin", "410611")
    await _run(client, admin, csv_bytes([HEADER, *ROWS]))
    rows = [
        *ROWS,
        ["li.na", "李娜", "", "网格长", "410611001010001", ""],
    ]
    rows[3] = ["wang.jun", "王俊", "13803920003", "部门人员", "410611", "police"]

    result = await _run(client, admin, csv_bytes([HEADER, *rows]))

    # the new role row and the renamed user; the rest stays as it was
    assert (result["rowsInserted"], result["rowsUpdated"], result["rowsUnchanged"]) == (0, 2, 3)
    assert ("grid_leader", "410611001010001") in await _roles("li.na")
    assert (await User.get(username="wang.jun")).display_name == "王俊"


async def test_bad_user_rows_are_reported_with_their_reasons(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await factories.department("410611")
    _, admin = await factories.signed_in("admin", "410611001")
    elsewhere = await factories.user("grid_worker", "410602001001001", username="zhao.lei")
    await RoleAssignment.create(user=elsewhere, role="grid_worker", region_code="410611001001001")
    rows = [
        ["chen.jie", "陈杰", "", "网格员", "410611001001001", ""],  # good
        ["X", "坏名", "", "网格员", "410611001001001", ""],  # username
        ["sun.li", "孙丽", "", "网格员", "410611001001", ""],  # a grid role at a community
        ["zhou.min", "周敏", "", "领导", "410611002", ""],  # another township
        ["wu.hao", "吴昊", "", "网格员", "410611001001099", ""],  # no such grid
        ["zhao.lei", "赵磊", "", "网格员", "410611001001010", ""],  # also works in 410602
        ["qian.yu", "钱雨", "", "部门人员", "410611001", "fire"],  # no such department
        ["he.ping", "何平", "", "市民", "410611001001001", ""],  # not an importable role
    ]

    result = await _run(client, admin, csv_bytes([HEADER, *rows]), atomicity="BEST_EFFORT")

    assert result["rowsInserted"] == 1
    assert problems(result) == [
        (3, "username", "INVALID"),
        (4, "role", "ROLE_NOT_AT_LEVEL"),
        (5, "region_code", "OUT_OF_SCOPE"),
        (6, "region_code", "UNKNOWN_REGION"),
        (7, "username", "OUT_OF_SCOPE"),
        (8, "department_code", "UNKNOWN_DEPARTMENT"),
        (9, "role", "INVALID"),
    ]
    assert await _roles("zhao.lei") == {
        ("grid_worker", "410602001001001"),
        ("grid_worker", "410611001001001"),
    }
