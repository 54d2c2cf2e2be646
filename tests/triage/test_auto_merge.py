"""重复件合并 by rule: above a category's `merge_score` the worker merges a report into the earlier
event it repeats; off without such a rule; the desk's un-merge is final."""

from __future__ import annotations

import httpx

from api.domains.events.models import Event
from api.domains.triage import service
from api.domains.triage.models import DuplicateRule
from tests import factories
from tests.factories import gql
from tests.triage.helpers import DISTRICT, EVENT, GRID, UNMERGE, near, report, staff_token
from workers.triage import merge_duplicates


async def _merged() -> dict[str, str]:
    rows = await Event.filter(merged_into_id__isnull=False).values_list("id", "merged_into_id")
    return {str(report): str(main) for report, main in rows}


async def test_the_worker_merges_above_a_rules_score_and_leaves_the_rest_to_the_desk(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    first = (await report(client, worker))["event"]
    again = (await report(client, worker, location=near(40, 0)))["event"]["uuid"]
    alike = (await report(client, worker, title="水管漏水", description="九州路小区门口水管漏水"))[
        "event"
    ]["uuid"]
    far = (await report(client, worker, location=near(400, 0)))["event"]["uuid"]
    lamp = {"categoryKey": "city.0602", "title": "路灯不亮", "description": "黄山路路灯整晚不亮"}
    lamp_first = (await report(client, worker, **lamp))["event"]["uuid"]
    lamp_again = (await report(client, worker, **lamp))["event"]["uuid"]

    # No rule sets a merge score: the desk decides everything.
    assert await merge_duplicates({}) == 0

    # Burst mains: a report at least 0.9 alike is merged into the earlier one.
    await DuplicateRule.create(category_key="city.0402", merge_score=0.9)
    service.forget_reference()
    assert await merge_duplicates({}) == 1
    assert await _merged() == {again: first["uuid"]}
    seen = await gql(client, EVENT, {"id": again}, token=dispatcher)
    assert seen["data"]["event"]["mergedIntoId"] == first["uuid"]
    entry = seen["data"]["event"]["timeline"][-1]
    assert entry["action"] == "MERGE"
    assert entry["note"] == f"自动并入 {first['caseNumber']}（文本相似度 1.00）"
    assert await merge_duplicates({}) == 0  # nothing more: the alike one, the far one stay
    assert alike not in await _merged() and far not in await _merged()

    # The desk un-merges it: the rule does not merge it again.
    undone = await gql(client, UNMERGE, {"report": again}, token=dispatcher)
    assert undone["data"]["unmergeEvent"]["__typename"] == "EventPayload"
    assert await merge_duplicates({}) == 0
    assert await _merged() == {}

    # The rule of every category sets a score: street lamps (no rule of their own) follow it.
    await DuplicateRule.create(category_key=None, merge_score=0.95)
    service.forget_reference()
    assert await merge_duplicates({}) == 1
    assert await _merged() == {lamp_again: lamp_first}
