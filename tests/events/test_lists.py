"""Event lists: scope, filters, my tasks, a bounded number of statements, the path index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import connections

from api.auth import Assignment, Principal
from api.domains.events.models import Event
from api.domains.events.service import EventFilter, list_statement
from api.pagination import PageRequest
from tests import factories
from tests.events.helpers import ASSIGN, FILE, REPORT, report_input, run
from tests.factories import gql

LIST = """
query($filter: EventFilterInput, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { caseNumber regionCode status overdue category { name } assigneeDepartment { name } timeline { action } } }
  }
}"""


async def test_lists_are_scoped_and_filtered(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker_a = await factories.signed_in("grid_worker", "410611001001001")
    _, worker_b = await factories.signed_in("grid_worker", "410611002001001")
    await run(
        client, REPORT, worker_a, input=report_input(title="占道经营", categoryKey="city.0502")
    )
    await run(
        client, REPORT, worker_a, input=report_input(title="邻里噪音", categoryKey="dispute.0201")
    )
    await run(
        client,
        REPORT,
        worker_b,
        input=report_input(title="路灯不亮", categoryKey="city.0602", regionCode="410611002001001"),
    )
    _, township_a = await factories.signed_in("township_centre", "410611001")
    _, district = await factories.signed_in("district_command", "410611")

    mine = await gql(client, LIST, {}, token=township_a)
    everything = await gql(client, LIST, {}, token=district)
    city_only = await gql(client, LIST, {"filter": {"categoryKey": "city"}}, token=district)
    disputes = await gql(
        client, LIST, {"filter": {"categoryKey": "dispute.02", "text": "噪音"}}, token=district
    )

    assert {e["node"]["regionCode"] for e in mine["data"]["events"]["edges"]} == {"410611001001001"}
    assert mine["data"]["events"]["totalCount"] == 2
    assert everything["data"]["events"]["totalCount"] == 3
    assert city_only["data"]["events"]["totalCount"] == 2
    assert [e["node"]["category"]["name"] for e in disputes["data"]["events"]["edges"]] == [
        "用水排水通行通风采光"
    ]


async def test_my_tasks_show_what_waits_for_me(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker_token = await factories.signed_in("grid_worker", "410611001001001")
    first = (await run(client, REPORT, worker_token, input=report_input()))["event"]["uuid"]
    second = (await run(client, REPORT, worker_token, input=report_input(title="second")))["event"][
        "uuid"
    ]
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    handler = await factories.user("grid_worker", "410611001001001")
    handler_token = await factories.token_for(handler)
    await run(client, FILE, grid_leader, id=first)
    await run(client, ASSIGN, grid_leader, id=first, department=None, user=str(handler.id))
    tasks = "{ myTasks { edges { node { uuid status } } } }"

    leader_tasks = await gql(client, tasks, token=grid_leader)
    handler_tasks = await gql(client, tasks, token=handler_token)

    assert [e["node"]["uuid"] for e in leader_tasks["data"]["myTasks"]["edges"]] == [second]
    assert [e["node"] for e in handler_tasks["data"]["myTasks"]["edges"]] == [
        {"uuid": first, "status": "ASSIGNED"}
    ]


async def _many_events(count: int) -> None:
    """`count` events spread over the test city's grids, straight in SQL."""
    grids = [code for code in factories.TREE if len(code) == 15]
    connection = connections.get("default")
    await connection.execute_script(
        f"""
        INSERT INTO events (id, case_number, title, description, category_key, source, priority,
            status, region_code, city_code, district_code, township_code, community_code,
            handling_region_code, handling_level, due_by_stage, card,
            rework_count, escalation_count, warning_level, version, reported_at, updated_at)
        SELECT gen_random_uuid(), 'BULK-' || i, 'event ' || i, '', 'city.0502', 'grid_patrol', 'normal',
            (ARRAY['reported','filed','assigned','closed'])[1 + i % 4],
            g.code, left(g.code, 4), left(g.code, 6), left(g.code, 9), left(g.code, 12),
            g.code, 'grid', '{{}}', 'none', 0, 0, 0, 1,
            now() - (i || ' minutes')::interval, now()
        FROM generate_series(1, {count}) AS i
        JOIN LATERAL (SELECT (ARRAY{json.dumps(grids).replace('"', "'")})[1 + i % {len(grids)}] AS code) g ON true;
        ANALYZE events;
        """
    )


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Record every SQL statement sent to PostgreSQL, through tortoise or straight on the driver
    (instrumentation, not a stand-in)."""
    seen: list[str] = []
    names = ("execute", "executemany", "fetch", "fetchrow", "fetchval")
    originals = {name: getattr(asyncpg.Connection, name) for name in names}

    def wrap(name: str):  # type: ignore[no-untyped-def]
        original = originals[name]

        async def counted(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(query)
            return await original(self, query, *args, **kwargs)

        return counted

    for name in originals:
        setattr(asyncpg.Connection, name, wrap(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(asyncpg.Connection, name, original)


@pytest.mark.slow
async def test_listing_under_a_district_takes_a_bounded_number_of_statements(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await _many_events(100_000)
    police = await factories.department("410611")
    await (
        Event.filter(region_code__startswith="410611001")
        .limit(1000)
        .update(assignee_department_id=police.id)
    )
    _, district = await factories.signed_in("district_command", "410611")
    counts = []
    for first in (5, 50, 100):
        with counting_statements() as statements:
            body = await gql(
                client, LIST, {"filter": {"regionCode": "410611"}, "first": first}, token=district
            )
        assert len(body["data"]["events"]["edges"]) == first
        counts.append(len(statements))

    # session + roles, the page, the count, then one query per relation (timeline, category,
    # department): the same whatever the page size
    assert counts[0] == counts[1] == counts[2] <= 8, counts


@pytest.mark.slow
async def test_subtree_listing_uses_the_path_index(db: None) -> None:
    await factories.region_tree()
    await _many_events(100_000)
    connection = connections.get("default")

    async def plan_of(scope: str) -> list[dict[str, Any]]:
        """The plan of the statement the list runs for a page of everything in `scope`."""
        actor = Principal(username="x", assignments=(Assignment("district_command", scope),))
        sql, values, _ = list_statement(
            actor=actor, page=PageRequest(first=50, after=None), filters=EventFilter()
        )
        return await connection.execute_query_dict("EXPLAIN (FORMAT JSON) " + sql, values)

    district = await plan_of("410611")
    township = await plan_of("410611002")

    district_nodes = plan_nodes(district[0]["QUERY PLAN"])
    township_nodes = plan_nodes(township[0]["QUERY PLAN"])
    # The page comes straight off the path index, in order: no scan of the table, no sort.
    assert ("Index Scan", "events_by_district") in district_nodes, district_nodes
    assert ("Index Scan", "events_by_township") in township_nodes, township_nodes
    assert not {kind for kind, _ in district_nodes} & {"Seq Scan", "Sort"}, district_nodes


def plan_nodes(plan: object) -> list[tuple[str, str | None]]:
    """(node type, index name) of every node of an EXPLAIN (FORMAT JSON) plan."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    if isinstance(plan, list):
        return [node for item in plan for node in plan_nodes(item)]
    assert isinstance(plan, dict)
    node = plan.get("Plan", plan)
    found = [(node["Node Type"], node.get("Index Name"))]
    for child in node.get("Plans", []):
        found += plan_nodes(child)
    return found
