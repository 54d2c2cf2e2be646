"""Offline-safe creates: a phone's retry of a create with its client-chosen id (or a follow-up's
idempotency key) returns the same record, sequentially and concurrently."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from api.domains.registry.models import (
    Building,
    House,
    Household,
    Organisation,
    Person,
    RegistryChange,
    SpecialGroupRecord,
)
from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, REGISTER_PERSON, credit_code, id_number

REGISTER_HOUSEHOLD = """
mutation($input: RegisterHouseholdInput!) {
  registerHousehold(input: $input) {
    __typename ... on HouseholdPayload { household { uuid } } ... on Error { code message }
  }
}"""
REGISTER_HOUSE = """
mutation($input: HouseFieldsInput!, $client: UUID) {
  registerHouse(regionCode: "410611001001001", input: $input, clientId: $client) {
    __typename ... on HousePayload { house { uuid } } ... on Error { code message }
  }
}"""
REGISTER_BUILDING = """
mutation($input: BuildingFieldsInput!, $client: UUID) {
  registerBuilding(regionCode: "410611001001001", input: $input, clientId: $client) {
    __typename ... on BuildingPayload { building { uuid } } ... on Error { code message }
  }
}"""
REGISTER_ORGANISATION = """
mutation($input: OrganisationFieldsInput!, $client: UUID) {
  registerOrganisation(regionCode: "410611001001001", input: $input, clientId: $client) {
    __typename ... on OrganisationPayload { organisation { uuid } } ... on Error { code message }
  }
}"""
ADD_TO_GROUP = """
mutation($input: AddToSpecialGroupInput!) {
  addToSpecialGroup(input: $input) {
    __typename ... on SpecialGroupRecordPayload { record { id version } } ... on Error { code message }
  }
}"""
FOLLOW_UP = """
mutation($id: ID!, $v: Int, $key: String) {
  recordFollowUp(id: $id, group: DRUG_USER, input: {followUpNote: "走访正常"},
                 expectedVersion: $v, idempotencyKey: $key) {
    __typename ... on SpecialGroupRecordPayload { record { version } } ... on Error { code message }
  }
}"""


def _person(client_id: str, number: str) -> dict[str, object]:
    return {
        "input": {
            "regionCode": GRID,
            "idNumber": number,
            "personType": "REGISTERED",
            "name": "张三",
            "clientId": client_id,
        }
    }


async def test_six_concurrent_retries_of_a_person_are_one_person(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    client_id = str(uuid.uuid4())
    results = await asyncio.gather(
        *(
            gql(client, REGISTER_PERSON, _person(client_id, id_number()), token=worker)
            for _ in range(6)
        )
    )
    ids = {r["data"]["registerPerson"]["person"]["uuid"] for r in results}
    assert ids == {client_id}, results
    assert await Person.filter(id_number=id_number()).count() == 1
    created = await RegistryChange.filter(record_id=client_id, action="create").count()
    assert created == 1

    again = await gql(client, REGISTER_PERSON, _person(client_id, id_number()), token=worker)
    assert again["data"]["registerPerson"]["person"]["uuid"] == client_id

    # someone else's id is not theirs to retry
    _, other = await factories.signed_in("grid_worker", GRID)
    taken = await gql(client, REGISTER_PERSON, _person(client_id, id_number()), token=other)
    assert taken["data"]["registerPerson"]["code"] == "ALREADY_EXISTS"


async def test_places_and_households_retry_to_the_same_record(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    cases = [
        (
            REGISTER_HOUSE,
            {"input": {"houseCode": "H-1", "address": "金山路1号"}},
            "registerHouse",
            "house",
            House,
        ),
        (
            REGISTER_BUILDING,
            {"input": {"buildingCode": "B-1", "name": "1号楼", "address": "金山路1号"}},
            "registerBuilding",
            "building",
            Building,
        ),
        (
            REGISTER_ORGANISATION,
            {"input": {"kind": "ENTERPRISE", "name": "金山商行", "creditCode": credit_code()}},
            "registerOrganisation",
            "organisation",
            Organisation,
        ),
    ]
    for document, variables, field, name, model in cases:
        client_id = str(uuid.uuid4())
        results = await asyncio.gather(
            *(
                gql(client, document, {**variables, "client": client_id}, token=worker)
                for _ in range(6)
            )
        )
        assert {r["data"][field][name]["uuid"] for r in results} == {client_id}, results
        assert await model.all().count() == 1

    household_id = str(uuid.uuid4())
    household = {
        "input": {
            "regionCode": GRID,
            "householdNumber": "HH-1",
            "clientId": household_id,
            "members": [
                {
                    "relationToHead": "02",
                    "person": {"idNumber": id_number(), "personType": "REGISTERED", "name": "李四"},
                }
            ],
        }
    }
    results = await asyncio.gather(
        *(gql(client, REGISTER_HOUSEHOLD, household, token=worker) for _ in range(6))
    )
    assert {r["data"]["registerHousehold"]["household"]["uuid"] for r in results} == {
        household_id
    }, results
    assert await Household.all().count() == 1
    assert await Person.all().count() == 1


async def test_a_retried_follow_up_is_recorded_once(client: httpx.AsyncClient, db: None) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    person = await gql(
        client, REGISTER_PERSON, _person(str(uuid.uuid4()), id_number()), token=worker
    )
    added = await gql(
        client,
        ADD_TO_GROUP,
        {
            "input": {
                "personId": person["data"]["registerPerson"]["person"]["id"],
                "group": "DRUG_USER",
            }
        },
        token=worker,
    )
    record = added["data"]["addToSpecialGroup"]["record"]
    follow_up = {"id": record["id"], "v": record["version"], "key": "phone-1:42"}
    results = await asyncio.gather(
        *(gql(client, FOLLOW_UP, follow_up, token=worker) for _ in range(6))
    )
    versions = {r["data"]["recordFollowUp"]["record"]["version"] for r in results}
    assert versions == {record["version"] + 1}, results
    assert (await SpecialGroupRecord.get()).version == record["version"] + 1
