"""eventChanges across processes: scope, resume with `after`, a Redis restart mid-stream."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests import factories
from tests.events.helpers import REPORT, report_input
from tests.realtime.servers import ApiProcess, Feed

CHANGES = """
subscription($scope: String!, $after: Int) {
  eventChanges(scope: $scope, after: $after) {
    sequence action actorLabel event { uuid caseNumber status regionCode handlingRegionCode version }
  }
}"""


async def _report(api: ApiProcess, token: str, **overrides: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=api.http) as http:
        response = await http.post(
            "/graphql",
            json={"query": REPORT, "variables": {"input": report_input(**overrides)}},
            headers={"Authorization": f"Bearer {token}"},
        )
    result = response.json()["data"]["reportEvent"]
    assert result["__typename"] == "EventPayload", result
    return result["event"]


def _change(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]["eventChanges"]


async def test_a_change_through_one_process_reaches_a_subscriber_on_the_other(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    first, second = two_apis
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", "410611001")
    _, worker_a = await factories.signed_in("grid_worker", "410611001001001")
    _, worker_b = await factories.signed_in("grid_worker", "410611002001001")
    feed = Feed(second.ws, township)
    await feed.open(CHANGES, {"scope": "410611001"})
    await asyncio.sleep(0.3)  # the subscription is live on B

    elsewhere = await _report(first, worker_b, regionCode="410611002001001")
    mine = await _report(first, worker_a)

    change = _change(await feed.next())
    assert change["event"]["uuid"] == mine["uuid"] != elsewhere["uuid"]
    assert change["action"] == "REPORT" and change["event"]["status"] == "REPORTED"
    await feed.close()


async def test_resuming_with_after_delivers_exactly_what_was_missed(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    first, second = two_apis
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", "410611001")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    feed = Feed(second.ws, township)
    await feed.open(CHANGES, {"scope": "410611001"})
    await asyncio.sleep(0.3)
    await _report(first, worker, title="first")
    seen = _change(await feed.next())["sequence"]
    await feed.close()

    missed = [(await _report(first, worker, title=f"missed {i}"))["uuid"] for i in range(3)]
    await asyncio.sleep(0.3)
    resumed = Feed(second.ws, township)
    await resumed.open(CHANGES, {"scope": "410611001", "after": seen})
    replayed = [_change(await resumed.next()) for _ in missed]
    live = await _report(first, worker, title="live")
    after_replay = _change(await resumed.next())

    assert [c["event"]["uuid"] for c in replayed] == missed
    sequences = [c["sequence"] for c in replayed] + [after_replay["sequence"]]
    assert sequences == sorted(set(sequences)) and sequences[0] > seen
    assert after_replay["event"]["uuid"] == live["uuid"]
    with pytest.raises(TimeoutError):
        await resumed.next(timeout=0.5)  # nothing twice
    await resumed.close()
