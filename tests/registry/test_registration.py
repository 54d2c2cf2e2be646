"""Registering households and people through GraphQL: scope, masking, validation, audit."""

from __future__ import annotations

import httpx
import pytest

from api.domains.audit.models import AuditEntry
from api.domains.registry.models import Household, Person, RegistryChange
from tests import factories
from tests.factories import error_codes, gql
from tests.registry.helpers import (
    GRID,
    OTHER_COMMUNITY,
    OTHER_TOWNSHIP,
    PEOPLE,
    PERSON,
    REGISTER_PERSON,
    TOWNSHIP,
    household_input,
    id_number,
    register_household,
)


@pytest.fixture
async def tree(db: None) -> None:
    await factories.region_tree()


async def test_a_grid_worker_registers_a_household_that_only_its_subtree_sees(
    client: httpx.AsyncClient, tree: None
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    _, other_township = await factories.signed_in("township_centre", OTHER_TOWNSHIP)
    _, sibling_community = await factories.signed_in("community_staff", OTHER_COMMUNITY)

    result = await register_household(client, worker)

    assert result["__typename"] == "HouseholdPayload", result
    household = result["household"]
    assert household["headName"] == "张伟"
    assert [m["name"] for m in household["members"]] == ["张伟", "李娜"]
    head = household["members"][0]
    assert head["sex"] == "1" and head["birthDate"] == "1980-01-01"  # from the ID number
    assert head["phone"] == "+8613912345678"

    query = "query($id: ID!) { household(id: $id) { householdNumber members { name } } }"
    seen = await gql(client, query, {"id": household["id"]}, token=township)
    assert seen["data"]["household"]["householdNumber"] == "HH-0001"
    listed = await gql(client, PEOPLE, {"filter": {"regionCode": TOWNSHIP}}, token=township)
    assert listed["data"]["people"]["totalCount"] == 2

    for outsider in (other_township, sibling_community):
        hidden = await gql(client, query, {"id": household["id"]}, token=outsider)
        assert hidden["data"]["household"] is None
        people = await gql(client, PEOPLE, {}, token=outsider)
        assert people["data"]["people"]["totalCount"] == 0
        person = await gql(client, PERSON, {"id": head["uuid"]}, token=outsider)
        assert person["data"]["person"] is None


async def test_identifiers_are_masked_unless_the_role_may_read_them_and_unmasked_reads_are_audited(
    client: httpx.AsyncClient, tree: None
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    result = await register_household(client, worker)
    head_id = result["household"]["members"][0]["uuid"]
    number = id_number("19800101", 123)
    await AuditEntry.all().delete()

    whole = await gql(client, PERSON, {"id": head_id}, token=worker)
    masked = await gql(client, PERSON, {"id": head_id}, token=township)

    assert whole["data"]["person"]["idNumber"] == number
    assert whole["data"]["person"]["phone"] == "+8613912345678"
    assert masked["data"]["person"]["idNumber"] == number[:4] + "*" * 10 + number[-4:]
    assert masked["data"]["person"]["phone"] == "+86139****5678"
    entries = await AuditEntry.filter(action="registry.read_sensitive")
    assert [(e.object_type, e.object_id, e.detail) for e in entries] == [
        ("person", head_id, {"fields": ["id_number", "phone"]})
    ]

    # admins read who saw what, and when
    _, admin = await factories.signed_in("admin", "4106")
    log = await gql(
        client,
        'query { auditLog(action: "registry.read_sensitive") { edges { node { actorLabel objectId at } } } }',
        token=admin,
    )
    assert [e["node"]["objectId"] for e in log["data"]["auditLog"]["edges"]] == [head_id]
    assert log["data"]["auditLog"]["edges"][0]["node"]["actorLabel"].startswith("grid-worker")


@pytest.mark.parametrize(
    ("member", "field", "code"),
    [
        ({"idNumber": "410611198001011234"}, "members.0.person.idNumber", "INVALID_CODE"),
        ({"phone": "12345"}, "members.0.person.phone", "INVALID_CODE"),
        ({"ethnicity": "77"}, "members.0.person.ethnicity", "INVALID_CODE"),
        ({"maritalStatus": "55"}, "members.0.person.maritalStatus", "INVALID_CODE"),
        ({"birthDate": "1981-01-01"}, "members.0.person.birthDate", "INVALID"),
        ({"sex": "2"}, "members.0.person.sex", "INVALID"),
        ({"inflowReason": "01"}, "members.0.person.inflowReason", "INVALID"),
        ({"name": None}, "members.0.person.name", "INVALID"),
    ],
)
async def test_a_bad_value_is_rejected_by_name_and_nothing_is_written(
    client: httpx.AsyncClient, tree: None, member: dict[str, object], field: str, code: str
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    members = household_input()["members"]
    members[0]["person"] |= member  # the second member is fine: it must not be written either

    body = await gql(
        client,
        """mutation($input: RegisterHouseholdInput!) { registerHousehold(input: $input) {
        __typename ... on Error { code field message } } }""",
        {"input": household_input(members=members)},
        token=worker,
    )

    result = body["data"]["registerHousehold"]
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        field,
        code,
    ), result
    assert await Household.all().count() == 0
    assert await Person.all().count() == 0
    assert await RegistryChange.all().count() == 0


async def test_an_id_number_is_registered_once(client: httpx.AsyncClient, tree: None) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    await register_household(client, worker)
    lower_x = {
        "regionCode": GRID,
        "idNumber": id_number("19800101", 123).lower(),
        "personType": "REGISTERED",
        "name": "张伟",
    }

    body = await gql(client, REGISTER_PERSON, {"input": lower_x}, token=worker)

    assert body["data"]["registerPerson"]["code"] == "ALREADY_EXISTS"
    assert body["data"]["registerPerson"]["field"] == "idNumber"


async def test_a_grid_worker_registers_only_in_its_own_grid(
    client: httpx.AsyncClient, tree: None
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, leader = await factories.signed_in("leader", TOWNSHIP)

    elsewhere = await register_household(client, worker, region_code="410611001001010")
    body = await gql(client, REGISTER_PERSON, {"input": {"regionCode": GRID}}, token=leader)

    assert elsewhere["__typename"] == "NotFoundError"
    assert error_codes(body) == ["FORBIDDEN"]
    assert await Household.all().count() == 0


async def test_an_export_is_audited_and_masks_what_the_role_may_not_see(
    client: httpx.AsyncClient, tree: None
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    await register_household(client, worker)
    export = "query($f: PersonFilterInput) { exportPeople(filter: $f) { csv rowCount truncated } }"

    body = await gql(client, export, {"f": {"regionCode": TOWNSHIP}}, token=township)
    forbidden = await gql(client, export, {}, token=worker)

    result = body["data"]["exportPeople"]
    lines = result["csv"].splitlines()
    assert result["rowCount"] == 2 and not result["truncated"]
    assert lines[0].startswith("id_number,name,sex,birth_date")
    number = id_number("19800101", 123)
    assert any(line.startswith(number[:4] + "*" * 10 + number[-4:]) for line in lines[1:]), lines
    assert number not in result["csv"]
    entry = await AuditEntry.get(action="registry.export")
    assert entry.region_code == TOWNSHIP
    assert entry.detail["rows"] == 2 and entry.detail["unmasked_rows"] == 0
    assert error_codes(forbidden) == ["FORBIDDEN"]


async def test_each_person_read_whole_in_a_list_is_audited_once(
    client: httpx.AsyncClient, tree: None
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    await register_household(client, worker)
    await AuditEntry.all().delete()

    body = await gql(
        client,
        "{ people { edges { node { idNumber phone household { members { idNumber } } } } } }",
        token=worker,
    )

    people = [edge["node"] for edge in body["data"]["people"]["edges"]]
    assert len(people) == 2
    # one row for the page, naming each person and the fields read whole; the members of the
    # listed households are the same people, read in the same request: not audited again
    entries = await AuditEntry.filter(action="registry.read_sensitive")
    assert len(entries) == 1
    ids = sorted(entries[0].detail["records"])
    assert entries[0].detail == {"records": {i: ["id_number", "phone"] for i in ids}}
    assert (entries[0].object_type, entries[0].object_id) == ("person", "")
    assert entries[0].region_code == GRID


async def test_node_resolves_registry_records_in_scope_only(
    client: httpx.AsyncClient, tree: None
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, other_township = await factories.signed_in("township_centre", OTHER_TOWNSHIP)
    result = await register_household(client, worker)
    household_id = result["household"]["id"]
    query = "query($id: ID!) { node(id: $id) { __typename ... on Household { householdNumber } } }"

    mine = await gql(client, query, {"id": household_id}, token=worker)
    theirs = await gql(client, query, {"id": household_id}, token=other_township)

    assert mine["data"]["node"] == {"__typename": "Household", "householdNumber": "HH-0001"}
    assert theirs["data"]["node"] is None
