"""myApprovalTasks and the applications list read from an index, not the whole table."""

from __future__ import annotations

import json
from typing import Any

from tortoise import connections

from api.auth import Assignment, Principal
from api.domains.approvals.models import Application
from api.domains.approvals.service import readable_applications, task_filter
from tests import factories
from tests.approvals import bulk


def _plan_nodes(plan: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(node type, index name) of every node of an EXPLAIN (FORMAT JSON) plan."""
    found = [(plan["Node Type"], plan.get("Index Name"))]
    for child in plan.get("Plans", []):
        found.extend(_plan_nodes(child))
    return found


async def _plan(query: Any) -> list[tuple[str, str | None]]:
    sql = query.sql(params_inline=True)
    rows = await connections.get("default").execute_query_dict("EXPLAIN (FORMAT JSON) " + sql)
    plan = rows[0]["QUERY PLAN"]
    return _plan_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])


async def test_tasks_and_lists_use_their_indexes(db: None) -> None:
    await factories.region_tree()
    await bulk.generate(30_000)
    district = Principal(assignments=(Assignment("district_command", "410611"),))

    tasks = Application.filter(task_filter(district)).order_by("due_at", "id").limit(21)
    task_plan = await _plan(tasks)
    assert ("Index Scan", "applications_tasks") in task_plan, task_plan
    assert not any(node == "Seq Scan" for node, _ in task_plan), task_plan

    newest = (
        Application.filter(readable_applications(district)).order_by("-created_at", "-id").limit(21)
    )
    list_plan = await _plan(newest)
    assert any(index in ("applications_newest", "applications_region") for _, index in list_plan), (
        list_plan
    )
    assert not any(node == "Seq Scan" for node, _ in list_plan), list_plan
