"""Messages: a direct thread between staff with unread counts, a centre's message to the staff
of a region, each pushed to the recipients' live feed; bad input and reach."""

from __future__ import annotations

from typing import Any

import httpx

from api.domains.announcements.models import Message, MessageThread, ThreadParticipant
from api.outbox import OutboxMessage
from tests import factories
from tests.factories import gql

SEND = """
mutation($input: SendMessageInput!) {
  sendMessage(input: $input) {
    __typename
    ... on MessageThreadPayload { thread { id kind subject participantCount unread } }
    ... on Error { code message field }
  }
}"""

REPLY = """
mutation($id: ID!, $body: String!) {
  replyToThread(threadId: $id, body: $body) {
    __typename
    ... on MessagePayload { threadMessage { id body senderName } }
    ... on Error { code message field }
  }
}"""

READ = """
mutation($id: ID!) {
  markThreadRead(threadId: $id) {
    __typename
    ... on MessageThreadPayload { thread { id unread } }
    ... on Error { code message field }
  }
}"""

INBOX = """
query {
  unreadMessageCount
  messageThreads(first: 10) {
    totalCount
    edges { node { id subject kind unread messages(first: 10) { edges { node { body } } } } }
  }
}"""


async def _ok(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    body = await gql(client, document, variables, token=token)
    assert "errors" not in body, body
    result: dict[str, Any] = next(iter(body["data"].values()))
    return result


async def test_a_direct_thread_counts_unread_and_pushes_each_message(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    staff, staff_token = await factories.signed_in("community_staff", "410611001001")
    worker, worker_token = await factories.signed_in("grid_worker", "410611001001001")
    started = await _ok(
        client,
        SEND,
        {
            "input": {
                "subject": "关于3号楼消防通道",
                "body": "请今天下午再去看一下3号楼的消防通道。",
                "userIds": [str(worker.id)],
            }
        },
        staff_token,
    )
    assert started["__typename"] == "MessageThreadPayload", started
    thread_id = started["thread"]["id"]
    assert (started["thread"]["kind"], started["thread"]["participantCount"]) == ("DIRECT", 2)
    assert started["thread"]["unread"] == 0  # the sender's own message

    body = await gql(client, INBOX, token=worker_token)
    assert body["data"]["unreadMessageCount"] == 1
    assert body["data"]["messageThreads"]["edges"][0]["node"]["unread"] == 1

    answered = await _ok(
        client, REPLY, {"id": thread_id, "body": "好的，下午三点去。"}, worker_token
    )
    assert answered["__typename"] == "MessagePayload", answered
    second = await _ok(client, REPLY, {"id": thread_id, "body": "已清理完毕。"}, worker_token)
    assert second["threadMessage"]["body"] == "已清理完毕。"
    body = await gql(client, INBOX, token=staff_token)
    assert body["data"]["unreadMessageCount"] == 2
    # writing in the thread read it
    body = await gql(client, INBOX, token=worker_token)
    assert body["data"]["unreadMessageCount"] == 0
    read = await _ok(client, READ, {"id": thread_id}, staff_token)
    assert read["thread"]["unread"] == 0
    body = await gql(client, INBOX, token=staff_token)
    assert body["data"]["unreadMessageCount"] == 0
    messages = body["data"]["messageThreads"]["edges"][0]["node"]["messages"]["edges"]
    assert [m["node"]["body"] for m in messages] == [
        "已清理完毕。",
        "好的，下午三点去。",
        "请今天下午再去看一下3号楼的消防通道。",
    ]

    pushes = await OutboxMessage.filter(topic="message").order_by("id")
    assert [(p.user_id, p.payload["thread_id"]) for p in pushes] == [
        (worker.id, thread_id),
        (staff.id, thread_id),
        (staff.id, thread_id),
    ]

    # an outsider sees nothing and cannot write in it
    _, outsider = await factories.signed_in("grid_worker", "410611001001010")
    hidden = await _ok(client, REPLY, {"id": thread_id, "body": "我也来"}, outsider)
    assert hidden["__typename"] == "NotFoundError"


async def test_a_centre_messages_the_staff_of_a_region_who_answer_directly(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, centre = await factories.signed_in("township_centre", "410611001")
    workers = [await factories.signed_in("grid_worker", "410611001001001") for _ in range(3)]
    await factories.user("community_staff", "410611001010")
    await factories.user("grid_worker", "410611002001001")  # another township
    sent = await _ok(
        client,
        SEND,
        {
            "input": {
                "subject": "寒潮预警",
                "body": "今晚寒潮，请各网格员排查独居老人取暖情况。",
                "regionCodes": ["410611001"],
                "roles": ["grid_worker"],
            }
        },
        centre,
    )
    assert sent["__typename"] == "MessageThreadPayload", sent
    assert (sent["thread"]["kind"], sent["thread"]["participantCount"]) == ("BROADCAST", 4)
    assert await OutboxMessage.filter(topic="message").count() == 3
    body = await gql(client, INBOX, token=workers[0][1])
    assert body["data"]["unreadMessageCount"] == 1
    refused = await _ok(client, REPLY, {"id": sent["thread"]["id"], "body": "收到"}, workers[0][1])
    assert refused["__typename"] == "ConflictError"


async def test_bad_messages_are_refused_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    far = await factories.user("grid_worker", "410602001001001")  # another district
    near = await factories.user("grid_worker", "410611002001001")
    cases = [
        ({"subject": " ", "body": "b", "userIds": [str(near.id)]}, "subject"),
        ({"subject": "s", "body": "长" * 5001, "userIds": [str(near.id)]}, "body"),
        ({"subject": "s", "body": "b"}, "userIds"),
        ({"subject": "s", "body": "b", "userIds": [str(far.id)]}, "userIds"),
        ({"subject": "s", "body": "b", "userIds": ["not-an-id"]}, "userIds"),
    ]
    for given, field in cases:
        result = await _ok(client, SEND, {"input": given}, worker)
        assert (result["__typename"], result["field"]) == ("ValidationError", field), result
    # a grid worker does not message a whole region
    body = await gql(
        client,
        SEND,
        {"input": {"subject": "s", "body": "b", "regionCodes": ["410611001001001"]}},
        token=worker,
    )
    assert factories.error_codes(body) == ["FORBIDDEN"]
    assert await MessageThread.all().count() == 0
    assert await ThreadParticipant.all().count() == 0
    assert await Message.all().count() == 0
    # within the district, across townships: allowed
    ok = await _ok(
        client, SEND, {"input": {"subject": "s", "body": "b", "userIds": [str(near.id)]}}, worker
    )
    assert ok["__typename"] == "MessageThreadPayload"
