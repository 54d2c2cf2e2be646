"""The messages feed: what arrived while away is replayed from `after`, then the feed is live."""

from __future__ import annotations

import asyncio

import httpx

from tests import factories
from tests.factories import gql
from tests.realtime.servers import ApiProcess, Feed

MESSAGES = (
    "subscription($after: Int) { messages(after: $after) { sequence threadId subject senderName "
    "excerpt } }"
)
SEND = """
mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on MessageThreadPayload { thread { id } } }
}"""
REPLY = """
mutation($id: ID!, $body: String!) {
  replyToThread(threadId: $id, body: $body) { __typename }
}"""


async def test_a_recipient_gets_missed_messages_replayed_then_new_ones_live(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    first, second = two_apis
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", "410611001001")
    worker, worker_token = await factories.signed_in("grid_worker", "410611001001001")
    async with httpx.AsyncClient(base_url=first.http) as http:
        sent = await gql(
            http,
            SEND,
            {"input": {"subject": "巡查", "body": "第一条", "userIds": [str(worker.id)]}},
            token=staff,
        )
        thread_id = sent["data"]["sendMessage"]["thread"]["id"]
    feed = Feed(second.ws, worker_token)
    await feed.open(MESSAGES, {"after": 0})
    replayed = (await feed.next())["payload"]["data"]["messages"]
    assert (replayed["threadId"], replayed["excerpt"]) == (thread_id, "第一条")
    await asyncio.sleep(0.3)
    async with httpx.AsyncClient(base_url=first.http) as http:
        answered = await gql(http, REPLY, {"id": thread_id, "body": "第二条"}, token=staff)
        assert answered["data"]["replyToThread"]["__typename"] == "MessagePayload"
    live = (await feed.next())["payload"]["data"]["messages"]
    assert live["excerpt"] == "第二条"
    assert live["sequence"] > replayed["sequence"]
    await feed.close()
