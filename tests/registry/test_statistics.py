"""Area statistics per child region and kind; at district scale they come off the indexes."""

from __future__ import annotations

import json

import httpx
import pytest
from tortoise import connections

from api.domains.registry.statistics import statistics_sql
from tests import factories
from tests.factories import gql
from tests.registry import bulk
from tests.registry.helpers import GRID, OTHER_TOWNSHIP, TOWNSHIP, id_number, register_household

STATISTICS = """
query($code: String!) {
  registryStatistics(regionCode: $code) {
    ... on RegistryStatistics {
      regionCode
      children { regionCode kind count }
      totals { kind count }
    }
    ... on Error { code }
  }
}
"""


async def test_counts_per_child_region_and_kind(client: httpx.AsyncClient, db: None) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, sibling = await factories.signed_in("grid_worker", "410611001001010")
    await register_household(client, worker)
    await register_household(
        client,
        sibling,
        number="HH-0002",
        region_code="410611001001010",
        members=[
            {
                "relationToHead": "02",
                "person": {
                    "idNumber": id_number("19900101", 235),
                    "personType": "FLOATING",
                    "name": "周杰",
                    "inflowReason": "01",
                },
            }
        ],
    )
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    _, leader = await factories.signed_in("leader", TOWNSHIP)

    community = await gql(client, STATISTICS, {"code": "410611001001"}, token=township)
    out_of_scope = await gql(client, STATISTICS, {"code": OTHER_TOWNSHIP}, token=township)
    by_leader = await gql(client, STATISTICS, {"code": TOWNSHIP}, token=leader)

    stats = community["data"]["registryStatistics"]
    assert stats["children"] == [
        {"regionCode": GRID, "kind": "household", "count": 1},
        {"regionCode": GRID, "kind": "person:registered", "count": 2},
        {"regionCode": "410611001001010", "kind": "household", "count": 1},
        {"regionCode": "410611001001010", "kind": "person:floating", "count": 1},
    ]
    assert stats["totals"] == [
        {"kind": "household", "count": 2},
        {"kind": "person:floating", "count": 1},
        {"kind": "person:registered", "count": 2},
    ]
    assert out_of_scope["data"]["registryStatistics"] == {"code": "NOT_FOUND"}
    assert by_leader["data"]["registryStatistics"]["children"][0]["regionCode"] == "410611001001"


async def test_a_bad_region_is_a_member_of_the_result_union_like_the_other_statistics(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    document = (
        "query($code: String!) { registryStatistics(regionCode: $code) {"
        " __typename ... on Error { code field } } }"
    )

    answers = {
        code: (await gql(client, document, {"code": code}, token=township))
        for code in ("41061100100x", "4106119", OTHER_TOWNSHIP, "410611009")
    }

    for code, body in answers.items():
        assert "errors" not in body, (code, body)
        result = body["data"]["registryStatistics"]
        assert result["__typename"] in {"ValidationError", "NotFoundError"}, (code, result)
    assert answers[OTHER_TOWNSHIP]["data"]["registryStatistics"]["__typename"] == "NotFoundError"


@pytest.mark.slow
async def test_district_statistics_over_a_million_people_read_only_the_indexes(
    client: httpx.AsyncClient, db: None
) -> None:
    await bulk.generate(1_000_000, places=False)
    connection = connections.get("default")

    plan = await connection.execute_query_dict(
        "EXPLAIN (FORMAT JSON) " + statistics_sql(bulk.DISTRICT, with_special_groups=True)
    )
    nodes = plan_nodes(plan[0]["QUERY PLAN"])
    assert ("Index Only Scan", "registry_people_region") in nodes, nodes
    assert not [n for n in nodes if n[0] == "Seq Scan" and n[1] == "registry_people"], nodes

    _, district = await factories.signed_in("district_command", bulk.DISTRICT)
    body = await gql(client, STATISTICS, {"code": bulk.DISTRICT}, token=district)
    stats = body["data"]["registryStatistics"]
    assert len({child["regionCode"] for child in stats["children"]}) == 10  # townships
    people = sum(t["count"] for t in stats["totals"] if t["kind"].startswith("person:"))
    assert people == 1_000_000 - 1_000_000 // 97  # the deregistered are not counted

    search = await connection.execute_query_dict(
        "EXPLAIN (FORMAT JSON) SELECT id FROM registry_people WHERE region_code LIKE '410611%'"
        " AND status = 'active' AND name LIKE '王某123457%' ORDER BY id LIMIT 21"
    )
    search_nodes = plan_nodes(search[0]["QUERY PLAN"])
    assert not {kind for kind, _ in search_nodes} & {"Seq Scan"}, search_nodes


def plan_nodes(plan: object) -> list[tuple[str, str | None]]:
    """(node type, index or relation name) of every node of an EXPLAIN (FORMAT JSON) plan."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    if isinstance(plan, list):
        return [node for item in plan for node in plan_nodes(item)]
    assert isinstance(plan, dict)
    node = plan.get("Plan", plan)
    found = [(node["Node Type"], node.get("Index Name") or node.get("Relation Name"))]
    for child in node.get("Plans", []):
        found += plan_nodes(child)
    return found
