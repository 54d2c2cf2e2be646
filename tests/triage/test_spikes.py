"""预警: the worker warns the centres above a community whose count of a category spiked against
its own usual rate, once per spike; the warning carries its evidence and is acknowledged once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from api import clock
from api.auth import Assignment, Principal
from api.domains.events import service as events
from api.domains.events.models import Event
from api.domains.notices.models import Notice
from api.domains.triage.models import SpikeRule, SpikeWarning
from api.domains.triage.spikes import judge, tail
from api.outbox import OutboxMessage
from tests import factories
from tests.factories import error_codes, gql
from workers.triage import detect_spikes

JINSHAN = "410611001001"  # 金山社区: 6 disputes this week, one a week before
TAOYUAN = "410611001010"  # 桃园社区: as usual
LIST = (
    "query($region: String!, $open: Boolean) { spikeWarnings(regionCode: $region, openOnly: $open)"
    " { totalCount edges { node { id regionCode categoryKey count baseline baselineDays pValue"
    " acknowledgedBy note } } } }"
)
ACKNOWLEDGE = (
    "mutation($id: ID!, $note: String!) { acknowledgeSpikeWarning(id: $id, note: $note) {"
    " __typename ... on SpikeWarningPayload { warning { acknowledgedBy note } }"
    " ... on Error { code field } } }"
)


async def _reports(grid: str, category: str, days_ago: list[float]) -> None:
    worker = Principal(
        user_id=uuid.uuid4(), username="worker", assignments=(Assignment("grid_worker", grid),)
    )
    for age in days_ago:
        event = await events.report(
            actor=worker,
            data=events.ReportInput(
                title="邻里纠纷", description="", category_key=category, region_code=grid
            ),
        )
        await Event.filter(id=event.id).update(reported_at=clock.now() - timedelta(days=age))


async def test_a_spike_is_warned_once_with_its_evidence_and_acknowledged_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    township, township_token = await factories.signed_in("township_centre", "410611001")
    district, district_token = await factories.signed_in("district_command", "410611")
    staff, staff_token = await factories.signed_in("community_staff", JINSHAN)
    _, elsewhere = await factories.signed_in("district_command", "410602")
    weekly = [7.5 + 7 * week for week in range(8)]  # one a week over the eight weeks before
    await _reports(JINSHAN + "001", "city.0502", [*weekly, 0.2, 0.5, 1, 2, 3, 4])
    await _reports(TAOYUAN + "001", "city.0502", [*weekly, 1, 3])
    # a category new to the community: three at once is not yet a spike (the rate's floor)
    await _reports(JINSHAN + "001", "city.0601", [1, 2, 3])

    first = await detect_spikes({})
    again = await detect_spikes({})
    listed = await gql(client, LIST, {"region": "410611", "open": True}, token=district_token)
    refused = await gql(client, LIST, {"region": "410611", "open": True}, token=elsewhere)
    warning_id = listed["data"]["spikeWarnings"]["edges"][0]["node"]["id"]
    by_staff = await gql(client, ACKNOWLEDGE, {"id": warning_id, "note": "x"}, token=staff_token)
    from_elsewhere = await gql(
        client, ACKNOWLEDGE, {"id": warning_id, "note": "x"}, token=elsewhere
    )
    taken = await gql(
        client, ACKNOWLEDGE, {"id": warning_id, "note": "已派员排查"}, token=township_token
    )
    twice = await gql(client, ACKNOWLEDGE, {"id": warning_id, "note": ""}, token=district_token)
    still_open = await gql(client, LIST, {"region": "410611", "open": True}, token=district_token)
    all_of_them = await gql(client, LIST, {"region": JINSHAN, "open": False}, token=staff_token)

    assert (first, again) == (1, 0)
    node = listed["data"]["spikeWarnings"]["edges"][0]["node"]
    assert listed["data"]["spikeWarnings"]["totalCount"] == 1
    assert (node["regionCode"], node["categoryKey"], node["count"]) == (JINSHAN, "city.0502", 6)
    assert (node["baseline"], node["baselineDays"]) == (1.0, 56)
    assert node["pValue"] == tail(6, 1.0) and node["pValue"] < 0.001
    told = await Notice.filter(kind="spike_warning").values_list("user_id", flat=True)
    assert sorted(told) == sorted([township.id, district.id])  # the centres above, not its staff
    assert staff.id not in told
    # each notice is pushed live: one message on each centre's own notices feed
    live = await OutboxMessage.filter(topic="notice").values_list("user_id", "payload")
    spike_pushes = [user for user, body in live if body.get("kind") == "spike_warning"]
    assert sorted(spike_pushes) == sorted([township.id, district.id])
    assert error_codes(refused) == ["NOT_FOUND"]
    assert error_codes(by_staff) == ["FORBIDDEN"]
    assert from_elsewhere["data"]["acknowledgeSpikeWarning"]["__typename"] == "NotFoundError"
    assert taken["data"]["acknowledgeSpikeWarning"]["warning"] == {
        "acknowledgedBy": township.username,
        "note": "已派员排查",
    }
    assert twice["data"]["acknowledgeSpikeWarning"] == {
        "__typename": "ConflictError",
        "code": "INVALID_TRANSITION",
        "field": "id",
    }
    assert still_open["data"]["spikeWarnings"]["totalCount"] == 0
    assert all_of_them["data"]["spikeWarnings"]["totalCount"] == 1


async def test_a_category_rule_makes_the_warning_stricter(db: None) -> None:
    await factories.region_tree()
    await SpikeRule.create(category_key="city.0502", min_count=10)
    await _reports(JINSHAN + "001", "city.0502", [0.5, 1, 1.5, 2, 2.5, 3])

    assert await detect_spikes({}) == 0
    assert not await SpikeWarning.exists()


def test_the_rule_itself() -> None:
    defaults = {None: SpikeRule(window_hours=168, baseline_days=56, min_count=3, max_p=0.01)}
    counts = {("a", "x"): 6, ("b", "x"): 2, ("c", "x"): 3, ("d", "x"): 9}
    history = {("a", "x"): 8, ("b", "x"): 8, ("d", "x"): 40}  # d: usually five a week

    found = judge(counts, history, defaults)

    # a: 6 against 1 a week; c: 3 with no history (floor 0.5) is p 0.014; d: 9 against 5 is p 0.07
    assert [(f.region_code, f.count, f.baseline) for f in found] == [("a", 6, 1.0)]
    assert abs(tail(3, 0.5) - 0.01439) < 1e-5
    assert tail(0, 2.0) == 1.0
