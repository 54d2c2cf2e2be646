"""The registry's code tables as editable data through the API: a local code added and used in
registerPerson and in an import, retired only when unused, a region's extension used in its
subtree only, the national codes fixed, versions in the vocabulary clients cache by."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from api.domains.audit.models import AuditEntry
from api.domains.registry.models import Person, RegistryCode
from api.settings import Settings
from tests import factories
from tests.factories import error_codes, gql
from tests.imports.helpers import csv_bytes, problems, run_import
from tests.registry.helpers import REGISTER_PERSON, id_number

GRID = "410611001001001"  # in district 410611
ELSEWHERE = "410602001001001"  # in district 410602
PAYLOAD = """
    __typename
    ... on RegistryCodePayload { tableKey entry { code name isNational regionCode isActive version } }
    ... on Error { code field message }
"""
ADD = (
    f"mutation($input: AddRegistryCodeInput!) {{ addRegistryCode(input: $input) {{ {PAYLOAD} }} }}"
)
RENAME = (
    "mutation($t: String!, $c: String!, $n: String!) {"
    f" renameRegistryCode(tableKey: $t, code: $c, name: $n) {{ {PAYLOAD} }} }}"
)
RETIRE = (
    "mutation($t: String!, $c: String!) {"
    f" retireRegistryCode(tableKey: $t, code: $c) {{ {PAYLOAD} }} }}"
)
VOCABULARY = """{ vocabulary { codeTablesVersion
  codeTables { key version entries { code name isNational regionCode isActive } } } }"""


@pytest.fixture
def import_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setattr(settings, "gridgov_import_dir", tmp_path / "imports")
    return settings


def add(table: str, code: str, name: str, region: str | None = None) -> dict[str, Any]:
    return {"input": {"tableKey": table, "code": code, "name": name, "regionCode": region}}


def person(sequence: int, region: str = GRID, **more: Any) -> dict[str, Any]:
    return {
        "input": {
            "regionCode": region,
            "idNumber": id_number("19800101", sequence),
            "personType": "REGISTERED",
            "name": "张伟",
            **more,
        }
    }


async def vocabulary(client: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    body = (await gql(client, VOCABULARY))["data"]["vocabulary"]
    return body["codeTablesVersion"], {table["key"]: table for table in body["codeTables"]}


def entry(table: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((e for e in table["entries"] if e["code"] == code), None)


async def test_a_city_adds_a_local_code_used_at_once_then_retires_it_only_when_unused(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, staff = await factories.signed_in("community_staff", "410611001001")
    version, tables = await vocabulary(client)
    assert version == 0 and entry(tables["ethnicity"], "01") == {
        "code": "01",
        "name": "汉族",
        "isNational": True,
        "regionCode": None,
        "isActive": True,
    }
    refused = await gql(client, REGISTER_PERSON, person(1, ethnicity="60"), token=worker)
    assert refused["data"]["registerPerson"]["code"] == "INVALID_CODE"

    added = await gql(client, ADD, add("ethnicity", "60", "本地民族"), token=admin)

    assert added["data"]["addRegistryCode"] == {
        "__typename": "RegistryCodePayload",
        "tableKey": "ethnicity",
        "entry": {
            "code": "60",
            "name": "本地民族",
            "isNational": False,
            "regionCode": None,
            "isActive": True,
            "version": 1,
        },
    }
    version, tables = await vocabulary(client)
    assert (version, tables["ethnicity"]["version"]) == (1, 1)
    assert entry(tables["ethnicity"], "60") is not None
    registered = await gql(client, REGISTER_PERSON, person(2, ethnicity="60"), token=worker)
    assert registered["data"]["registerPerson"]["person"]["ethnicity"] == "60"
    header = ["身份证号", "姓名", "网格编码", "人口类型", "民族"]
    rows = [[id_number("19800101", 3), "李四", GRID, "户籍", "60"]]
    imported = await run_import(client, staff, "RESIDENTS", csv_bytes([header, *rows]))
    assert (imported["state"], imported["rowsInserted"]) == ("COMPLETED", 1), imported
    assert (await Person.get(id_number=id_number("19800101", 3))).ethnicity == "60"

    renamed = await gql(client, RENAME, {"t": "ethnicity", "c": "60", "n": "某族"}, token=admin)
    assert renamed["data"]["renameRegistryCode"]["entry"]["version"] == 2
    in_use = await gql(client, RETIRE, {"t": "ethnicity", "c": "60"}, token=admin)
    assert in_use["data"]["retireRegistryCode"]["code"] == "IN_USE"
    assert (await RegistryCode.get(table_key="ethnicity", code="60")).is_active
    assert (await vocabulary(client))[0] == 2

    await Person.filter(ethnicity="60").update(status="deregistered")
    retired = await gql(client, RETIRE, {"t": "ethnicity", "c": "60"}, token=admin)
    assert retired["data"]["retireRegistryCode"]["entry"]["isActive"] is False
    version, tables = await vocabulary(client)
    assert version == 3
    assert entry(tables["ethnicity"], "60")["isActive"] is False  # type: ignore[index]
    after = await gql(client, REGISTER_PERSON, person(4, ethnicity="60"), token=worker)
    assert after["data"]["registerPerson"]["code"] == "INVALID_CODE"
    rows = [[id_number("19800101", 5), "王五", GRID, "户籍", "60"]]
    refused_import = await run_import(client, staff, "RESIDENTS", csv_bytes([header, *rows]))
    assert problems(refused_import) == [(2, "ethnicity", "INVALID_CODE")]
    assert [e.action for e in await AuditEntry.filter(object_type="code_table").order_by("id")] == [
        "code.add",
        "code.rename",
        "code.retire",
    ]


async def test_an_extension_is_used_in_its_district_only(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, district_admin = await factories.signed_in("admin", "410611")
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, other_worker = await factories.signed_in("grid_worker", ELSEWHERE)
    _, city_staff = await factories.signed_in("community_staff", "410602001001")

    added = await gql(client, ADD, add("5.11", "50", "旧城改造", "410611"), token=district_admin)
    assert added["data"]["addRegistryCode"]["entry"]["regionCode"] == "410611"
    sibling = await gql(client, ADD, add("5.11", "51", "别区的", "410602"), token=district_admin)
    assert sibling["data"]["addRegistryCode"]["code"] == "NOT_FOUND"  # out of scope
    at_city = await gql(client, ADD, add("5.11", "51", "全市的"), token=district_admin)
    assert error_codes(at_city) == ["FORBIDDEN"]

    floating = {"personType": "FLOATING", "inflowReason": "50"}
    inside = await gql(client, REGISTER_PERSON, person(1, **floating), token=worker)
    assert inside["data"]["registerPerson"]["__typename"] == "PersonPayload", inside
    outside = await gql(
        client, REGISTER_PERSON, person(2, region=ELSEWHERE, **floating), token=other_worker
    )
    assert (
        outside["data"]["registerPerson"]["code"],
        outside["data"]["registerPerson"]["field"],
    ) == (
        "INVALID_CODE",
        "inflowReason",
    )
    assert not await Person.filter(id_number=id_number("19800101", 2)).exists()

    # the national codes are the standard's: not renamed, not retired
    national = await gql(client, RENAME, {"t": "5.11", "c": "01", "n": "x"}, token=district_admin)
    assert national["data"]["renameRegistryCode"]["__typename"] == "ValidationError"
    unused = await gql(client, RETIRE, {"t": "5.11", "c": "50"}, token=district_admin)
    assert unused["data"]["retireRegistryCode"]["code"] == "IN_USE"
    await Person.filter(inflow_reason="50").update(status="deregistered")
    retired = await gql(client, RETIRE, {"t": "5.11", "c": "50"}, token=district_admin)
    assert retired["data"]["retireRegistryCode"]["entry"]["isActive"] is False

    # a district's extension of house use, imported in the other district: refused per row
    await gql(client, ADD, add("5.17", "50", "共享仓", "410611"), token=district_admin)
    header = ["房屋编码", "网格编码", "地址", "房屋用途"]
    rows = [["H-1", ELSEWHERE, "中山路1号", "50"]]
    job = await run_import(
        client, city_staff, "HOUSES", csv_bytes([header, *rows]), atomicity="BEST_EFFORT"
    )
    assert problems(job) == [(2, "use", "INVALID_CODE")], job


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (add("nothing", "01", "x"), "NOT_FOUND", "tableKey"),
        (add("ethnicity", "6", "x"), "INVALID", "code"),
        (add("ethnicity", "01", "x"), "ALREADY_EXISTS", "code"),
        (add("ethnicity", "61", " "), "INVALID", "name"),
        (add("ethnicity", "61", "x", "410611001"), "INVALID", "regionCode"),
        (add("ethnicity", "61", "x", "419999"), "NOT_FOUND", "regionCode"),
    ],
)
async def test_bad_codes_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, change: dict[str, Any], code: str, field: str
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    before = await RegistryCode.all().count()

    body = await gql(client, ADD, change, token=admin)

    result = body["data"]["addRegistryCode"]
    assert (result["code"], result["field"]) == (code, field), result
    assert await RegistryCode.all().count() == before
    assert not await AuditEntry.filter(object_type="code_table").exists()


async def test_a_code_longer_than_its_column_is_not_found(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, city = await factories.signed_in("admin", "4106")

    body = await gql(client, RETIRE, {"t": "ethnicity", "c": "9" * 60}, token=city)

    assert body["data"]["retireRegistryCode"]["code"] == "NOT_FOUND"
