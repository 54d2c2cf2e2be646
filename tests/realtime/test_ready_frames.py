"""The live-feed fast path (api.feeds.wire): a frame encoded once per selection and operation id
and written as the same bytes to every subscriber is exactly what the ordinary path sends."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator

import httpx
import pytest

from api.settings import Settings
from tests import factories
from tests.realtime.conftest import api_env
from tests.realtime.servers import ApiProcess, Feed, start_api
from tests.realtime.test_event_feed import CHANGES, _report

# The same feed with another selection: a group of its own, in the same process.
TITLES = """
subscription($scope: String!) { eventChanges(scope: $scope) { sequence event { title } } }
"""


@pytest.fixture(scope="module")
def fast_and_stock(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiProcess, ApiProcess]]:
    """One process as `gridgov serve` runs it, one on uvicorn's own wsproto protocol (no fast
    path: every frame goes through Strawberry)."""
    logs = tmp_path_factory.mktemp("api-logs")
    fast = start_api(api_env(settings), logs)
    stock = start_api(api_env(settings), logs, "--ws", "wsproto")
    yield fast, stock
    fast.stop()
    stock.stop()


async def _ready_frames(api: ApiProcess) -> float:
    async with httpx.AsyncClient(base_url=api.http) as http:
        text = (await http.get("/metrics")).text
    found = re.search(r"^gridgov_feed_ready_frames_total (\S+)$", text, re.MULTILINE)
    assert found, text[:2000]
    return float(found.group(1))


async def _raw_next(feed: Feed) -> str:
    while True:
        raw = await asyncio.wait_for(feed.socket.recv(), 10)
        if json.loads(raw)["type"] == "next":
            return str(raw)


async def test_ready_frames_are_the_bytes_the_ordinary_path_sends(
    db: None, settings: Settings, fast_and_stock: tuple[ApiProcess, ApiProcess]
) -> None:
    fast, stock = fast_and_stock
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", "410611001")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    variables = {"scope": "410611001"}
    on_fast = [Feed(fast.ws, township) for _ in range(4)]
    on_stock = [Feed(stock.ws, township) for _ in range(2)]
    titles = Feed(fast.ws, township)
    for feed in [*on_fast, *on_stock]:
        await feed.open(CHANGES, variables)
    await titles.open(TITLES, variables)
    await asyncio.sleep(0.5)  # every subscription live
    before = await _ready_frames(fast)

    reported = [await _report(stock, worker, title=f"Frame {i}") for i in range(3)]

    for i, event in enumerate(reported):
        frames = [await _raw_next(feed) for feed in [*on_fast, *on_stock]]
        # byte for byte what Strawberry sends, to every subscriber of the selection
        assert len(set(frames)) == 1, frames
        change = json.loads(frames[0])["payload"]["data"]["eventChanges"]
        assert change["event"]["uuid"] == event["uuid"]
        other = json.loads(await _raw_next(titles))["payload"]["data"]["eventChanges"]
        assert other == {"sequence": change["sequence"], "event": {"title": f"Frame {i}"}}
    # Every change went out as a ready frame for CHANGES' group of four (made in the hub's
    # reader, or by the first subscriber's ordinary delivery when the caller's sign-in was due
    # for a check), and for TITLES' one subscriber too when the reader made it.
    made = await _ready_frames(fast) - before
    if settings.gridgov_fast_execution:
        assert len(reported) <= made <= 2 * len(reported)
    else:  # the fast layer off (CI's second pass): every frame through Strawberry
        assert made == 0
    for feed in [*on_fast, *on_stock, titles]:
        await feed.close()
