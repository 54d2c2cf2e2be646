"""Every refusal and ending of a subscription carries `extensions.code` (README, "Live feeds"):
INVALID (with the field), NOT_FOUND, FORBIDDEN, LIMIT_EXCEEDED, FEED_INTERRUPTED (with
`lastSequence`, also when Redis is away at subscribe time) and UNAUTHENTICATED on expiry (in
test_notices_and_positions). The app runs without its lifespan (`ws_url`): its hub never connects,
as when Redis is away when a process starts."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.realtime.servers import Feed

CHANGES = "subscription($scope: String!, $after: Int) { eventChanges(scope: $scope, after: $after) { sequence } }"
PROGRESS = "subscription($id: ID!) { importProgress(jobId: $id) { state } }"


async def _ending(url: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    feed = Feed(url, token)
    try:
        await feed.open(query, variables)
        message = await feed.next(timeout=10)
    finally:
        await feed.close()
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert len(errors) == 1, message
    return dict(errors[0]["extensions"])


async def test_each_refusal_and_ending_carries_a_code(ws_url: str) -> None:
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", "410611001")
    _, citizen = await factories.signed_in("citizen", "4106")

    cases = [
        (township, CHANGES, {"scope": "41x"}, {"code": "INVALID", "field": "scope"}),
        (
            township,
            CHANGES,
            {"scope": "410611001", "after": -1},
            {"code": "INVALID", "field": "after"},
        ),
        (township, CHANGES, {"scope": "4106"}, {"code": "NOT_FOUND"}),  # above the assignment
        (township, CHANGES, {"scope": "410611002"}, {"code": "NOT_FOUND"}),  # a sibling
        (citizen, CHANGES, {"scope": "4106"}, {"code": "FORBIDDEN"}),
        (township, PROGRESS, {"id": "not-a-job"}, {"code": "NOT_FOUND", "field": "jobId"}),
        (
            township,
            PROGRESS,
            {"id": "00000000-0000-4000-8000-000000000000"},
            {"code": "NOT_FOUND", "field": "jobId"},
        ),
        # Redis unreachable when subscribing: the client retries shortly from `after`
        (
            township,
            CHANGES,
            {"scope": "410611001", "after": 41},
            {"code": "FEED_INTERRUPTED", "lastSequence": 41},
        ),
        (
            township,
            CHANGES,
            {"scope": "410611001"},
            {"code": "FEED_INTERRUPTED", "lastSequence": 0},
        ),
    ]
    for token, query, variables, expected in cases:
        assert await _ending(ws_url, token, query, variables) == expected, variables


async def test_the_21st_subscription_on_a_connection_is_refused_with_limit_exceeded(
    ws_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schema.realtime import subscriptions

    monkeypatch.setattr(subscriptions, "MAX_SUBSCRIPTIONS_PER_CONNECTION", 0)
    await factories.region_tree()
    _, token = await factories.signed_in("township_centre", "410611001")

    refused = await _ending(ws_url, token, CHANGES, {"scope": "410611001"})

    assert refused == {"code": "LIMIT_EXCEEDED"}
