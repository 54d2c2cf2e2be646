"""The benchmark data set is a city the API serves like any other: its users sign in, its events
list in scope and their timelines lead to their states."""

from __future__ import annotations

import itertools

import httpx
import pytest
from tortoise import connections

from api.benchdata import BENCH_PASSWORD, DISTRICTS, DatabaseNotEmpty, Scale, load
from api.domains.registry import validation
from api.settings import Settings
from tests.factories import gql

TINY = Scale(
    townships_per_district=2,
    communities_per_township=2,
    grids_per_community=3,
    events=3000,
    people=2000,
    houses=600,
)
LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  ... on AuthPayload { accessToken } ... on Error { code } } }"""
PAGE = """query($filter: EventFilterInput) { events(filter: $filter, first: 100) {
  totalCount edges { node { uuid status regionCode handlingRegionCode closedAt } } } }"""
PEOPLE = """query($filter: PersonFilterInput) { people(filter: $filter, first: 10) {
  totalCount edges { node { name regionCode } } } }"""
DETAIL = "query($id: ID!) { event(id: $id) { status timeline { action fromStatus toStatus } } }"


async def _token(client: httpx.AsyncClient, username: str) -> str:
    body = await gql(client, LOGIN, {"u": username, "p": BENCH_PASSWORD})
    return str(body["data"]["login"]["accessToken"])


async def test_a_generated_city_is_served_like_a_real_one(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.database_url
    loaded = await load(settings.database_url, TINY, progress=lambda line: None)
    grids = len(DISTRICTS) * 2 * 2 * 3
    assert loaded.regions == 1 + len(DISTRICTS) * (1 + 2 + 2 * 2 + grids // len(DISTRICTS))
    assert loaded.events == 3000 and loaded.timeline_entries > loaded.events
    assert (loaded.people, loaded.houses) == (2000, 600)

    district = await _token(client, "dc-410611")
    body = await gql(client, PAGE, {"filter": {"regionCode": "410611"}}, token=district)
    page = body["data"]["events"]
    assert 3000 // len(DISTRICTS) // 2 < page["totalCount"] < 3000 // len(DISTRICTS) * 2
    nodes = [edge["node"] for edge in page["edges"]]
    assert all(node["regionCode"].startswith("410611") for node in nodes)
    assert {node["status"] for node in nodes} >= {"REPORTED", "ASSIGNED", "CLOSED"}
    for node in nodes:
        assert (node["closedAt"] is not None) == (node["status"] in {"CLOSED", "EVALUATED"})
        detail = await gql(client, DETAIL, {"id": node["uuid"]}, token=district)
        timeline = detail["data"]["event"]["timeline"]
        assert timeline[0]["action"] == "REPORT"
        assert timeline[-1]["toStatus"] == node["status"]
        assert all(a["toStatus"] == b["fromStatus"] for a, b in itertools.pairwise(timeline))

    # People carry valid ID numbers and live in their household's grid and house.
    body = await gql(client, PEOPLE, {"filter": {"regionCode": "410611"}}, token=district)
    people = body["data"]["people"]
    assert people["totalCount"] > 0
    rows = await connections.get("default").execute_query_dict(
        "SELECT p.id_number, p.region_code = h.region_code AS same_grid,"
        " p.house_id = h.house_id AS same_house FROM registry_people p"
        " JOIN registry_households h ON h.id = p.household_id"
    )
    assert len(rows) == 2000
    # the registry's own check: checksum, birth date and a county code that ever existed
    assert all(validation.id_number(row["id_number"]) == row["id_number"] for row in rows)
    assert all(row["same_grid"] and row["same_house"] for row in rows)

    # Grid norms: grids of 100–500 households fall outside their type's band, and one grid
    # worker per grid is fewer than one staff member per 100 households.
    norms = await gql(
        client,
        '{ gridNorms(scope: "410611") { ... on GridNorms { grids gridsBelowBand'
        " gridsAboveBand staffing { staff meetsNorm } } } }",
        token=district,
    )
    found = norms["data"]["gridNorms"]
    assert found["grids"] == 2 * 2 * 3
    assert found["gridsBelowBand"] + found["gridsAboveBand"] > 0
    assert found["staffing"]["staff"] > 0 and found["staffing"]["meetsNorm"] is False

    # A grid worker sees its own grid only, even asking for the district.
    grid = nodes[0]["regionCode"]
    worker = await _token(client, f"gw-{grid}")
    body = await gql(client, PAGE, {"filter": {"regionCode": "410611"}}, token=worker)
    seen = body["data"]["events"]
    assert 1 <= seen["totalCount"] < page["totalCount"]
    assert {edge["node"]["regionCode"] for edge in seen["edges"]} == {grid}


async def test_it_refuses_a_database_that_holds_a_city(db: None, settings: Settings) -> None:
    assert settings.database_url
    await connections.get("default").execute_query(
        "INSERT INTO regions (code, name, level, urban_rural, households, external_codes,"
        " is_active, created_at, updated_at) VALUES"
        " ('4106', '鹤壁市', 'city', 'urban', 0, '{}', true, now(), now())"
    )
    with pytest.raises(DatabaseNotEmpty):
        await load(settings.database_url, TINY, progress=lambda line: None)
