"""Publishing a notice to "all grid workers of 淇滨区": receipts before and after some read and
acknowledge, the laggards reminded once by the shared deadline sweep, then carded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.notices.models import Notice
from api.outbox import OutboxMessage
from tests import factories
from tests.announcements.helpers import ACKNOWLEDGE, INBOX, READ, RECEIPTS, publish
from tests.factories import gql
from workers.events import enforce_deadlines

GRID_WORKERS = {
    "410611001001001": 3,
    "410611001001010": 2,
    "410611001010001": 2,
    "410611002001001": 2,
}


async def _receipts(
    client: httpx.AsyncClient, token: str, notice_id: str, region: str | None = None
) -> dict[str, Any]:
    body = await gql(client, RECEIPTS, {"id": notice_id, "region": region}, token=token)
    assert "errors" not in body, body
    notice: dict[str, Any] = body["data"]["publishedNotice"]
    return notice


async def test_all_grid_workers_of_a_district_read_acknowledge_and_laggards_are_reminded_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    workers: list[tuple[Any, str]] = []
    for grid, count in GRID_WORKERS.items():
        for _ in range(count):
            workers.append(await factories.signed_in("grid_worker", grid))
    # not in the audience: a grid worker of another district, staff of another role
    _, outsider_token = await factories.signed_in("grid_worker", "410602001001001")
    await factories.user("community_staff", "410611001001")
    publisher, publisher_token = await factories.signed_in("district_command", "410611")
    _, city_token = await factories.signed_in("city_command", "4106")

    deadline = clock.now() + timedelta(days=2)
    published = await publish(
        client,
        publisher_token,
        requireAcknowledgement=True,
        acknowledgeBy=deadline.isoformat(),
    )
    assert published["__typename"] == "PublishNoticePayload", published
    notice_id = published["notice"]["id"]
    assert published["notice"]["recipientCount"] == 9
    assert published["notice"]["regionCode"] == "410611"

    # each recipient has a notice pushed to their live feed; no one else does
    pushes = await OutboxMessage.filter(topic="notice")
    assert len(pushes) == 9
    assert {(p.payload["kind"], p.payload["id"]) for p in pushes} == {("announcement", notice_id)}
    assert {p.user_id for p in pushes} == {account.id for account, _ in workers}
    inbox = await gql(client, INBOX, token=outsider_token)
    assert inbox["data"]["myInbox"]["totalCount"] == 0

    before = await _receipts(client, publisher_token, notice_id)
    assert before["receipts"] == {
        "recipients": 9,
        "read": 0,
        "unread": 9,
        "acknowledged": 0,
        "reminded": 0,
    }

    # two read only, three acknowledge (one of them read first)
    for _, token in workers[:2]:
        body = await gql(client, READ, {"id": notice_id}, token=token)
        assert body["data"]["readPublishedNotice"]["notice"]["readAt"] is not None
    for _, token in workers[1:4]:
        body = await gql(client, ACKNOWLEDGE, {"id": notice_id}, token=token)
        acknowledged = body["data"]["acknowledgeNotice"]["notice"]
        assert acknowledged["acknowledgedAt"] is not None and acknowledged["readAt"] is not None
    again = await gql(client, ACKNOWLEDGE, {"id": notice_id}, token=workers[1][1])
    assert again["data"]["acknowledgeNotice"]["__typename"] == "InboxNoticePayload"
    mine = await gql(client, INBOX, token=workers[3][1])
    assert mine["data"]["myInbox"]["edges"][0]["node"]["acknowledgedAt"] is not None

    after = await _receipts(client, publisher_token, notice_id)
    assert after["receipts"] == {
        "recipients": 9,
        "read": 4,
        "unread": 5,
        "acknowledged": 3,
        "reminded": 0,
    }
    # the publisher's superior sees the same; by region: 九州路街道's two have done nothing
    assert (await _receipts(client, city_token, notice_id))["receipts"] == after["receipts"]
    township = await _receipts(client, publisher_token, notice_id, "410611002")
    assert township["receipts"]["recipients"] == 2
    assert township["receipts"]["acknowledged"] == 0
    assert township["pending"]["totalCount"] == 2

    by_township = await gql(
        client,
        "query($id: ID!) { publishedNotice(id: $id) { receiptsByRegion {"
        " regionCode receipts { recipients read acknowledged } } } }",
        {"id": notice_id},
        token=publisher_token,
    )
    assert by_township["data"]["publishedNotice"]["receiptsByRegion"] == [
        {
            "regionCode": "410611001",
            "receipts": {"recipients": 7, "read": 4, "acknowledged": 3},
        },
        {
            "regionCode": "410611002",
            "receipts": {"recipients": 2, "read": 0, "acknowledged": 0},
        },
    ]

    # page through who has not acknowledged
    seen: list[str] = []
    cursor = None
    while True:
        body = await gql(
            client, RECEIPTS, {"id": notice_id, "after": cursor}, token=publisher_token
        )
        pending = body["data"]["publishedNotice"]["pending"]
        assert pending["totalCount"] == 6
        seen += [edge["node"]["userId"] for edge in pending["edges"]]
        if not pending["pageInfo"]["hasNextPage"]:
            break
        cursor = pending["edges"][-1]["cursor"]
    laggards = {str(account.id) for account, _ in workers[4:]} | {str(workers[0][0].id)}
    assert set(seen) == laggards and len(seen) == 6

    # the shared sweep reminds the laggards at 80% of the time given, once however often it runs
    clock.move(timedelta(days=1, hours=16))
    first = await enforce_deadlines({})
    second = await enforce_deadlines({})
    assert first["reminders"] == 1 and second["reminders"] == 0
    reminded = await Notice.filter(kind="reminder").values_list("user_id", flat=True)
    assert {str(user_id) for user_id in reminded} == laggards and len(reminded) == 6
    publisher_token = await factories.token_for(publisher)  # the clock moved past the old one
    assert (await _receipts(client, publisher_token, notice_id))["receipts"]["reminded"] == 6

    # at the deadline the laggards get the yellow card's notice, once
    clock.move(timedelta(hours=9))
    carded = await enforce_deadlines({})
    assert carded["yellow_cards"] == 1
    assert (await enforce_deadlines({}))["yellow_cards"] == 0
    assert await Notice.filter(kind="yellow_card").count() == 6
    assert await Notice.filter(kind="reminder").count() == 6


async def test_a_grid_worker_sees_no_receipts_and_may_not_publish(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker_token = await factories.signed_in("grid_worker", "410611001001001")
    _, publisher_token = await factories.signed_in("township_centre", "410611001")
    published = await publish(
        client, publisher_token, audience={"regionCodes": ["410611001"], "roles": []}
    )
    notice_id = published["notice"]["id"]
    body = await gql(client, RECEIPTS, {"id": notice_id}, token=worker_token)
    assert body["data"]["publishedNotice"] is None
    refused = await gql(
        client,
        "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { __typename } }",
        {"i": {"title": "t", "body": "b", "audience": {"regionCodes": ["410611001001001"]}}},
        token=worker_token,
    )
    assert factories.error_codes(refused) == ["FORBIDDEN"]
