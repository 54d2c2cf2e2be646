"""`gridgov evaluate-intake`'s figures on a database whose merges are the truth."""

from __future__ import annotations

from datetime import timedelta

import httpx

from api import clock
from api.intake_workload import evaluate
from tests import factories
from tests.triage.helpers import DISTRICT, GRID, merge, near, report, staff_token


async def test_the_lookup_replayed_against_the_desks_merges(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    first = (await report(client, worker))["event"]["uuid"]
    again = (await report(client, worker, title="水管爆裂", location=near(30, 0)))["event"]
    # the same kind of problem nearby, another incident: its best candidate is a wrong offer
    await report(client, worker, title="自来水管破裂", location=near(0, 60))
    await report(client, worker, categoryKey="city.0602", title="路灯不亮", description="晚上很黑")
    await merge(client, dispatcher, again["uuid"], first)

    figures = await evaluate(since=clock.now() - timedelta(hours=1))

    duplicates = figures.duplicates
    assert (duplicates.reports, duplicates.with_earlier_duplicate) == (4, 1)
    assert (duplicates.offered, duplicates.correct) == (2, 1)
    assert (duplicates.precision, duplicates.recall) == (0.5, 1.0)
    assert figures.top1 is None and figures.classifier_categories == 0  # no closed history
