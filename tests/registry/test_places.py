"""Buildings, organisations, party organisations and members, volunteers."""

from __future__ import annotations

import httpx
import pytest

from api.domains.registry.models import Organisation
from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, credit_code, register_household

ORGANISATION = """
mutation($region: String!, $input: OrganisationFieldsInput!) {
  registerOrganisation(regionCode: $region, input: $input) {
    __typename
    ... on OrganisationPayload { organisation { uuid creditCode kind name legalPersonPhone } }
    ... on Error { code field message }
  }
}
"""
BUILDING = """
mutation($region: String!, $input: BuildingFieldsInput!) {
  registerBuilding(regionCode: $region, input: $input) {
    __typename
    ... on BuildingPayload { building { uuid buildingCode floorsAbove lat lng } }
    ... on Error { code field message }
  }
}
"""
PARTY_ORGANISATION = """
mutation($input: PartyOrganisationInput!) {
  registerPartyOrganisation(input: $input) {
    __typename
    ... on PartyOrganisationPayload { partyOrganisation { uuid level parentId } }
    ... on Error { code field message }
  }
}
"""


@pytest.fixture
async def staff(db: None) -> str:
    await factories.region_tree()
    _, token = await factories.signed_in("community_staff", GRID[:12])
    return token


async def test_enterprises_need_a_valid_credit_code(client: httpx.AsyncClient, staff: str) -> None:
    enterprise = {
        "kind": "ENTERPRISE",
        "name": "鹤壁市金山商贸有限公司",
        "creditCode": credit_code(),
        "enterpriseCategory": "01",
        "legalPersonName": "赵六",
        "legalPersonPhone": "0392-3312345",
        "safetyHazardType": "02",
        "attentionLevel": "02",
    }
    bad = enterprise | {"creditCode": credit_code()[:-1] + "0"}

    wrong = await gql(client, ORGANISATION, {"region": GRID, "input": bad}, token=staff)
    missing = await gql(
        client,
        ORGANISATION,
        {"region": GRID, "input": enterprise | {"creditCode": None}},
        token=staff,
    )
    bad_level = await gql(
        client,
        ORGANISATION,
        {"region": GRID, "input": enterprise | {"attentionLevel": "04"}},
        token=staff,
    )
    created = await gql(client, ORGANISATION, {"region": GRID, "input": enterprise}, token=staff)
    social = await gql(
        client,
        ORGANISATION,
        {
            "region": GRID,
            "input": {
                "kind": "SOCIAL",
                "name": "金山社区志愿者协会",
                "socialOrganisationType": "01",
            },
        },
        token=staff,
    )

    assert wrong["data"]["registerOrganisation"]["field"] == "creditCode"
    assert wrong["data"]["registerOrganisation"]["code"] == "INVALID_CODE"
    assert missing["data"]["registerOrganisation"]["field"] == "creditCode"
    assert bad_level["data"]["registerOrganisation"]["field"] == "attentionLevel"
    assert created["data"]["registerOrganisation"]["organisation"]["creditCode"] == credit_code()
    assert (
        created["data"]["registerOrganisation"]["organisation"]["legalPersonPhone"]
        == "+863923312345"
    )
    assert social["data"]["registerOrganisation"]["organisation"]["creditCode"] is None
    assert await Organisation.all().count() == 2


async def test_buildings_take_both_coordinates(client: httpx.AsyncClient, staff: str) -> None:
    building = {
        "buildingCode": "B-1",
        "name": "金山花园1号楼",
        "address": "金山路1号",
        "floorsAbove": 18,
    }

    half = await gql(
        client, BUILDING, {"region": GRID, "input": building | {"lat": 35.74}}, token=staff
    )
    too_tall = await gql(
        client, BUILDING, {"region": GRID, "input": building | {"floorsAbove": 900}}, token=staff
    )
    created = await gql(
        client,
        BUILDING,
        {"region": GRID, "input": building | {"lat": 35.74, "lng": 114.29}},
        token=staff,
    )

    assert half["data"]["registerBuilding"]["field"] == "lng"
    assert too_tall["data"]["registerBuilding"]["field"] == "floorsAbove"
    assert created["data"]["registerBuilding"]["building"]["floorsAbove"] == 18


async def test_the_three_level_party_structure_and_its_members(
    client: httpx.AsyncClient, staff: str
) -> None:
    community = GRID[:12]
    committee = await gql(
        client,
        PARTY_ORGANISATION,
        {
            "input": {
                "regionCode": community,
                "level": "COMMUNITY_COMMITTEE",
                "name": "金山社区党委",
            }
        },
        token=staff,
    )
    committee_id = committee["data"]["registerPartyOrganisation"]["partyOrganisation"]["uuid"]
    skipped = await gql(
        client,
        PARTY_ORGANISATION,
        {
            "input": {
                "regionCode": GRID,
                "level": "MEDIUM_GRID_GROUP",
                "name": "第1党小组",
                "parentId": committee_id,
            }
        },
        token=staff,
    )
    branch = await gql(
        client,
        PARTY_ORGANISATION,
        {
            "input": {
                "regionCode": GRID,
                "level": "LARGE_GRID_BRANCH",
                "name": "第1网格党支部",
                "parentId": committee_id,
            }
        },
        token=staff,
    )
    branch_id = branch["data"]["registerPartyOrganisation"]["partyOrganisation"]["uuid"]
    household = await register_household(client, staff)
    person_id = household["household"]["members"][0]["uuid"]
    member = await gql(
        client,
        """mutation($input: PartyMemberInput!) { registerPartyMember(input: $input) {
          __typename ... on PartyMemberPayload { partyMember { specialties isInService contactPhone } }
          ... on Error { field code } } }""",
        {
            "input": {
                "personId": person_id,
                "partyOrganisationId": branch_id,
                "workplace": "淇滨区人民医院",
                "specialties": ["09", "01"],
                "isInService": True,
                "registeredCommunityCode": community,
                "contactPhone": "13912345678",
            }
        },
        token=staff,
    )
    volunteer = await gql(
        client,
        """mutation($input: VolunteerInput!) { registerVolunteer(input: $input) {
          __typename ... on Error { field code } } }""",
        {"input": {"personId": person_id, "team": "金山社区志愿服务队", "specialties": ["99x"]}},
        token=staff,
    )

    assert skipped["data"]["registerPartyOrganisation"]["field"] == "parentId"
    assert (
        branch["data"]["registerPartyOrganisation"]["partyOrganisation"]["parentId"] == committee_id
    )
    assert member["data"]["registerPartyMember"]["partyMember"] == {
        "specialties": ["01", "09"],
        "isInService": True,
        "contactPhone": "+8613912345678",
    }
    assert volunteer["data"]["registerVolunteer"] == {
        "__typename": "ValidationError",
        "field": "specialties",
        "code": "INVALID_CODE",
    }
    listed = await gql(
        client,
        "query { partyOrganisations { totalCount } partyMembers { totalCount } }",
        token=staff,
    )
    assert listed["data"] == {
        "partyOrganisations": {"totalCount": 2},
        "partyMembers": {"totalCount": 1},
    }
