"""A masked ID number cannot be rebuilt: the attacker is a township centre, who reads people
of its subtree with identifiers masked, and tries every place the birth date could leak from
(the person, a list, a household, the history after a corrected number, an export, the audit
log of that export)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from api import resident_ids
from api.domains.registry import privacy
from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, TOWNSHIP, id_number, register_household

BIRTH = "19800101"
CORRECTED_BIRTH = "19800215"

PERSON = """
query($id: ID!) {
  person(id: $id) { uuid idNumber birthDate age sex regionCode
    household { members { idNumber birthDate age } } }
}"""
PEOPLE = """
query { people(filter: {regionCode: "410611001"}) { edges { node { idNumber birthDate age } } } }
"""
HISTORY = """
query($id: ID!) { registryHistory(kind: PERSON, id: $id) { edges { node { action changes } } } }
"""
UPDATE = """
mutation($id: ID!, $input: PersonFieldsInput!) {
  updatePerson(id: $id, input: $input) {
    __typename ... on PersonPayload { person { idNumber birthDate version } }
    ... on Error { code field message }
  }
}"""
EXPORT = 'query { exportPeople(filter: {regionCode: "410611001", text: "%s"}) { csv rowCount } }'
AUDIT = 'query { auditLog(action: "registry.export") { edges { node { detail } } } }'


def candidates(masked: str, county: str, age: int, today: dt.date) -> list[str]:
    """Every ID number that agrees with what a masked reader sees: the first and last four
    characters, the record's county, the age and the check character."""
    head, tail = masked[:4], masked[-4:]
    assert county.startswith(head)
    found = []
    day = today.replace(year=today.year - age - 1)
    while day <= today.replace(year=today.year - age):
        born = day.strftime("%Y%m%d")
        body = f"{county}{born}{tail[:3]}"
        person_age = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
        if person_age == age and resident_ids.check_character(body) == tail[3]:
            found.append(body + tail[3])
        day += dt.timedelta(days=1)
    return found


async def test_a_masked_reader_cannot_rebuild_the_id_number_from_any_field(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", GRID[:12])
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    _, admin = await factories.signed_in("admin", "4106")
    household = (await register_household(client, staff))["household"]
    head = household["members"][0]
    corrected = id_number(CORRECTED_BIRTH, 123)
    update = await gql(
        client, UPDATE, {"id": head["uuid"], "input": {"idNumber": corrected}}, token=staff
    )
    assert update["data"]["updatePerson"]["person"]["birthDate"] == "1980-02-15"  # whole reader

    seen: list[Any] = [
        await gql(client, PERSON, {"id": head["uuid"]}, token=township),
        await gql(client, PEOPLE, token=township),
        await gql(client, HISTORY, {"id": head["uuid"]}, token=township),
        await gql(client, EXPORT % corrected, token=township),
    ]
    seen.append(await gql(client, AUDIT, token=admin))  # the admin's region: masked too
    text = json.dumps(seen, ensure_ascii=False)

    person = seen[0]["data"]["person"]
    assert person["idNumber"] == corrected[:4] + "*" * 10 + corrected[-4:]
    assert person["birthDate"] is None
    assert [m["birthDate"] for m in person["household"]["members"]] == [None, None]
    assert [n["node"]["birthDate"] for n in seen[1]["data"]["people"]["edges"]] == [None, None]
    history = [e["node"] for e in seen[2]["data"]["registryHistory"]["edges"]]
    assert history[-1]["changes"]["birth_date"] == {"old": "****-**-**", "new": "****-**-**"}
    export = seen[3]["data"]["exportPeople"]
    assert export["rowCount"] == 1 and "****-**-**" in export["csv"]
    for birth in (BIRTH, CORRECTED_BIRTH):
        clear = f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"
        assert birth not in text and clear not in text, (birth, text)
    assert corrected not in text and id_number(BIRTH, 123) not in text

    # What is left (first and last four, the county of the record, the age) fits many numbers.
    today = resident_ids.today()
    fits = candidates(person["idNumber"], person["regionCode"][:6], person["age"], today)
    assert corrected in fits and len(fits) > 10


async def test_a_reader_who_sees_the_number_whole_sees_the_birth_date(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    household = (await register_household(client, worker))["household"]

    body = await gql(client, PERSON, {"id": household["members"][0]["uuid"]}, token=worker)

    person = body["data"]["person"]
    assert (person["idNumber"], person["birthDate"]) == (id_number(BIRTH, 123), "1980-01-01")


LOOKUP = 'query { people(filter: {text: "%s"}) { edges { node { idNumber } } } }'
LOOKUPS = """
query { auditLog(action: "person.lookup_by_id_number", first: 100) {
  edges { node { actorLabel detail } } } }"""


async def test_lookups_by_whole_number_from_a_masked_reader_are_audited_and_bounded(
    client: httpx.AsyncClient, db: None
) -> None:
    """Each lookup by a whole number answers yes or no about a number the reader cannot see;
    enough of them would test every candidate left by the masked number and the age."""
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    township_user, township = await factories.signed_in("township_centre", TOWNSHIP)
    _, admin = await factories.signed_in("admin", "4106")
    household = (await register_household(client, worker))["household"]
    number = household["members"][0]["idNumber"]
    masked = number[:4] + "*" * 10 + number[-4:]

    allowance = privacy.WHOLE_ID_LOOKUPS_PER_HOUR
    for _ in range(allowance):
        body = await gql(client, LOOKUP % number, token=township)
        assert [e["node"]["idNumber"] for e in body["data"]["people"]["edges"]] == [masked]
    refused = await gql(client, LOOKUP % number, token=township)
    whole = await gql(client, LOOKUP % number, token=worker)  # sees numbers whole: not counted
    log = await gql(client, LOOKUPS, token=admin)

    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"
    assert [e["node"]["idNumber"] for e in whole["data"]["people"]["edges"]] == [number]
    entries = [e["node"] for e in log["data"]["auditLog"]["edges"]]
    assert len(entries) == allowance
    assert {e["actorLabel"] for e in entries} == {township_user.username}
    assert {e["detail"]["id_number"] for e in entries} == {masked}
    assert number not in json.dumps(log)
