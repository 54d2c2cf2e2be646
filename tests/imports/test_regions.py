"""Importing regions and grids: modes, atomicity, encodings, headers, scope, idempotence."""

from __future__ import annotations

import uuid

import httpx

from api.domains.hierarchy.models import Region
from api.domains.imports import pipeline
from api.domains.imports.models import ImportJob, ImportRowError
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, job, problems, start, xlsx_bytes

HEADER_EN = ["code", "name", "households", "leader_name", "leader_phone"]
HEADER_ZH = ["区划代码", "名称", "户数", "负责人", "负责人电话", "备注"]
GOOD = [
    ["410611001001002", "金山社区第2网格", "320", "王芳", "13803920002"],
    ["410611001001003", "金山社区第3网格", "280", "李强", "13803920003"],
    ["410611001020", "新城社区", "0", "", ""],
    ["410611001020001", "新城社区第1网格", "150", "", ""],
]


async def _admin(code: str = "410611") -> str:
    await factories.region_tree()
    _, token = await factories.signed_in("admin", code)
    return token


async def _run(client: httpx.AsyncClient, token: str, content: bytes, **options: str) -> dict:
    body = await start(client, token, "REGIONS", content, **options)
    result = body["data"]["startImport"]
    assert result["__typename"] == "ImportJobPayload", result
    assert result["job"]["state"] == "QUEUED"
    await pipeline.run(uuid.UUID(result["job"]["id"]))
    return await job(client, token, result["job"]["id"])


async def test_validate_only_checks_every_row_and_writes_nothing(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()
    before = await Region.all().count()

    result = await _run(
        client,
        token,
        csv_bytes([HEADER_EN, *GOOD, ["41061100100100X", "坏", "1", "", ""]]),
        mode="VALIDATE",
    )

    assert result["state"] == "VALIDATED"
    assert (result["rowsRead"], result["rowsValid"], result["rowsFailed"]) == (5, 4, 1)
    assert result["rowsWritten"] == 0
    assert problems(result) == [(6, "code", "INVALID_CODE")]
    assert await Region.all().count() == before


async def test_all_or_nothing_with_one_bad_row_writes_nothing(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()
    before = await Region.all().count()
    bad = ["410611001001004", "", "abc", "", "12"]

    result = await _run(client, token, csv_bytes([HEADER_EN, *GOOD, bad]))

    assert result["state"] == "REJECTED"
    assert result["rowsFailed"] == 1 and result["rowsWritten"] == 0
    assert problems(result) == [
        (6, "name", "REQUIRED"),
        (6, "households", "INVALID"),
        (6, "leader_phone", "INVALID"),
    ]
    assert await Region.all().count() == before


async def test_best_effort_writes_the_good_rows_and_reports_the_bad(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()
    rows = [
        *GOOD,
        ["410611001099001", "孤儿网格", "1", "", ""],  # its community exists nowhere
        ["410611001001002", "重复", "1", "", ""],  # the same code as row 2
    ]

    result = await _run(client, token, csv_bytes([HEADER_EN, *rows]), atomicity="BEST_EFFORT")

    assert result["state"] == "COMPLETED"
    assert (result["rowsInserted"], result["rowsUpdated"], result["rowsFailed"]) == (4, 0, 2)
    assert problems(result) == [(6, "code", "UNKNOWN_PARENT"), (7, "code", "DUPLICATE")]
    grid = await Region.get(code="410611001001002")
    assert (grid.name, grid.households, grid.leader_phone, grid.parent_code) == (
        "金山社区第2网格",
        320,
        "13803920002",
        "410611001001",
    )
    assert await Region.exists(code="410611001020001", parent_code="410611001020", level="grid")
    assert not await Region.exists(code="410611001099001")

    download = await client.get(result["errorsUrl"], headers={"Authorization": f"Bearer {token}"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,code,reason,value"
    assert lines[1].startswith("6,code,UNKNOWN_PARENT,no region 410611001099 above it")
    assert lines[2].startswith("7,code,DUPLICATE,the same as row 2")
    assert (await client.get(result["errorsUrl"])).status_code == 401


async def test_a_second_run_changes_nothing_and_a_changed_row_is_an_update(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()
    content = csv_bytes([HEADER_EN, *GOOD])
    first = await _run(client, token, content)
    stamp = (await Region.get(code="410611001001002")).updated_at

    again = await _run(client, token, content)

    assert (first["rowsInserted"], first["rowsUpdated"], first["rowsUnchanged"]) == (4, 0, 0)
    assert (again["rowsInserted"], again["rowsUpdated"], again["rowsUnchanged"]) == (0, 0, 4)
    assert (await Region.get(code="410611001001002")).updated_at == stamp
    changed = [[*GOOD[0][:1], "金山社区第二网格", *GOOD[0][2:]], *GOOD[1:]]
    third = await _run(client, token, csv_bytes([HEADER_EN, *changed]))
    assert (third["rowsInserted"], third["rowsUpdated"], third["rowsUnchanged"]) == (0, 1, 3)
    assert (await Region.get(code="410611001001002")).name == "金山社区第二网格"


async def test_a_file_without_a_column_leaves_that_field_alone(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()
    await _run(client, token, csv_bytes([HEADER_EN, *GOOD]))

    result = await _run(client, token, csv_bytes([["code", "name"], ["410611001001002", "改名"]]))

    assert result["rowsUpdated"] == 1
    grid = await Region.get(code="410611001001002")
    assert (grid.name, grid.households, grid.leader_name) == ("改名", 320, "王芳")


async def test_chinese_headers_in_gb18030_utf8_bom_and_xlsx(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()
    rows = [HEADER_ZH, *[[*row, "备注"] for row in GOOD]]

    gb = await _run(client, token, csv_bytes(rows, encoding="gb18030"), filename="网格.csv")
    assert (gb["state"], gb["encoding"], gb["rowsInserted"]) == ("COMPLETED", "gb18030", 4)
    assert gb["columns"] == ["code", "name", "households", "leader_name", "leader_phone"]
    assert gb["ignoredColumns"] == ["备注"]
    assert (await Region.get(code="410611001001003")).leader_name == "李强"

    bom = await _run(client, token, csv_bytes(rows, encoding="utf-8-sig"))
    assert (bom["encoding"], bom["rowsUnchanged"]) == ("utf-8", 4)

    changed = [HEADER_ZH, *[[row[0], row[1] + "（新）", *row[2:], ""] for row in GOOD]]
    xlsx = await _run(client, token, xlsx_bytes(changed), filename="网格.xlsx")
    assert (xlsx["state"], xlsx["encoding"], xlsx["rowsUpdated"]) == ("COMPLETED", None, 4)
    assert (await Region.get(code="410611001020")).name == "新城社区（新）"


async def test_a_row_in_another_encoding_is_that_rows_problem(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()
    content = csv_bytes([HEADER_EN, *GOOD[:3]]) + "410611001020001,新城社区第1网格,1,,\r\n".encode(
        "gb18030"
    )

    result = await _run(client, token, content, atomicity="BEST_EFFORT")

    assert (result["encoding"], result["rowsInserted"]) == ("utf-8", 3)
    assert problems(result) == [(5, None, "ENCODING")]


async def test_rows_outside_the_callers_region_are_rejected_one_by_one(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin("410611001")
    rows = [
        ["410611001001002", "金山社区第2网格", "1", "", ""],
        ["410611002001002", "九州社区第2网格", "1", "", ""],  # another township
        ["410602001001002", "中山社区第2网格", "1", "", ""],  # another district
    ]

    result = await _run(client, token, csv_bytes([HEADER_EN, *rows]), atomicity="BEST_EFFORT")

    assert result["rowsInserted"] == 1
    assert problems(result) == [(3, "code", "OUT_OF_SCOPE"), (4, "code", "OUT_OF_SCOPE")]
    assert not await Region.exists(code="410611002001002")


async def test_a_file_missing_a_required_column_fails_whole(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin()

    result = await _run(client, token, csv_bytes([["名称", "户数"], ["某网格", "1"]]))

    assert result["state"] == "FAILED"
    assert result["error"] == "missing required column(s): code (region_code)"
    assert await ImportRowError.all().count() == 0


async def test_callers_without_the_permission_are_forbidden(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")

    body = await start(client, worker, "REGIONS", csv_bytes([HEADER_EN, *GOOD]))

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await ImportJob.all().count() == 0


async def test_an_admin_outside_the_named_region_gets_not_found(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _admin("410611001")

    body = await start(client, token, "REGIONS", csv_bytes([HEADER_EN]), region_code="410602")

    assert body["data"]["startImport"]["code"] == "NOT_FOUND"
