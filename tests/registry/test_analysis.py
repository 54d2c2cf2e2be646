"""Registry analysis (统计分析, issue 27): breakdowns by one attribute or two, per child region,
the monthly trend, and the typed errors of a bad request."""

from __future__ import annotations

import httpx
import pytest

from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, PEOPLE, TOWNSHIP, id_number, register_household

ANALYSIS = """
query($code: String!, $by: [RegistryAttribute!], $perChild: Boolean!, $months: Int) {
  registryStatistics(regionCode: $code, by: $by, perChild: $perChild, trendMonths: $months) {
    __typename
    ... on RegistryStatistics {
      breakdown { regionCode values count }
      trend { month registered deregistered registeredAtEnd }
    }
    ... on Error { code field }
  }
}
"""
DEREGISTER = """
mutation($id: ID!) {
  deregisterRecord(kind: PERSON, id: $id, reason: "迁出") { __typename }
}
"""


@pytest.fixture
async def township(client: httpx.AsyncClient, db: None) -> str:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    await register_household(client, worker)  # 张伟 (man, 1980), 李娜 (woman, 1982)
    await register_household(
        client,
        worker,
        number="HH-0002",
        members=[
            {
                "relationToHead": "02",
                "person": {
                    "idNumber": id_number("20200101", 235),
                    "personType": "FLOATING",
                    "name": "周杰",
                    "inflowReason": "01",
                },
            }
        ],
    )
    _, token = await factories.signed_in("township_centre", TOWNSHIP)
    return token


async def analyse(client: httpx.AsyncClient, token: str, **variables: object) -> dict[str, object]:
    values = {"code": TOWNSHIP, "by": None, "perChild": False, "months": None} | variables
    body = await gql(client, ANALYSIS, values, token=token)
    return body["data"]["registryStatistics"]  # type: ignore[no-any-return]


async def test_breakdowns_by_one_attribute_and_by_two(
    client: httpx.AsyncClient, township: str
) -> None:
    by_sex = await analyse(client, township, by=["SEX"])
    assert {tuple(c["values"]): c["count"] for c in by_sex["breakdown"]} == {("1",): 2, ("2",): 1}

    pairs = await analyse(client, township, by=["PERSON_TYPE", "AGE_BAND"], perChild=True)
    cells = {(c["regionCode"], *c["values"]): c["count"] for c in pairs["breakdown"]}
    community = GRID[:12]
    assert cells == {
        (community, "floating", "0-6"): 1,
        (community, "registered", "35-59"): 2,
    }


async def test_the_monthly_trend_counts_registrations_and_deregistrations(
    client: httpx.AsyncClient, township: str
) -> None:
    _, worker = await factories.signed_in("grid_worker", GRID)
    people = await gql(client, PEOPLE, {"filter": {"text": "周杰"}}, token=worker)
    person_id = people["data"]["people"]["edges"][0]["node"]["id"]
    gone = await gql(client, DEREGISTER, {"id": person_id}, token=worker)
    assert gone["data"]["deregisterRecord"]["__typename"] == "DeregisterPayload", gone

    result = await analyse(client, township, months=3)
    trend = result["trend"]
    assert len(trend) == 3
    assert (trend[-1]["registered"], trend[-1]["deregistered"]) == (3, 1)
    assert trend[-1]["registeredAtEnd"] == 2
    assert trend[0]["registered"] == 0


async def test_bad_requests_are_typed_errors(client: httpx.AsyncClient, township: str) -> None:
    twice = await analyse(client, township, by=["SEX", "SEX"])
    assert (twice["__typename"], twice["field"]) == ("ValidationError", "by")
    three = await analyse(client, township, by=["SEX", "AGE_BAND", "PERSON_TYPE"])
    assert three["__typename"] == "ValidationError"
    months = await analyse(client, township, months=99)
    assert (months["__typename"], months["field"]) == ("ValidationError", "months")
    _, leader = await factories.signed_in("leader", TOWNSHIP)
    groups = await analyse(client, leader, by=["SPECIAL_GROUP"])
    assert groups["__typename"] == "NotAllowedError"  # a leader may not see memberships
