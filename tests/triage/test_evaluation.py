"""`gridgov evaluate-intake`'s figures on a database whose merges are the truth, and its spike
report against a workload's injected spikes."""

from __future__ import annotations

from datetime import timedelta

import httpx

from api import clock
from api.domains.events.models import Event
from api.domains.hierarchy.models import Region
from api.intake_workload import SPIKE_MARK, evaluate, evaluate_spikes
from tests import factories
from tests.triage.helpers import DISTRICT, GRID, merge, near, report, staff_token
from tests.triage.test_spikes import JINSHAN, TAOYUAN, _reports


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
    assert figures.spikes.warnings == 0 and figures.spikes.injected is None


async def test_spike_warnings_replayed_against_the_injected_truth(db: None) -> None:
    await factories.region_tree()
    weekly = [7.5 + 7 * week for week in range(8)]  # one a week over the eight weeks before
    await _reports(JINSHAN + "001", "city.0502", [*weekly, 0.2, 0.5, 1, 2, 3, 4])
    await _reports(TAOYUAN + "001", "city.0502", [*weekly, 0.3, 0.6, 1.5, 2.5, 3.5, 4.5])
    await _reports(TAOYUAN + "001", "city.0102", [1, 2])
    # the workload's case numbers: JINSHAN's burst is the injected spike, TAOYUAN's is not
    recent = clock.now() - timedelta(days=4, hours=1)
    for n, event in enumerate(await Event.all().order_by("reported_at")):
        injected = event.community_code == JINSHAN and event.reported_at > recent
        mark = SPIKE_MARK if injected else ""
        await Event.filter(id=event.id).update(case_number=f"W9-{mark}{n:07d}")
    districts = await Region.filter(level="district").count()
    now = clock.now()

    measured = await evaluate_spikes(since=now - timedelta(days=7), until=now, case_prefix="W9-")
    counted = await evaluate_spikes(since=now - timedelta(days=7), until=now, case_prefix=None)

    assert (measured.warnings, measured.injected, measured.found) == (2, 1, 1)
    assert measured.false_warnings == 1 and measured.district_weeks == districts
    assert measured.false_per_district_week == round(1 / districts, 2)
    # warned at the first hourly run after the sixth event (4.8 h ago), four days after the first
    assert measured.median_delay_hours is not None and 91 <= measured.median_delay_hours <= 96
    assert (counted.warnings, counted.injected, counted.false_warnings) == (2, None, None)
