"""Programme enrolments (低保, 特困, 优抚 …) are as sensitive as special groups and read through
exactly their mechanism: invisible to roles without the right (null on the person, FORBIDDEN as a
list, left out of the map's counts), the beneficiary's ID number masked for readers who may not
see it whole, and every whole read audited, as the person's own number is."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.domains.audit.models import AuditEntry
from api.domains.registry.models import Enrolment
from tests import factories
from tests.factories import error_codes, gql
from tests.registry.helpers import GRID, TOWNSHIP, id_number, register_household

COMMUNITY = "410611001001"
ADD_TO_GROUP = """
mutation($input: AddToSpecialGroupInput!) {
  addToSpecialGroup(input: $input) { __typename }
}
"""
ENROL = """
mutation($input: EnrolInput!) {
  enrol(input: $input) {
    __typename
    ... on EnrolmentPayload { enrolment { uuid programme startsOn endsOn
      benefit { amount currency } status version } }
    ... on Error { code field message }
  }
}
"""
CHANGE = """
mutation($id: ID!, $terms: EnrolmentTermsInput!) {
  changeEnrolment(id: $id, terms: $terms) {
    __typename
    ... on EnrolmentPayload { enrolment { benefit { amount currency } version } }
    ... on Error { code field message }
  }
}
"""
READ = """
query($id: ID!) {
  person(id: $id) {
    idNumber
    specialGroups { group }
    enrolments { programme idNumber beneficiaryName benefit { amount currency } }
  }
}
"""
LISTS = """
query {
  specialGroupRecords { totalCount }
  enrolments(filter: {programme: MINIMUM_LIVING}) { totalCount edges { node { idNumber } } }
}
"""
STATISTICS = """
query { registryStatistics(regionCode: "410611001") {
  ... on RegistryStatistics { totals { kind count } } } }
"""
SEARCH = "query { people(filter: {programme: MINIMUM_LIVING}) { totalCount } }"
HISTORY = """
query($id: ID!) { registryHistory(kind: ENROLMENT, id: $id) { edges { node { action changes } } } }
"""
TERMS = {"startsOn": "2026-01-01", "endsOn": "2026-12-31", "benefitAmount": "585.30"}


@pytest.fixture
async def enrolled(client: httpx.AsyncClient, db: None) -> dict[str, Any]:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    staff_user, staff = await factories.signed_in("community_staff", COMMUNITY)
    registered = (await register_household(client, worker))["household"]
    person_id = registered["members"][0]["uuid"]
    group = {
        "personId": person_id,
        "group": "RELEASED_PRISONER",
        "followUp": {"riskLevel": "01"},
        "details": {"releasedPrisoner": {"crimeType": "05"}},
    }
    await gql(client, ADD_TO_GROUP, {"input": group}, token=worker)
    body = await gql(
        client,
        ENROL,
        {"input": {"programme": "MINIMUM_LIVING", "personId": person_id, "terms": TERMS}},
        token=staff,
    )
    return {
        "person_id": person_id,
        "staff": staff,
        "staff_id": staff_user.id,
        "household_id": registered["uuid"],
        "enrolment": body["data"]["enrol"],
    }


async def test_enrolment_reads_are_masked_and_audited_exactly_like_special_groups(
    client: httpx.AsyncClient, enrolled: dict[str, Any]
) -> None:
    person_id, staff = enrolled["person_id"], enrolled["staff"]
    assert enrolled["enrolment"]["enrolment"]["benefit"] == {"amount": "585.30", "currency": "CNY"}
    _, leader = await factories.signed_in("leader", TOWNSHIP)
    _, centre = await factories.signed_in("township_centre", TOWNSHIP)
    whole = id_number("19800101", 123)
    audited_before = await AuditEntry.filter(action="registry.read_sensitive").count()

    # A leader reads the person, but neither its special groups nor its enrolments.
    leader_view = (await gql(client, READ, {"id": person_id}, token=leader))["data"]["person"]
    assert (leader_view["specialGroups"], leader_view["enrolments"]) == (None, None)
    for field in ("specialGroupRecords", "enrolments"):
        listed = await gql(client, f"query {{ {field} {{ totalCount }} }}", token=leader)
        assert error_codes(listed) == ["FORBIDDEN"]
    leader_counts = (await gql(client, STATISTICS, token=leader))["data"]["registryStatistics"]
    leader_kinds = {total["kind"] for total in leader_counts["totals"]}
    assert not {k for k in leader_kinds if k.startswith(("special_group:", "enrolment:"))}

    # The township centre sees both, the ID number masked in each, and nothing is audited.
    centre_view = (await gql(client, READ, {"id": person_id}, token=centre))["data"]["person"]
    masked = centre_view["idNumber"]
    assert masked != whole and masked[:4] == whole[:4] and masked[-4:] == whole[-4:]
    assert centre_view["specialGroups"] == [{"group": "RELEASED_PRISONER"}]
    assert centre_view["enrolments"] == [
        {
            "programme": "MINIMUM_LIVING",
            "idNumber": masked,
            "beneficiaryName": "张伟",
            "benefit": {"amount": "585.30", "currency": "CNY"},
        }
    ]
    centre_list = (await gql(client, LISTS, token=centre))["data"]
    assert centre_list["specialGroupRecords"]["totalCount"] == 1
    assert centre_list["enrolments"]["edges"] == [{"node": {"idNumber": masked}}]
    searched = {token: await gql(client, SEARCH, token=token) for token in (leader, centre)}
    assert searched[leader]["data"]["people"]["totalCount"] == 0  # as for a special group
    assert searched[centre]["data"]["people"]["totalCount"] == 1
    centre_counts = (await gql(client, STATISTICS, token=centre))["data"]["registryStatistics"]
    counted = {total["kind"]: total["count"] for total in centre_counts["totals"]}
    assert counted["special_group:released_prisoner"] == counted["enrolment:minimum_living"] == 1
    assert await AuditEntry.filter(action="registry.read_sensitive").count() == audited_before

    # The community's staff see the number whole, in the person and in the enrolment, and each
    # whole read is audited the same way: who, which record, which field.
    staff_view = (await gql(client, READ, {"id": person_id}, token=staff))["data"]["person"]
    assert staff_view["idNumber"] == staff_view["enrolments"][0]["idNumber"] == whole
    audited = await AuditEntry.filter(
        action="registry.read_sensitive", actor_id=enrolled["staff_id"]
    ).order_by("object_type")
    assert [(entry.object_type, entry.detail) for entry in audited] == [
        ("enrolment", {"fields": ["id_number"]}),
        ("person", {"fields": ["id_number"]}),
    ]
    assert audited[0].object_id == enrolled["enrolment"]["enrolment"]["uuid"]
    assert audited[1].object_id == person_id


async def test_enrolment_changes_are_exact_kept_in_history_and_never_overlap(
    client: httpx.AsyncClient, enrolled: dict[str, Any]
) -> None:
    person_id, staff = enrolled["person_id"], enrolled["staff"]
    enrolment_id = enrolled["enrolment"]["enrolment"]["uuid"]

    overlapping = await gql(
        client,
        ENROL,
        {
            "input": {
                "programme": "MINIMUM_LIVING",
                "personId": person_id,
                "terms": {"startsOn": "2026-06-01"},
            }
        },
        token=staff,
    )
    negative = await gql(
        client, CHANGE, {"id": enrolment_id, "terms": {**TERMS, "benefitAmount": "-1"}}, token=staff
    )
    backwards = await gql(
        client,
        CHANGE,
        {"id": enrolment_id, "terms": {**TERMS, "endsOn": "2025-12-31"}},
        token=staff,
    )
    assert overlapping["data"]["enrol"]["code"] == "ALREADY_EXISTS"
    assert negative["data"]["changeEnrolment"]["field"] == "benefitAmount"
    for typed in ("abc", "NaN", "0.001"):
        refused = await gql(
            client,
            CHANGE,
            {"id": enrolment_id, "terms": {**TERMS, "benefitAmount": typed}},
            token=staff,
        )
        result = refused["data"]["changeEnrolment"]
        assert (result["__typename"], result["field"]) == ("ValidationError", "benefitAmount")
    assert backwards["data"]["changeEnrolment"]["field"] == "endsOn"
    assert await Enrolment.all().count() == 1

    # 0.1 + 0.2 is 0.3 exactly, through the wire and the database
    changed = await gql(
        client,
        CHANGE,
        {"id": enrolment_id, "terms": {**TERMS, "benefitAmount": "0.30"}},
        token=staff,
    )
    assert changed["data"]["changeEnrolment"]["enrolment"] == {
        "benefit": {"amount": "0.30", "currency": "CNY"},
        "version": 2,
    }
    next_year = await gql(
        client,
        ENROL,
        {
            "input": {
                "programme": "MINIMUM_LIVING",
                "personId": person_id,
                "terms": {"startsOn": "2027-01-01", "benefitAmount": "600"},
            }
        },
        token=staff,
    )
    assert next_year["data"]["enrol"]["enrolment"]["status"] == "ACTIVE"
    household = await gql(
        client,
        ENROL,
        {
            "input": {
                "programme": "TEMPORARY_RELIEF",
                "householdId": str((await Enrolment.first()).person_id),  # not a household
                "terms": {"startsOn": "2026-03-01"},
            }
        },
        token=staff,
    )
    assert household["data"]["enrol"]["__typename"] == "NotFoundError"
    relief = await gql(
        client,
        ENROL,
        {
            "input": {
                "programme": "TEMPORARY_RELIEF",
                "householdId": enrolled["household_id"],
                "terms": {"startsOn": "2026-03-01", "endsOn": "2026-03-31", "benefitAmount": "0.1"},
            }
        },
        token=staff,
    )
    assert relief["data"]["enrol"]["enrolment"]["benefit"] == {"amount": "0.10", "currency": "CNY"}
    neither = await gql(
        client,
        ENROL,
        {"input": {"programme": "TEMPORARY_RELIEF", "terms": {"startsOn": "2026-03-01"}}},
        token=staff,
    )
    assert neither["data"]["enrol"]["field"] == "personId"
    history = await gql(client, HISTORY, {"id": enrolment_id}, token=staff)
    steps = [edge["node"] for edge in history["data"]["registryHistory"]["edges"]]
    assert [step["action"] for step in steps] == ["CREATE", "UPDATE"]
    assert steps[1]["changes"]["benefit_amount"] == {"old": "585.30", "new": "0.30"}
