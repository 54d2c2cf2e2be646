"""Updates, moves and deregistration keep a queryable history: who, when, field → old/new."""

from __future__ import annotations

import httpx
import pytest

from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, PEOPLE, PERSON, SIBLING_GRID, TOWNSHIP, register_household

UPDATE = """
mutation($id: ID!, $input: PersonFieldsInput!, $v: Int) {
  updatePerson(id: $id, input: $input, expectedVersion: $v) {
    __typename
    ... on PersonPayload { person { name phone education version tags } }
    ... on Error { code field message }
  }
}
"""
MOVE = """
mutation($input: MovePersonInput!) {
  movePerson(input: $input) {
    __typename
    ... on PersonPayload { person { regionCode houseId householdId relationToHead version } }
    ... on Error { code field message }
  }
}
"""
HISTORY = """
query($id: ID!) {
  registryHistory(kind: PERSON, id: $id) {
    edges { node { action actorLabel at regionCode changes } }
  }
}
"""
DEREGISTER = """
mutation($kind: RegistryRecordKind!, $id: ID!, $reason: String!) {
  deregisterRecord(kind: $kind, id: $id, reason: $reason) {
    __typename
    ... on DeregisterPayload { status version }
    ... on Error { code field message }
  }
}
"""
REGISTER_HOUSE = """
mutation($region: String!, $input: HouseFieldsInput!) {
  registerHouse(regionCode: $region, input: $input) {
    __typename
    ... on HousePayload { house { uuid houseCode isRental landlordName landlordPhone } }
    ... on Error { code field message }
  }
}
"""


@pytest.fixture
async def household(client: httpx.AsyncClient, db: None) -> dict[str, object]:
    await factories.region_tree()
    _, token = await factories.signed_in("community_staff", GRID[:12])
    result = await register_household(client, token)
    return {"token": token, **result["household"]}


async def test_every_change_is_in_the_history(
    client: httpx.AsyncClient, household: dict[str, object]
) -> None:
    token = str(household["token"])
    head = household["members"][0]["uuid"]  # type: ignore[index]
    house = await gql(
        client,
        REGISTER_HOUSE,
        {"region": SIBLING_GRID, "input": {"houseCode": "H-2", "address": "金山社区2号楼"}},
        token=token,
    )
    house_id = house["data"]["registerHouse"]["house"]["uuid"]

    updated = await gql(
        client,
        UPDATE,
        {
            "id": head,
            "input": {"phone": "13700001111", "education": "10", "tags": ["独居"]},
            "v": 1,
        },
        token=token,
    )
    stale = await gql(client, UPDATE, {"id": head, "input": {"name": "张三"}, "v": 1}, token=token)
    moved = await gql(
        client,
        MOVE,
        {"input": {"id": head, "regionCode": SIBLING_GRID, "houseId": house_id, "reason": "购房"}},
        token=token,
    )
    history = await gql(client, HISTORY, {"id": head}, token=token)

    assert updated["data"]["updatePerson"]["person"]["version"] == 2
    assert stale["data"]["updatePerson"]["code"] == "CONFLICT"
    assert moved["data"]["movePerson"]["person"]["regionCode"] == SIBLING_GRID
    changes = [edge["node"] for edge in history["data"]["registryHistory"]["edges"]]
    assert [c["action"] for c in changes] == ["CREATE", "UPDATE", "MOVE"]
    assert changes[1]["changes"] == {
        "phone": {"old": "+8613912345678", "new": "+8613700001111"},
        "education": {"old": "20", "new": "10"},
        "tags": {"old": [], "new": ["独居"]},
    }
    assert changes[2]["changes"]["region_code"] == {"old": GRID, "new": SIBLING_GRID}
    assert changes[2]["changes"]["reason"]["new"] == "购房"
    assert changes[2]["regionCode"] == SIBLING_GRID
    assert all(c["actorLabel"].startswith("community-staff") for c in changes)

    # a township centre reads the history with identifiers masked
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    masked = await gql(client, HISTORY, {"id": head}, token=township)
    phone = masked["data"]["registryHistory"]["edges"][1]["node"]["changes"]["phone"]
    assert phone == {"old": "+86139****5678", "new": "+86137****1111"}


async def test_a_move_outside_the_workers_grid_is_not_found(
    client: httpx.AsyncClient, household: dict[str, object]
) -> None:
    head = household["members"][0]["uuid"]  # type: ignore[index]
    _, worker = await factories.signed_in("grid_worker", GRID)

    moved = await gql(
        client, MOVE, {"input": {"id": head, "regionCode": SIBLING_GRID}}, token=worker
    )
    nowhere = await gql(client, MOVE, {"input": {"id": head}}, token=worker)

    assert moved["data"]["movePerson"]["__typename"] == "NotFoundError"
    assert nowhere["data"]["movePerson"]["field"] == "regionCode"
    person = await gql(client, PERSON, {"id": head}, token=worker)
    assert person["data"]["person"]["regionCode"] == GRID


async def test_deregistered_people_leave_the_lists_and_a_place_in_use_says_so(
    client: httpx.AsyncClient, household: dict[str, object]
) -> None:
    token = str(household["token"])
    first, second = (m["uuid"] for m in household["members"])  # type: ignore[attr-defined]

    busy = await gql(
        client,
        DEREGISTER,
        {"kind": "HOUSEHOLD", "id": household["uuid"], "reason": "迁出"},
        token=token,
    )
    gone = await gql(
        client, DEREGISTER, {"kind": "PERSON", "id": second, "reason": "死亡"}, token=token
    )
    again = await gql(
        client, DEREGISTER, {"kind": "PERSON", "id": second, "reason": "死亡"}, token=token
    )
    no_reason = await gql(
        client, DEREGISTER, {"kind": "PERSON", "id": first, "reason": " "}, token=token
    )

    assert busy["data"]["deregisterRecord"]["code"] == "CONFLICT"
    assert gone["data"]["deregisterRecord"] == {
        "__typename": "DeregisterPayload",
        "status": "DEREGISTERED",
        "version": 2,
    }
    assert again["data"]["deregisterRecord"]["code"] == "CONFLICT"
    assert no_reason["data"]["deregisterRecord"]["field"] == "reason"
    listed = await gql(client, PEOPLE, {}, token=token)
    assert [e["node"]["uuid"] for e in listed["data"]["people"]["edges"]] == [first]
    everyone = await gql(client, PEOPLE, {"filter": {"includeDeregistered": True}}, token=token)
    assert everyone["data"]["people"]["totalCount"] == 2


async def test_rental_fields_belong_to_rental_houses_and_landlord_phones_are_masked(
    client: httpx.AsyncClient, household: dict[str, object]
) -> None:
    token = str(household["token"])
    rental = {
        "houseCode": "H-9",
        "address": "金山社区9号楼",
        "isRental": True,
        "landlordName": "王五",
        "landlordPhone": "13600001234",
        "rentalUse": "02",
        "hazardType": "01",
    }

    not_rental = await gql(
        client, REGISTER_HOUSE, {"region": GRID, "input": rental | {"isRental": False}}, token=token
    )
    bad_use = await gql(
        client, REGISTER_HOUSE, {"region": GRID, "input": rental | {"rentalUse": "42"}}, token=token
    )
    created = await gql(client, REGISTER_HOUSE, {"region": GRID, "input": rental}, token=token)
    _, leader = await factories.signed_in("leader", TOWNSHIP)
    houses = await gql(
        client,
        "query { houses(filter: {isRental: true}) { edges { node { houseCode landlordPhone } } } }",
        token=leader,
    )

    assert not_rental["data"]["registerHouse"]["field"] == "landlordName"
    assert bad_use["data"]["registerHouse"]["field"] == "rentalUse"
    assert created["data"]["registerHouse"]["house"]["landlordPhone"] == "+8613600001234"
    assert houses["data"]["houses"]["edges"] == [
        {"node": {"houseCode": "H-9", "landlordPhone": "+86136****1234"}}
    ]
