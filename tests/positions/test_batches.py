"""A phone's buffered track sent at once: valid fixes kept, invalid ones listed, a re-sent track
stored once (also six copies at once), the latest position moved only by a newer fix."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.positions.models import LatestPosition, WorkerPosition
from tests import factories
from tests.factories import gql

GRID = "410611001001001"
BATCH = (
    "mutation($fixes: [PositionFixInput!]!) { reportPositions(fixes: $fixes) { __typename"
    " ... on PositionBatchPayload { stored repeated rejected { index field message }"
    " newest { lat lng at } }"
    " ... on Error { code field } } }"
)
LATEST = '{ latestWorkerPositions(scope: "410611001") { lat lng at } }'


def fix(minutes_ago: float, lat: float = 35.741, lng: float = 114.298) -> dict[str, Any]:
    at = clock.now().replace(microsecond=0) - timedelta(minutes=minutes_ago)
    return {"lat": lat, "lng": lng, "accuracy": 8, "at": at.isoformat()}


async def test_a_buffered_track_keeps_the_valid_fixes_and_lists_the_rest(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    worker, token = await factories.signed_in("grid_worker", GRID)
    _, township = await factories.signed_in("township_centre", "410611001")
    track = [fix(600 - 30 * i / 60, lat=35.74 + i / 10_000) for i in range(120)]  # 10 h ago on
    track[3] = {**track[3], "lat": 91}
    track[7] = {**track[7], "accuracy": -1}
    track[9] = fix(60 * 25)  # older than a day
    track[11] = fix(-10)  # ten minutes in the future

    sent = await gql(client, BATCH, {"fixes": track}, token=token)
    again = await gql(client, BATCH, {"fixes": track}, token=token)
    latest = await gql(client, LATEST, token=township)

    result = sent["data"]["reportPositions"]
    assert result["__typename"] == "PositionBatchPayload"
    assert (result["stored"], result["repeated"]) == (116, 0)
    assert [(r["index"], r["field"]) for r in result["rejected"]] == [
        (3, "lat"),
        (7, "accuracy"),
        (9, "at"),
        (11, "at"),
    ]
    assert result["newest"]["lat"] == track[119]["lat"]
    assert again["data"]["reportPositions"]["stored"] == 0
    assert again["data"]["reportPositions"]["repeated"] == 116
    assert await WorkerPosition.filter(user_id=worker.id).count() == 116
    assert latest["data"]["latestWorkerPositions"] == [
        {"lat": track[119]["lat"], "lng": 114.298, "at": track[119]["at"]}
    ]


async def test_six_copies_of_a_track_at_once_store_it_once(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker, token = await factories.signed_in("grid_worker", GRID)
    track = [fix(60 - i) for i in range(50)]

    results = await asyncio.gather(
        *(gql(client, BATCH, {"fixes": track}, token=token) for _ in range(6))
    )

    stored = [r["data"]["reportPositions"]["stored"] for r in results]
    repeated = [r["data"]["reportPositions"]["repeated"] for r in results]
    assert sum(stored) == 50
    assert [s + r for s, r in zip(stored, repeated, strict=True)] == [50] * 6
    assert await WorkerPosition.filter(user_id=worker.id).count() == 50
    latest = await LatestPosition.get(user_id=worker.id)
    assert latest.at.isoformat() == track[49]["at"]


async def test_a_late_older_track_does_not_move_the_latest_position(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    worker, token = await factories.signed_in("grid_worker", GRID)
    _, township = await factories.signed_in("township_centre", "410611001")
    now = fix(1, lat=35.75)
    await gql(client, BATCH, {"fixes": [now]}, token=token)

    late = await gql(client, BATCH, {"fixes": [fix(120 - i) for i in range(10)]}, token=token)
    latest = await gql(client, LATEST, token=township)

    assert late["data"]["reportPositions"]["stored"] == 10
    assert latest["data"]["latestWorkerPositions"] == [
        {"lat": 35.75, "lng": 114.298, "at": now["at"]}
    ]
    assert await WorkerPosition.filter(user_id=worker.id).count() == 11


async def test_an_empty_or_oversized_batch_is_refused_whole(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker, token = await factories.signed_in("grid_worker", GRID)
    _, township = await factories.signed_in("township_centre", "410611001")

    empty = await gql(client, BATCH, {"fixes": []}, token=token)
    oversized = await gql(
        client, BATCH, {"fixes": [fix(i / 100) for i in range(1001)]}, token=token
    )
    not_a_worker = await gql(client, BATCH, {"fixes": [fix(1)]}, token=township)

    assert empty["data"]["reportPositions"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "fixes",
    }
    assert oversized["data"]["reportPositions"]["field"] == "fixes"
    assert not_a_worker["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await WorkerPosition.filter(user_id=worker.id).count() == 0


async def test_a_live_fix_sent_twice_returns_the_first_row(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker, token = await factories.signed_in("grid_worker", GRID)
    one = fix(0.5)
    query = (
        "mutation($at: DateTime!) { reportPosition(lat: 35.741, lng: 114.298, accuracy: 8,"
        " at: $at) { __typename ... on PositionPayload { position { at } } } }"
    )

    first = await gql(client, query, {"at": one["at"]}, token=token)
    second = await gql(client, query, {"at": one["at"]}, token=token)

    assert first == second
    assert first["data"]["reportPosition"]["position"]["at"] == one["at"]
    assert await WorkerPosition.filter(user_id=worker.id).count() == 1
