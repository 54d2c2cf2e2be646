"""Care groups: an elderly person living alone gets a helper from their own area, shows as
overdue for a visit until one is recorded (and again once the group's rule lapses), and the
record is masked and audited exactly as special groups are."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.audit.models import AuditEntry
from api.domains.care.models import CareHelper, CareVisitRule
from api.domains.diaries.models import HouseholdVisit
from tests import factories
from tests.care.helpers import COMMUNITY, DISTRICT, ERROR, GRID, OTHER_GRID, first
from tests.diaries.helpers import person
from tests.factories import error_codes, gql
from tests.registry.helpers import household_input, id_number, register_household

ADD = (
    "mutation($input: AddToSpecialGroupInput!) { addToSpecialGroup(input: $input) { __typename"
    " ... on SpecialGroupRecordPayload { record { uuid group details { __typename"
    " ... on ElderlyAloneDetails { isChildless carerName } } } } } }"
)
ASSIGN = (
    "mutation($r: ID!, $k: CareHelperKind!, $h: ID!) {"
    " assignCareHelper(recordId: $r, kind: $k, helperId: $h) { __typename"
    f" ... on CareHelperPayload {{ helper {{ id kind helperLabel }} }} {ERROR} }} }}"
)
RULE = (
    "mutation($r: String!, $g: SpecialGroup!, $d: Int!) {"
    " setCareVisitRule(regionCode: $r, group: $g, everyDays: $d) { __typename"
    f" ... on CareVisitRulePayload {{ rule {{ everyDays }} }} {ERROR} }} }}"
)
OVERDUE = (
    "query($g: String!) { overdueCareVisits(gridCode: $g) { totalCount"
    " edges { node { recordId personName group everyDays lastVisitedAt helpers } } } }"
)
VISIT = (
    "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { __typename"
    f" ... on VisitPayload {{ visit {{ id careRecordId }} }} {ERROR} }} }}"
)
PERSON = "query($id: ID!) { person(id: $id) { name idNumber phone specialGroups { group } } }"
STATISTICS = (
    "query($r: String!) { registryStatistics(regionCode: $r) { __typename"
    " ... on RegistryStatistics { totals { kind count } } } }"
)
ELDER = {
    "relationToHead": "02",
    "person": {
        "idNumber": id_number("19400101", 135),
        "personType": "REGISTERED",
        "name": "赵大爷",
        "ethnicity": "01",
        "phone": "13912340000",
    },
}


def visit(household_id: str, record_id: str | None) -> dict[str, Any]:
    return {
        "input": {
            "householdId": household_id,
            "visitedAt": clock.now().isoformat(),
            "minutes": 30,
            "purpose": "关爱走访",
            "careRecordId": record_id,
        }
    }


async def test_a_helper_is_paired_and_the_person_is_overdue_until_visited_and_masked(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    worker_account, worker = await person("grid_worker", GRID)
    _, staff = await person("community_staff", COMMUNITY)
    _, leader = await person("leader", COMMUNITY)  # reads residents, not special or care groups
    far_account, _ = await person("grid_worker", OTHER_GRID)
    registered = await register_household(client, worker, members=[ELDER])
    household = registered["household"]
    elder_id = household["members"][0]["uuid"]

    added = first(
        await gql(
            client,
            ADD,
            {
                "input": {
                    "personId": elder_id,
                    "group": "ELDERLY_ALONE",
                    "details": {"elderlyAlone": {"isChildless": True, "carerName": "赵小红"}},
                }
            },
            token=worker,
        )
    )
    record_id = added["record"]["uuid"]
    assert added["record"]["details"] == {
        "__typename": "ElderlyAloneDetails",
        "isChildless": True,
        "carerName": "赵小红",
    }

    # bad input: a helper from another township, a rule of zero days; nothing written
    far = first(
        await gql(
            client, ASSIGN, {"r": record_id, "k": "STAFF", "h": str(far_account.id)}, token=worker
        )
    )
    zero = first(
        await gql(client, RULE, {"r": COMMUNITY, "g": "ELDERLY_ALONE", "d": 0}, token=staff)
    )
    not_care = first(
        await gql(client, RULE, {"r": COMMUNITY, "g": "DRUG_USER", "d": 7}, token=staff)
    )
    citizen = await factories.user("citizen", "4106")  # city-wide, but nobody's staff
    not_staff = first(
        await gql(
            client, ASSIGN, {"r": record_id, "k": "STAFF", "h": str(citizen.id)}, token=worker
        )
    )
    assert far["__typename"] == "ValidationError" and far["code"] == "OUTSIDE_AREA"
    assert not_staff["__typename"] == "NotFoundError"
    assert zero["__typename"] == "ValidationError" and zero["field"] == "everyDays"
    assert not_care["__typename"] == "ValidationError" and not_care["field"] == "group"
    assert await CareHelper.all().count() == 0 and await CareVisitRule.all().count() == 0

    paired = first(
        await gql(
            client,
            ASSIGN,
            {"r": record_id, "k": "STAFF", "h": str(worker_account.id)},
            token=worker,
        )
    )
    twice = first(
        await gql(
            client,
            ASSIGN,
            {"r": record_id, "k": "STAFF", "h": str(worker_account.id)},
            token=worker,
        )
    )
    rule = first(
        await gql(client, RULE, {"r": COMMUNITY, "g": "ELDERLY_ALONE", "d": 3}, token=staff)
    )
    assert paired["helper"]["kind"] == "STAFF"
    assert twice["__typename"] == "ValidationError" and twice["code"] == "ALREADY_EXISTS"
    assert rule["rule"]["everyDays"] == 3

    overdue = first(await gql(client, OVERDUE, {"g": GRID}, token=worker))
    assert overdue["totalCount"] == 1
    assert overdue["edges"][0]["node"] == {
        "recordId": record_id,
        "personName": "赵大爷",
        "group": "ELDERLY_ALONE",
        "everyDays": 3,
        "lastVisitedAt": None,
        "helpers": 1,
    }

    # a visit naming a care record of another household is refused; the right one counts
    other = await factories.household(GRID, "HH-OTHER")
    wrong = first(await gql(client, VISIT, visit(str(other.id), record_id), token=worker))
    assert wrong["__typename"] == "ValidationError" and wrong["field"] == "careRecordId"
    visited = first(await gql(client, VISIT, visit(household["uuid"], record_id), token=worker))
    assert visited["visit"]["careRecordId"] == record_id
    assert await HouseholdVisit.all().count() == 1
    assert first(await gql(client, OVERDUE, {"g": GRID}, token=worker))["totalCount"] == 0

    clock.move(timedelta(days=4))  # the three-day rule lapses
    again = first(await gql(client, OVERDUE, {"g": GRID}, token=worker))
    assert again["totalCount"] == 1 and again["edges"][0]["node"]["lastVisitedAt"]

    # masking: the leader sees the resident masked and no care-group membership
    seen = first(await gql(client, PERSON, {"id": elder_id}, token=leader))
    assert seen["name"] == "赵大爷" and seen["specialGroups"] is None
    assert "*" in seen["idNumber"] and "*" in seen["phone"]
    refused = await gql(client, OVERDUE, {"g": GRID}, token=leader)
    assert error_codes(refused) == ["FORBIDDEN"]
    before = await AuditEntry.filter(action="registry.read_sensitive").count()
    whole = first(await gql(client, PERSON, {"id": elder_id}, token=worker))
    assert whole["idNumber"] == ELDER["person"]["idNumber"]
    assert whole["specialGroups"] == [{"group": "ELDERLY_ALONE"}]
    assert await AuditEntry.filter(action="registry.read_sensitive").count() == before + 1

    _, command = await person("district_command", DISTRICT)
    totals = first(await gql(client, STATISTICS, {"r": DISTRICT}, token=command))["totals"]
    assert {"kind": "special_group:elderly_alone", "count": 1} in totals


async def test_volunteers_serve_their_own_community(client: httpx.AsyncClient, db: None) -> None:
    """A registered volunteer helps within their community, not in another one."""
    from api.domains.registry.models import Person, Volunteer

    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    registered = await register_household(
        client, worker, members=[ELDER, household_input()["members"][0]]
    )
    elder_id, neighbour_id = (m["uuid"] for m in registered["household"]["members"])
    added = first(
        await gql(
            client,
            ADD,
            {"input": {"personId": elder_id, "group": "ELDERLY_ALONE"}},
            token=worker,
        )
    )
    near = await Volunteer.create(person=await Person.get(id=neighbour_id), region_code=GRID)
    far = await Volunteer.create(person=await Person.get(id=elder_id), region_code=OTHER_GRID)

    ok = first(
        await gql(
            client,
            ASSIGN,
            {"r": added["record"]["uuid"], "k": "VOLUNTEER", "h": str(near.id)},
            token=worker,
        )
    )
    refused = first(
        await gql(
            client,
            ASSIGN,
            {"r": added["record"]["uuid"], "k": "VOLUNTEER", "h": str(far.id)},
            token=worker,
        )
    )
    assert ok["helper"]["helperLabel"] == "张伟"
    assert refused["code"] == "OUTSIDE_AREA"


async def test_a_retried_care_visit_with_its_client_id_is_recorded_once(
    client: httpx.AsyncClient, db: None
) -> None:
    import asyncio
    import uuid

    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    _, colleague = await person("grid_worker", GRID)
    registered = await register_household(client, worker, members=[ELDER])
    household = registered["household"]
    added = first(
        await gql(
            client,
            ADD,
            {
                "input": {
                    "personId": household["members"][0]["uuid"],
                    "group": "ELDERLY_ALONE",
                    "details": {"elderlyAlone": {"isChildless": True}},
                }
            },
            token=worker,
        )
    )
    record_id = added["record"]["uuid"]
    client_id = str(uuid.uuid4())
    offline = visit(household["uuid"], record_id)
    offline["input"]["clientId"] = client_id

    results = await asyncio.gather(*(gql(client, VISIT, offline, token=worker) for _ in range(6)))
    assert {first(r)["visit"]["id"] for r in results} == {client_id}, results
    again = first(await gql(client, VISIT, offline, token=worker))
    assert again["visit"] == {"id": client_id, "careRecordId": record_id}
    taken = first(await gql(client, VISIT, offline, token=colleague))
    assert (taken["__typename"], taken["code"], taken["field"]) == (
        "ConflictError",
        "ALREADY_EXISTS",
        "clientId",
    )
    assert await HouseholdVisit.filter(care_record_id=record_id).count() == 1
    overdue = first(await gql(client, OVERDUE, {"g": GRID}, token=worker))
    assert overdue["totalCount"] == 0


ADD_WITH_DETAILS = (
    "mutation($input: AddToSpecialGroupInput!) { addToSpecialGroup(input: $input) { __typename"
    " ... on SpecialGroupRecordPayload { record { uuid group details { __typename"
    " ... on LeftBehindChildDetails { guardianName guardianRelation fatherWhereabouts"
    " motherWhereabouts }"
    " ... on DisabledDetails { disabilityCategory disabilityGrade carerName } } } }"
    f" {ERROR} }} }}"
)
HELPERS = "query($r: ID!) { careHelpers(recordId: $r) { kind helperLabel } }"
END = (
    "mutation($id: ID!) { endCareHelper(id: $id) { __typename"
    f" ... on CareHelperPayload {{ helper {{ id }} }} {ERROR} }} }}"
)
OVERDUE_OF = (
    "query($g: String!, $group: SpecialGroup) { overdueCareVisits(gridCode: $g, group: $group) {"
    " totalCount edges { node { personName group everyDays helpers } } } }"
)
CHILD = {
    "relationToHead": "20",
    "person": {
        "idNumber": id_number("20150601", 137),
        "personType": "REGISTERED",
        "name": "张小雨",
        "ethnicity": "01",
    },
}


async def test_a_left_behind_child_and_a_disabled_person_with_a_party_member_helper(
    client: httpx.AsyncClient, db: None
) -> None:
    """Left-behind children keep their guardian and parents' whereabouts, people with
    disabilities their category and carer; a party member of the community is paired as a
    helper (one of another township is not); the overdue list filters by group, and
    registryStatistics counts each care group."""
    from api.domains.registry.models import PartyMember, Person

    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    registered = await register_household(
        client, worker, members=[household_input()["members"][0], CHILD]
    )
    adult_id, child_id = (m["uuid"] for m in registered["household"]["members"])

    child = first(
        await gql(
            client,
            ADD_WITH_DETAILS,
            {
                "input": {
                    "personId": child_id,
                    "group": "LEFT_BEHIND_CHILD",
                    "details": {
                        "leftBehindChild": {
                            "guardianName": "张奶奶",
                            "guardianRelation": "祖母",
                            "fatherWhereabouts": "广东东莞",
                            "motherWhereabouts": "浙江义乌",
                        }
                    },
                }
            },
            token=worker,
        )
    )
    disabled = first(
        await gql(
            client,
            ADD_WITH_DETAILS,
            {
                "input": {
                    "personId": adult_id,
                    "group": "DISABLED",
                    "details": {
                        "disabled": {
                            "disabilityCategory": "肢体",
                            "disabilityGrade": "二级",
                            "carerName": "李娜",
                        }
                    },
                }
            },
            token=worker,
        )
    )
    assert child["record"]["details"] == {
        "__typename": "LeftBehindChildDetails",
        "guardianName": "张奶奶",
        "guardianRelation": "祖母",
        "fatherWhereabouts": "广东东莞",
        "motherWhereabouts": "浙江义乌",
    }
    assert disabled["record"]["details"]["carerName"] == "李娜"
    child_record = child["record"]["uuid"]

    adult = await Person.get(id=adult_id)
    near = await PartyMember.create(person=adult, region_code=GRID)
    _, far_worker = await person("grid_worker", OTHER_GRID)
    elsewhere = await register_household(
        client,
        far_worker,
        number="HH-0002",
        region_code=OTHER_GRID,
        members=[
            {
                "relationToHead": "02",
                "person": {
                    "idNumber": id_number("19850101", 246),
                    "personType": "REGISTERED",
                    "name": "王芳",
                    "ethnicity": "01",
                },
            }
        ],
    )
    stranger = await Person.get(id=elsewhere["household"]["members"][0]["uuid"])
    far = await PartyMember.create(person=stranger, region_code=OTHER_GRID)
    refused = first(
        await gql(
            client, ASSIGN, {"r": child_record, "k": "PARTY_MEMBER", "h": str(far.id)}, token=worker
        )
    )
    assert refused["__typename"] == "ValidationError" and refused["code"] == "OUTSIDE_AREA"
    assert await CareHelper.all().count() == 0
    paired = first(
        await gql(
            client,
            ASSIGN,
            {"r": child_record, "k": "PARTY_MEMBER", "h": str(near.id)},
            token=worker,
        )
    )
    assert paired["helper"]["kind"] == "PARTY_MEMBER" and paired["helper"]["helperLabel"] == "张伟"
    helpers = first(await gql(client, HELPERS, {"r": child_record}, token=worker))
    assert helpers == [{"kind": "PARTY_MEMBER", "helperLabel": "张伟"}]

    everyone = first(await gql(client, OVERDUE_OF, {"g": GRID}, token=worker))
    children = first(
        await gql(client, OVERDUE_OF, {"g": GRID, "group": "LEFT_BEHIND_CHILD"}, token=worker)
    )
    assert everyone["totalCount"] == 2
    assert [edge["node"] for edge in children["edges"]] == [
        {"personName": "张小雨", "group": "LEFT_BEHIND_CHILD", "everyDays": 30, "helpers": 1}
    ]

    ended = first(await gql(client, END, {"id": paired["helper"]["id"]}, token=worker))
    assert ended["__typename"] == "CareHelperPayload"
    assert first(await gql(client, HELPERS, {"r": child_record}, token=worker)) == []
    assert await CareHelper.filter(ended_at__isnull=False).count() == 1  # the pairing stays

    _, command = await person("district_command", DISTRICT)
    totals = first(await gql(client, STATISTICS, {"r": DISTRICT}, token=command))["totals"]
    assert {"kind": "special_group:left_behind_child", "count": 1} in totals
    assert {"kind": "special_group:disabled", "count": 1} in totals
