"""Special groups: typed per-group fields validated against their code tables, visible only to
the roles that manage or supervise them."""

from __future__ import annotations

import httpx
import pytest

from api.domains.registry.models import SpecialGroupRecord
from tests import factories
from tests.factories import error_codes, gql
from tests.registry.helpers import GRID, PEOPLE, TOWNSHIP, register_household

ADD = """
mutation($input: AddToSpecialGroupInput!) {
  addToSpecialGroup(input: $input) {
    __typename
    ... on SpecialGroupRecordPayload { record { uuid group riskLevel managementStatus helpers
      details { __typename ... on ReleasedPrisonerDetails { crimeType releasedOn isRecidivist } } } }
    ... on Error { code field message }
  }
}
"""
FOLLOW_UP = """
mutation($id: ID!, $input: FollowUpInput!, $details: SpecialGroupDetailsInput) {
  recordFollowUp(id: $id, group: RELEASED_PRISONER, input: $input, details: $details) {
    __typename
    ... on SpecialGroupRecordPayload { record { riskLevel lastFollowUpAt followUpNote version
      details { ... on ReleasedPrisonerDetails { crimeType placement } } } }
    ... on Error { code field message }
  }
}
"""
PERSON_GROUPS = "query($id: ID!) { person(id: $id) { name specialGroups { group riskLevel } } }"
RELEASED = {
    "group": "RELEASED_PRISONER",
    "followUp": {"riskLevel": "01", "managementStatus": "01", "helpers": ["网格员 刘洋"]},
    "details": {
        "releasedPrisoner": {"crimeType": "05", "releasedOn": "2025-06-30", "isRecidivist": False}
    },
}


@pytest.fixture
async def person(client: httpx.AsyncClient, db: None) -> tuple[str, str]:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    result = await register_household(client, worker)
    return worker, result["household"]["members"][0]["uuid"]


async def test_a_worker_puts_a_person_under_management_and_follows_up(
    client: httpx.AsyncClient, person: tuple[str, str]
) -> None:
    worker, person_id = person

    added = await gql(client, ADD, {"input": {"personId": person_id, **RELEASED}}, token=worker)
    twice = await gql(client, ADD, {"input": {"personId": person_id, **RELEASED}}, token=worker)
    record = added["data"]["addToSpecialGroup"]["record"]
    followed = await gql(
        client,
        FOLLOW_UP,
        {
            "id": record["uuid"],
            "input": {"riskLevel": "02", "followUpNote": "已就业, 情绪稳定"},
            "details": {"releasedPrisoner": {"placement": "06"}},
        },
        token=worker,
    )

    assert record["details"] == {
        "__typename": "ReleasedPrisonerDetails",
        "crimeType": "05",
        "releasedOn": "2025-06-30",
        "isRecidivist": False,
    }
    assert twice["data"]["addToSpecialGroup"]["code"] == "ALREADY_EXISTS"
    after = followed["data"]["recordFollowUp"]["record"]
    assert after["riskLevel"] == "02" and after["lastFollowUpAt"] and after["version"] == 2
    assert after["details"] == {"crimeType": "05", "placement": "06"}
    people = await gql(
        client, PEOPLE, {"filter": {"specialGroup": "RELEASED_PRISONER"}}, token=worker
    )
    assert people["data"]["people"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"followUp": {"riskLevel": "09"}}, "riskLevel"),  # not a 5.21 code
        ({"followUp": {"managementStatus": "77"}}, "managementStatus"),
        ({"details": {"releasedPrisoner": {"crimeType": "99x"}}}, "details.crimeType"),
        ({"details": {"drugUser": {"drugType": "冰毒"}}}, "details"),  # another group's fields
    ],
)
async def test_bad_group_fields_are_rejected_by_name(
    client: httpx.AsyncClient, person: tuple[str, str], change: dict[str, object], field: str
) -> None:
    worker, person_id = person

    body = await gql(
        client, ADD, {"input": {"personId": person_id, **RELEASED, **change}}, token=worker
    )

    assert body["data"]["addToSpecialGroup"]["field"] == field, body
    assert await SpecialGroupRecord.all().count() == 0


async def test_only_roles_that_need_them_see_special_groups(
    client: httpx.AsyncClient, person: tuple[str, str]
) -> None:
    worker, person_id = person
    await gql(client, ADD, {"input": {"personId": person_id, **RELEASED}}, token=worker)
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    _, leader = await factories.signed_in("leader", TOWNSHIP)

    centre_view = await gql(client, PERSON_GROUPS, {"id": person_id}, token=township)
    leader_view = await gql(client, PERSON_GROUPS, {"id": person_id}, token=leader)
    leader_list = await gql(client, "query { specialGroupRecords { totalCount } }", token=leader)
    leader_search = await gql(
        client, PEOPLE, {"filter": {"specialGroup": "RELEASED_PRISONER"}}, token=leader
    )

    assert centre_view["data"]["person"]["specialGroups"] == [
        {"group": "RELEASED_PRISONER", "riskLevel": "01"}
    ]
    assert leader_view["data"]["person"] == {"name": "张伟", "specialGroups": None}
    assert error_codes(leader_list) == ["FORBIDDEN"]
    assert leader_search["data"]["people"]["totalCount"] == 0
