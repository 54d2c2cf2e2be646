"""Service teams (服务团队, issue 27 part 4): a community's or grid's team with a leader and
members (staff, registered volunteers, party members), service items and a duty schedule,
listed publicly without names; the volunteers' free-text teams migrate into teams."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
from tortoise import connections
from tortoise.migrations import operations as ops

from api.domains.registry.enums import PersonType
from api.domains.registry.models import PartyMember, Person, Volunteer
from api.domains.services.models import ServiceTeam, ServiceTeamMember
from tests import factories
from tests.factories import error_codes, gql
from tests.registry.helpers import id_number
from tests.services.helpers import COMMUNITY, GRID, OTHER_COMMUNITY

CREATE = """
mutation($input: ServiceTeamInput!) { createServiceTeam(input: $input) { __typename
  ... on ServiceTeamPayload { team { id regionCode serviceItems
    dutySchedule { weekday start end note } } }
  ... on Error { code field } } }"""
ADD = """
mutation($t: ID!, $kind: CareHelperKind!, $m: ID!, $leader: Boolean!) {
  addServiceTeamMember(teamId: $t, kind: $kind, memberId: $m, asLeader: $leader) { __typename
    ... on ServiceTeamPayload { team { leaderKind leaderLabel version
      members { kind label } } }
    ... on Error { code field } } }"""
PUBLIC = """
query($r: String!) { publicServiceTeams(regionCode: $r) { totalCount
  edges { node { name regionCode memberCount serviceItems dutySchedule { weekday start } } } } }"""


async def person(name: str, sequence: int, region: str = GRID) -> Person:
    return await Person.create(
        id_number=id_number("19800101", sequence),
        region_code=region,
        person_type=PersonType.REGISTERED,
        name=name,
        sex="1",
        birth_date="1980-01-01",
    )


def team_input(**changes: Any) -> dict[str, Any]:
    values = {
        "regionCode": COMMUNITY,
        "name": "红马甲志愿服务队",
        "description": "助老助残",
        "serviceItems": ["代购代办", "陪同就医", "代购代办"],
        "dutySchedule": [
            {"weekday": 6, "start": "09:00", "end": "11:30", "note": "服务站值班"},
            {"weekday": 2, "start": "14:00", "end": "17:00"},
        ],
    }
    return {**values, **changes}


async def create(client: httpx.AsyncClient, token: str, **changes: Any) -> dict[str, Any]:
    body = await gql(client, CREATE, {"input": team_input(**changes)}, token=token)
    return body["data"]["createServiceTeam"]


async def test_a_team_is_formed_staffed_and_listed_publicly_without_names(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, grid_leader = await factories.signed_in("grid_leader", GRID)
    _, grid_worker = await factories.signed_in("grid_worker", GRID)
    worker = await factories.user("grid_worker", GRID)
    volunteer = await Volunteer.create(person=await person("陈志愿", 11), region_code=GRID)
    member = await PartyMember.create(person=await person("周党员", 13), region_code=GRID)
    stranger = await Volunteer.create(
        person=await person("外区人", 15, "410602001001001"), region_code="410602001001001"
    )

    made = await create(client, staff)
    team = made["team"]["id"]
    assert made["team"]["serviceItems"] == ["代购代办", "陪同就医"]
    assert [s["weekday"] for s in made["team"]["dutySchedule"]] == [2, 6]
    bad_times = await create(
        client,
        staff,
        name="夜间队",
        dutySchedule=[{"weekday": 1, "start": "18:00", "end": "08:00"}],
    )
    bad_day = await create(
        client,
        staff,
        name="夜间队",
        dutySchedule=[{"weekday": 8, "start": "08:00", "end": "09:00"}],
    )
    bad_clock = await create(
        client, staff, name="夜间队", dutySchedule=[{"weekday": 1, "start": "8点", "end": "09:00"}]
    )
    too_many = await create(client, staff, name="大队", serviceItems=[str(n) for n in range(21)])
    twice = await create(client, staff)
    at_township = await create(client, staff, regionCode="410611001")
    by_worker = await gql(client, CREATE, {"input": team_input(name="x")}, token=grid_worker)
    grid_team = await create(
        client, grid_leader, regionCode=GRID, name="第1网格平安队", serviceItems=["夜间巡逻"]
    )
    assert {bad_times["field"], bad_day["field"], bad_clock["field"]} == {"dutySchedule"}
    assert too_many["field"] == "serviceItems"
    assert twice["code"] == "ALREADY_EXISTS"
    assert at_township["code"] == "INVALID_CODE"
    assert error_codes(by_worker) == ["FORBIDDEN"]
    assert grid_team["team"]["regionCode"] == GRID
    assert await ServiceTeam.all().count() == 2

    async def add(kind: str, member_id: object, leader: bool = False) -> dict[str, Any]:
        body = await gql(
            client,
            ADD,
            {"t": team, "kind": kind, "m": str(member_id), "leader": leader},
            token=staff,
        )
        return body["data"]["addServiceTeamMember"]

    assert (await add("VOLUNTEER", volunteer.id))["team"]["members"] == [
        {"kind": "VOLUNTEER", "label": "陈志愿"}
    ]
    await add("STAFF", worker.id)
    led = await add("PARTY_MEMBER", member.id, leader=True)
    assert (led["team"]["leaderKind"], led["team"]["leaderLabel"]) == ("PARTY_MEMBER", "周党员")
    assert len(led["team"]["members"]) == 3
    again = await add("VOLUNTEER", volunteer.id)
    outside = await add("VOLUNTEER", stranger.id)
    missing = await add("PARTY_MEMBER", volunteer.id)  # a volunteer's id is no party member's
    assert again["code"] == "ALREADY_EXISTS"
    assert (outside["code"], outside["field"]) == ("OUTSIDE_AREA", "memberId")
    assert (missing["__typename"], missing["field"]) == ("NotFoundError", "memberId")

    removed = await gql(
        client,
        "mutation($t: ID!, $m: ID!) { removeServiceTeamMember(teamId: $t, kind: PARTY_MEMBER,"
        " memberId: $m) { __typename ... on ServiceTeamPayload { team { leaderKind members"
        " { label } } } } }",
        {"t": team, "m": str(member.id)},
        token=staff,
    )
    assert removed["data"]["removeServiceTeamMember"]["team"] == {
        "leaderKind": None,
        "members": [{"label": "陈志愿"}, {"label": worker.display_name}],
    }
    assert await ServiceTeamMember.filter(team_id=team).count() == 3  # who left stays

    # the public board: no sign-in, no names; a grid sees its own and its community's teams
    from_grid = await gql(client, PUBLIC, {"r": GRID})
    assert "errors" not in from_grid, from_grid
    board = {e["node"]["name"]: e["node"] for e in from_grid["data"]["publicServiceTeams"]["edges"]}
    assert board["红马甲志愿服务队"]["memberCount"] == 2
    assert board["第1网格平安队"]["serviceItems"] == ["夜间巡逻"]
    assert "陈志愿" not in str(from_grid)
    community = await gql(client, PUBLIC, {"r": COMMUNITY})
    assert community["data"]["publicServiceTeams"]["totalCount"] == 2
    assert (await gql(client, PUBLIC, {"r": OTHER_COMMUNITY}))["data"]["publicServiceTeams"][
        "totalCount"
    ] == 0
    assert (await gql(client, PUBLIC, {"r": "410611001009"}))["data"] is None

    # staff find a volunteer's teams (what the old free-text field said)
    teams_of = await gql(
        client,
        "query($r: String!, $m: ID!) { serviceTeams(regionCode: $r, memberId: $m) { totalCount"
        " edges { node { name } } } }",
        {"r": COMMUNITY, "m": str(volunteer.id)},
        token=grid_worker,
    )
    assert teams_of["data"] is None  # a grid worker reads their grid's, not the community's
    teams_of = await gql(
        client,
        "query($r: String!, $m: ID!) { serviceTeams(regionCode: $r, memberId: $m) { totalCount"
        " edges { node { name } } } }",
        {"r": COMMUNITY, "m": str(volunteer.id)},
        token=staff,
    )
    assert teams_of["data"]["serviceTeams"]["edges"] == [{"node": {"name": "红马甲志愿服务队"}}]


async def test_volunteers_free_text_teams_become_teams_of_their_community(db: None) -> None:
    """The data step of migration 0031, run on volunteers registered with team names."""
    await factories.region_tree()
    first = await Volunteer.create(person=await person("甲", 21), region_code=GRID, team="红马甲")
    second = await Volunteer.create(
        person=await person("乙", 23), region_code="410611001001010", team=" 红马甲 "
    )
    await Volunteer.create(person=await person("丙", 25), region_code=GRID, team=None)
    await Volunteer.create(
        person=await person("丁", 27, "410602001001001"),
        region_code="410602001001001",
        team="红马甲",
    )
    migration = importlib.import_module("api.migrations.0035_services").Migration
    steps = next(op for op in migration.operations if isinstance(op, ops.RunSQL)).sql
    connection = connections.get("default")
    for statement in steps:
        if statement.startswith("INSERT INTO service_team"):
            await connection.execute_query(statement)

    made = {(t.region_code, t.name): t for t in await ServiceTeam.all()}
    assert set(made) == {(COMMUNITY, "红马甲"), (OTHER_COMMUNITY, "红马甲")}
    members = await ServiceTeamMember.filter(team_id=made[(COMMUNITY, "红马甲")].id)
    assert {m.member_id for m in members} == {first.id, second.id}
    assert {m.label for m in members} == {"甲", "乙"}
    assert (await Volunteer.get(id=first.id)).team == "红马甲"  # the old text stays readable
