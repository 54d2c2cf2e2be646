"""The people search as rows (api/domains/registry/people_rows.py): the same pages as the
model-built search it replaced, for masked and clear readers and across pages, and the one audit
row per request of whole identifiers, which an answered request never loses — not even when the
process is killed right after answering."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import Assignment, Principal
from api.domains.audit.models import AuditEntry
from api.domains.registry import people_rows
from api.domains.registry.enums import PersonType
from api.domains.registry.people import PersonFilter, search_people
from api.domains.registry.reads import common_region
from api.pagination import PageRequest
from schema.registry.types import PersonNode
from tests import factories
from tests.factories import gql
from tests.realtime.servers import start_api
from tests.registry.helpers import GRID, PEOPLE, PERSON, REGISTER_PERSON, SIBLING_GRID, id_number

NAMES = ["王伟", "王芳", "王", "汪洋", "李娜", "张伟", "王小明", "黄王", "李王", "王五"]


async def _register(client: httpx.AsyncClient, token: str) -> list[str]:
    ids = []
    for sequence, name in enumerate(NAMES):
        body = await gql(
            client,
            REGISTER_PERSON,
            {
                "input": {
                    "regionCode": GRID if sequence % 3 else SIBLING_GRID,
                    "idNumber": id_number(f"19{60 + sequence * 3}0101", 100 + sequence),
                    "personType": "FLOATING" if sequence % 4 == 0 else "REGISTERED",
                    "name": name,
                    "formerName": "王大" if sequence == 8 else None,
                    "phone": "+8613912345678" if sequence % 2 else None,
                    "tags": ["独居"] if sequence % 5 == 0 else [],
                }
            },
            token=token,
        )
        ids.append(body["data"]["registerPerson"]["person"]["uuid"])
    return ids


@pytest.fixture
async def registered(client: httpx.AsyncClient, db: None) -> dict[str, Any]:
    await factories.region_tree()
    staff, token = await factories.signed_in("community_staff", GRID[:12])
    ids = await _register(client, token)
    return {"staff": staff, "token": token, "ids": ids}


FILTERS = [
    PersonFilter(),
    PersonFilter(text="王"),
    PersonFilter(text="wang"),
    PersonFilter(text="w"),
    PersonFilter(text="王大"),
    PersonFilter(text="wx"),
    PersonFilter(region_code=GRID, text="王"),
    PersonFilter(person_type=PersonType.FLOATING),
    PersonFilter(age_from=30, age_to=50),
    PersonFilter(tags=["独居"]),
    PersonFilter(text=id_number("19630101", 101)),
    PersonFilter(text="nobody"),
]


@pytest.mark.parametrize("size", [1, 3, 20])
async def test_pages_are_the_model_built_searchs_row_for_row(
    registered: dict[str, Any], redis: Any, size: int
) -> None:
    actor = Principal(
        user_id=registered["staff"].id,
        username=registered["staff"].username,
        assignments=(Assignment("community_staff", GRID[:12]),),
    )
    for filters in FILTERS:
        old_after: str | None = None
        new_after: str | None = None
        walked = 0
        while True:
            old, old_query = await search_people(
                actor=actor, page=PageRequest(size, old_after), filters=filters, redis=redis
            )
            new, filtered = await people_rows.list_people(
                actor=actor, page=PageRequest(size, new_after), filters=filters, redis=redis
            )
            assert [row["id"] for row in new.items] == [p.id for p in old.items], filters
            assert [new.key(row) for row in new.items] == [old.key(p) for p in old.items]
            assert new.has_next_page == old.has_next_page
            for person, row in zip(old.items, new.items, strict=True):
                for column in people_rows.PERSON_COLUMNS:
                    # (a model's enums equal their text)
                    assert row[column] == getattr(person, column), (filters, column)
                # the GraphQL type made from the row is the one made from the model
                from_row = vars(PersonNode.from_row(row))
                from_model = vars(PersonNode.from_model(person))
                assert from_row.keys() == from_model.keys()
                for name in from_model.keys() - {"record"}:
                    assert from_row[name] == from_model[name], name
                    assert type(from_row[name]) is type(from_model[name]), name
            if walked == 0:
                assert await filtered.count() == await old_query.count()
            walked += 1
            if not old.has_next_page:
                break
            old_after, new_after = old.key(old.items[-1]), new.key(new.items[-1])


async def test_masked_and_clear_readers_see_each_row_as_the_record_itself_shows_it(
    client: httpx.AsyncClient, registered: dict[str, Any]
) -> None:
    _, township = await factories.signed_in("township_centre", GRID[:9])
    for token in (registered["token"], township):
        for text in (None, "王", "wang"):
            after = None
            while True:
                body = await gql(
                    client,
                    PEOPLE,
                    {"filter": {"text": text}, "first": 2, "after": after},
                    token=token,
                )
                page = body["data"]["people"]
                if text is None:
                    assert page["totalCount"] == len(NAMES)
                for edge in page["edges"]:
                    node = edge["node"]
                    one = await gql(client, PERSON, {"id": node["uuid"]}, token=token)
                    assert node == one["data"]["person"]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
    masked = await gql(client, PEOPLE, {"filter": {"text": "王伟"}}, token=township)
    (edge,) = masked["data"]["people"]["edges"]
    assert edge["node"]["idNumber"].count("*") == 10 and edge["node"]["birthDate"] is None


async def test_a_clear_page_writes_one_audit_row_listing_its_records(
    client: httpx.AsyncClient, registered: dict[str, Any]
) -> None:
    _, township = await factories.signed_in("township_centre", GRID[:9])
    await AuditEntry.all().delete()

    await gql(client, PEOPLE, {"filter": {"text": "王"}}, token=township)  # masked: nothing
    assert await AuditEntry.filter(action="registry.read_sensitive").count() == 0
    body = await gql(client, PEOPLE, {"filter": {"text": "王"}}, token=registered["token"])

    nodes = [edge["node"] for edge in body["data"]["people"]["edges"]]
    (entry,) = await AuditEntry.filter(action="registry.read_sensitive")
    assert entry.actor_id == registered["staff"].id
    assert entry.region_code == GRID[:12]  # both grids' community
    assert entry.detail == {
        "records": {
            node["uuid"]: ["id_number", "phone"] if node["phone"] else ["id_number"]
            for node in nodes
        }
    }
    # an auditor asking who read one of them finds the page's entry
    _, admin = await factories.signed_in("admin", GRID[:9])
    found = await gql(
        client,
        "query($id: String) { auditLog(objectId: $id) { totalCount edges { node { action } } } }",
        {"id": nodes[-1]["uuid"]},
        token=admin,
    )
    assert found["data"]["auditLog"]["totalCount"] == 1
    assert found["data"]["auditLog"]["edges"][0]["node"]["action"] == "registry.read_sensitive"
    # a page selecting no identifier reads none whole
    await gql(client, "{ people { edges { node { name } } } }", token=registered["token"])
    assert await AuditEntry.filter(action="registry.read_sensitive").count() == 1


def test_the_region_of_a_page_is_the_lowest_holding_every_record() -> None:
    assert common_region(["410611001001001", "410611001001010"]) == "410611001001"
    assert common_region(["410611001001001"]) == "410611001001001"
    assert common_region(["410611001001001", "410611002001001"]) == "410611"
    assert common_region(["410611001001001", "410612001001001"]) == "4106"
    assert common_region(["410611001001001", "420611001001001"]) == ""


async def test_every_answered_clear_read_is_audited_when_the_process_is_killed(
    client: httpx.AsyncClient, registered: dict[str, Any]
) -> None:
    await AuditEntry.all().delete()
    names = {name: uuid for name, uuid in zip(NAMES, registered["ids"], strict=True)}
    query = (
        "query($t: String) { people(filter: {text: $t}, first: 1)"
        " { edges { node { uuid idNumber } } } }"
    )
    answered: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        api = start_api(dict(os.environ), Path(folder))
        try:
            stop = asyncio.Event()

            async def reader(http: httpx.AsyncClient, offset: int) -> None:
                turn = offset
                while not stop.is_set():
                    name = NAMES[turn % len(NAMES)]
                    turn += 1
                    try:
                        response = await http.post(
                            "/graphql",
                            json={"query": query, "variables": {"t": name}},
                            headers={"Authorization": f"Bearer {registered['token']}"},
                        )
                    except httpx.HTTPError:
                        return  # the process is gone: this one was never answered
                    edges = response.json()["data"]["people"]["edges"]
                    if not edges:
                        continue
                    answered.append(edges[0]["node"]["uuid"])
                    if len(answered) >= 40 and not stop.is_set():
                        stop.set()
                        # killed the moment the 40th answer arrives, others still in flight
                        os.kill(api.process.pid, signal.SIGKILL)

            async with httpx.AsyncClient(base_url=api.http, timeout=10) as http:
                await asyncio.gather(*(reader(http, offset) for offset in range(8)))
            assert api.process.wait(timeout=10) == -signal.SIGKILL
        finally:
            api.stop()
    assert len(answered) >= 40
    entries = await AuditEntry.filter(action="registry.read_sensitive")
    audited: dict[str, int] = {}
    for entry in entries:
        for record in entry.detail["records"]:
            audited[record] = audited.get(record, 0) + 1
    answers: dict[str, int] = {}
    for uuid in answered:
        answers[uuid] = answers.get(uuid, 0) + 1
    for uuid, count in answers.items():
        assert audited.get(uuid, 0) >= count, (uuid, names)
