"""Notices and positions through the API and their feeds; feed limits and token expiry."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from api import clock
from api.domains.hierarchy.models import Department
from api.realtime import FeedInterrupted, Inbox, Listener
from tests import factories
from tests.events.helpers import ASSIGN, ESCALATE, FILE, REPORT, SUPERVISE, report_input, run
from tests.factories import gql
from tests.realtime.servers import ApiProcess, Feed

NOTICES = "subscription($after: Int) { notices(after: $after) { sequence kind title eventId } }"
POSITIONS = (
    "subscription($scope: String!) { workerPositions(scope: $scope) { name regionCode lat lng } }"
)
REPORT_POSITION = """
mutation($lat: Float!, $lng: Float!, $at: DateTime!) {
  reportPosition(lat: $lat, lng: $lng, accuracy: 8, at: $at) { __typename ... on Error { code field } }
}"""


async def test_supervision_notifies_the_holder_and_assignee(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    police = await Department.create(region_code="410611", code="police", name="公安分局")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    staff, staff_token = await factories.signed_in(
        "department_staff", "410611", department_id=police.id
    )
    _, leader = await factories.signed_in("leader", "410611")
    event_id = (await run(client, REPORT, worker, input=report_input()))["event"]["uuid"]
    await run(client, FILE, grid_leader, id=event_id)
    await run(client, SUPERVISE, leader, id=event_id, note="请尽快派遣")
    mine = "{ myNotices(unreadOnly: true) { totalCount edges { node { id kind title } } } }"

    leader_notices = await gql(client, mine, token=grid_leader)
    staff_notices = await gql(client, mine, token=staff_token)

    assert [e["node"]["kind"] for e in leader_notices["data"]["myNotices"]["edges"]] == [
        "supervision"
    ]
    assert staff_notices["data"]["myNotices"]["totalCount"] == 0
    marked = await gql(
        client,
        "mutation { markNoticesRead { __typename ... on MarkNoticesReadPayload { marked } } }",
        token=grid_leader,
    )
    assert marked["data"]["markNoticesRead"]["marked"] == 1
    assert (await gql(client, mine, token=grid_leader))["data"]["myNotices"]["totalCount"] == 0
    del staff


async def test_a_dispatch_reaches_the_department_staffs_notice_feed(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    first, second = two_apis
    await factories.region_tree()
    police = await Department.create(region_code="410611001", code="police", name="派出所")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, township = await factories.signed_in("township_centre", "410611001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    _, staff = await factories.signed_in("department_staff", "410611001", department_id=police.id)
    async with httpx.AsyncClient(base_url=first.http) as http:
        event_id = (await run(http, REPORT, worker, input=report_input()))["event"]["uuid"]
        await run(http, FILE, grid_leader, id=event_id)
        await run(http, ESCALATE, grid_leader, id=event_id, note="转社区")
    # held by the community now; escalate once more to the township, which dispatches
    _, community = await factories.signed_in("community_staff", "410611001001")
    feed = Feed(second.ws, staff)
    await feed.open(NOTICES, {})
    await asyncio.sleep(0.3)
    async with httpx.AsyncClient(base_url=first.http) as http:
        await run(http, ESCALATE, community, id=event_id, note="转街道")
        await run(http, ASSIGN, township, id=event_id, department=str(police.id), user=None)

    message = await feed.next()
    assert message["type"] == "next", message
    notice = message["payload"]["data"]["notices"]
    assert notice["kind"] == "dispatch" and notice["eventId"] == event_id
    await feed.close()


async def test_positions_reach_the_centre_above_and_the_latest_is_queryable(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    first, second = two_apis
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, township = await factories.signed_in("township_centre", "410611001")
    _, other_township = await factories.signed_in("township_centre", "410611002")
    feed = Feed(second.ws, township)
    await feed.open(POSITIONS, {"scope": "410611001"})
    outsider = Feed(second.ws, other_township)
    await outsider.open(POSITIONS, {"scope": "410611002"})
    await asyncio.sleep(0.3)

    async with httpx.AsyncClient(base_url=first.http) as http:
        at = clock.now().isoformat()
        stored = await gql(
            http, REPORT_POSITION, {"lat": 35.741, "lng": 114.298, "at": at}, token=worker
        )
        stale = await gql(
            http,
            REPORT_POSITION,
            {"lat": 35.741, "lng": 114.298, "at": (clock.now() - timedelta(days=1)).isoformat()},
            token=worker,
        )
        latest = await gql(
            http,
            '{ latestWorkerPositions(scope: "410611001") { regionCode lat lng } }',
            token=township,
        )

    assert stored["data"]["reportPosition"]["__typename"] == "PositionPayload"
    assert stale["data"]["reportPosition"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "at",
    }
    assert latest["data"]["latestWorkerPositions"] == [
        {"regionCode": "410611001001001", "lat": 35.741, "lng": 114.298}
    ]
    live = await feed.next()
    assert live["payload"]["data"]["workerPositions"]["regionCode"] == "410611001001001"
    with pytest.raises(TimeoutError):
        await outsider.next(timeout=0.5)
    await feed.close()
    await outsider.close()


async def test_a_feed_ends_when_the_token_expires(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    _, second = two_apis
    await factories.region_tree()
    account = await factories.user("township_centre", "410611001")
    token = await factories.token_for(account, ttl=timedelta(seconds=2))
    feed = Feed(second.ws, token)
    await feed.open('subscription { eventChanges(scope: "410611001") { sequence } }', {})

    ended = await feed.next(timeout=10)

    errors = ended["payload"]["errors"] if ended["type"] == "next" else ended["payload"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", ended
    await feed.close()


async def test_subscriptions_per_connection_are_capped(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    _, second = two_apis
    await factories.region_tree()
    _, token = await factories.signed_in("township_centre", "410611001")
    async with websockets.connect(second.ws, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    # the English message asserted below (the default is zh-CN)
                    "payload": {"authorization": f"Bearer {token}", "acceptLanguage": "en"},
                }
            )
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for i in range(21):
            await ws.send(
                json.dumps(
                    {
                        "id": str(i),
                        "type": "subscribe",
                        "payload": {
                            "query": 'subscription { eventChanges(scope: "410611001") { sequence } }'
                        },
                    }
                )
            )
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        while refused["type"] in {"ping", "pong"}:
            refused = json.loads(await asyncio.wait_for(ws.recv(), 10))

    assert refused["id"] == "20", refused
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"] == {"code": "LIMIT_EXCEEDED"}, refused
    assert "at most 20 subscriptions" in errors[0]["message"]


def test_a_slow_subscriber_is_cut_off_with_bounded_memory() -> None:
    listener = Listener(Inbox(3))
    for sequence in range(1, 10):
        listener.offer({"sequence": sequence})

    item = listener.queue.get_nowait()
    assert isinstance(item, FeedInterrupted) and "too slow" in str(item)
    assert listener.queue.empty() and listener.failed


async def test_websocket_origins_are_checked(db: None, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.realtime.conftest import api_env
    from tests.realtime.servers import start_api

    api = start_api(
        {**api_env(settings), "GRIDGOV_ALLOWED_ORIGINS": '["https://gridgov.example.org"]'},
        tmp_path,
    )
    try:
        with pytest.raises((ConnectionClosed, websockets.exceptions.InvalidStatus)):
            async with websockets.connect(
                api.ws, subprotocols=["graphql-transport-ws"], origin="https://evil.example.com"
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                await ws.recv()
        async with websockets.connect(
            api.ws, subprotocols=["graphql-transport-ws"], origin="https://gridgov.example.org"
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            with pytest.raises(ConnectionClosed):
                await ws.recv()  # allowed origin, no credentials: refused by sign-in, not origin
    finally:
        api.stop()
