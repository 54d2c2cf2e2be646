"""Pinyin search (拼音检索, issue 30): people, buildings, organisations, regions and departments
found by full pinyin, initials or characters mixed with pinyin; traditional characters folded;
exact characters first; rows written without keys found after the backfill."""

from __future__ import annotations

import httpx
import pytest
from tortoise import connections

from api.domains.registry import search
from api.domains.registry.models import SearchKey
from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, PEOPLE, REGISTER_PERSON, id_number

RENAME = """
mutation($id: ID!, $input: PersonFieldsInput!) {
  updatePerson(id: $id, input: $input) { __typename ... on Error { code message } }
}
"""
BUILDINGS = """
query($text: String) { buildings(filter: {text: $text}) { edges { node { name } } } }
"""
BUILDING = """
mutation($region: String!, $input: BuildingFieldsInput!) {
  registerBuilding(regionCode: $region, input: $input) { __typename }
}
"""
REGIONS = """
query($s: String, $after: String) {
  regions(search: $s, first: 2, after: $after) {
    edges { node { code name } } pageInfo { hasNextPage endCursor } }
}
"""
DEPARTMENTS = """
query($s: String) { departments(search: $s) { edges { node { name } } } }
"""


@pytest.fixture
async def worker(db: None) -> str:
    await factories.region_tree()
    _, token = await factories.signed_in("community_staff", GRID[:12])
    return token


async def register(client: httpx.AsyncClient, token: str, name: str, sequence: int) -> str:
    body = await gql(
        client,
        REGISTER_PERSON,
        {
            "input": {
                "regionCode": GRID,
                "idNumber": id_number("19800101", sequence),
                "personType": "REGISTERED",
                "name": name,
            }
        },
        token=token,
    )
    result = body["data"]["registerPerson"]
    assert result["__typename"] == "PersonPayload", result
    return str(result["person"]["id"])


async def names(client: httpx.AsyncClient, token: str, text: str, **page: object) -> list[str]:
    body = await gql(client, PEOPLE, {"filter": {"text": text}, **page}, token=token)
    return [edge["node"]["name"] for edge in body["data"]["people"]["edges"]]


async def test_people_are_found_by_pinyin_initials_and_mixed(
    client: httpx.AsyncClient, worker: str
) -> None:
    await register(client, worker, "张三", 101)
    await register(client, worker, "张三丰", 103)
    await register(client, worker, "赵四", 105)

    # found by pinyin alone, the order is the ids'
    assert set(await names(client, worker, "zs")) == {"张三", "张三丰", "赵四"}
    assert set(await names(client, worker, "zhangsan")) == {"张三", "张三丰"}
    assert set(await names(client, worker, "张s")) == {"张三", "张三丰"}
    assert await names(client, worker, "zhang三f") == ["张三丰"]
    assert await names(client, worker, "zsi") == []
    assert await names(client, worker, "zhaos") == ["赵四"]
    assert await names(client, worker, "張三") == ["张三", "张三丰"]  # traditional folded


async def test_exact_characters_come_first_and_pages_keep_the_order(
    client: httpx.AsyncClient, worker: str
) -> None:
    # 章散 reads zhangsan too; the name typed in characters ranks first, then its prefix
    for sequence, name in ((101, "章散"), (103, "张三丰"), (105, "张三"), (107, "张珊")):
        await register(client, worker, name, sequence)

    ordered = await names(client, worker, "张三")
    assert ordered == ["张三", "张三丰", "章散"]  # a homophone (found by pinyin) last
    by_pinyin = await names(client, worker, "zhangs")
    assert set(by_pinyin) == {"章散", "张三丰", "张三", "张珊"}

    first = await gql(client, PEOPLE, {"filter": {"text": "张"}, "first": 2}, token=worker)
    page = first["data"]["people"]
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"]
    after = page["pageInfo"]["endCursor"]
    rest = await names(client, worker, "张", after=after)
    seen = [edge["node"]["name"] for edge in page["edges"]] + rest
    assert sorted(seen) == sorted(["章散", "张三丰", "张三", "张珊"])
    assert seen[-1] == "章散"  # found only by pinyin (zhang): last


async def test_a_rename_rekeys_and_the_backfill_keys_rows_written_by_sql(
    client: httpx.AsyncClient, worker: str
) -> None:
    person_id = await register(client, worker, "张三", 101)
    body = await gql(client, RENAME, {"id": person_id, "input": {"name": "李四"}}, token=worker)
    assert body["data"]["updatePerson"]["__typename"] == "PersonPayload", body
    assert await names(client, worker, "zs") == []
    assert await names(client, worker, "ls") == ["李四"]

    # a row written by SQL (an old row, a bulk load) has no keys until the backfill
    await connections.get("default").execute_query(
        "INSERT INTO registry_people (id, id_number, region_code, person_type, name, sex,"
        " birth_date, tags, status, version, created_at, updated_at) VALUES"
        " (gen_random_uuid(), $1, $2, 'registered', '王五', '1', '1980-01-01', '{}', 'active',"
        " 1, now(), now())",
        [id_number("19800101", 107), GRID],
    )
    assert await names(client, worker, "ww") == []
    await search.backfill()
    assert await names(client, worker, "ww") == ["王五"]
    keys = await SearchKey.all().count()
    await search.backfill()  # idempotent
    assert await SearchKey.all().count() == keys


async def test_buildings_regions_and_departments_by_pinyin(
    client: httpx.AsyncClient, worker: str
) -> None:
    body = await gql(
        client,
        BUILDING,
        {
            "region": GRID,
            "input": {"buildingCode": "B-1", "name": "黄河大厦", "address": "黄河路1号"},
        },
        token=worker,
    )
    assert body["data"]["registerBuilding"]["__typename"] == "BuildingPayload", body
    found = await gql(client, BUILDINGS, {"text": "hhds"}, token=worker)
    assert [e["node"]["name"] for e in found["data"]["buildings"]["edges"]] == ["黄河大厦"]

    await factories.department(name="公安分局")
    _, admin = await factories.signed_in("admin", "4106")
    regions = await gql(client, REGIONS, {"s": "qbq"}, token=admin)
    assert [e["node"]["name"] for e in regions["data"]["regions"]["edges"]] == ["淇滨区"]
    departments = await gql(client, DEPARTMENTS, {"s": "gafj"}, token=admin)
    assert [e["node"]["name"] for e in departments["data"]["departments"]["edges"]] == ["公安分局"]
