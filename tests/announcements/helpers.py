"""Publishing and reading notices through the API, as clients do."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import gql

PUBLISH = """
mutation($input: PublishNoticeInput!) {
  publishNotice(input: $input) {
    __typename
    ... on PublishNoticePayload { notice { id recipientCount status version regionCode } }
    ... on Error { code message field }
  }
}"""

RECEIPTS = """
query($id: ID!, $region: String, $after: String) {
  publishedNotice(id: $id) {
    receipts(regionCode: $region) { recipients read unread acknowledged reminded }
    pending(regionCode: $region, first: 2, after: $after) {
      totalCount
      edges { cursor node { userId regionCode readAt acknowledgedAt remindedAt } }
      pageInfo { hasNextPage }
    }
  }
}"""

ACKNOWLEDGE = """
mutation($id: ID!) {
  acknowledgeNotice(id: $id) {
    __typename
    ... on InboxNoticePayload { notice { id readAt acknowledgedAt } }
    ... on Error { code message field }
  }
}"""

READ = """
mutation($id: ID!) {
  readPublishedNotice(id: $id) {
    __typename
    ... on InboxNoticePayload { notice { id readAt acknowledgedAt } }
    ... on Error { code message field }
  }
}"""

INBOX = """
query { myInbox(first: 10) { totalCount edges { node { id title requireAcknowledgement readAt acknowledgedAt } } } }
"""


def notice_input(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "关于开展冬季消防安全排查的通知",
        "body": "各网格员：请于本周内完成辖区**消防通道**排查，并在系统中确认收到。",
        "bodyFormat": "MARKDOWN",
        "priority": "IMPORTANT",
        "audience": {"regionCodes": ["410611"], "roles": ["grid_worker"]},
    }
    base.update(changes)
    return base


async def publish(client: httpx.AsyncClient, token: str, **changes: Any) -> dict[str, Any]:
    body = await gql(client, PUBLISH, {"input": notice_input(**changes)}, token=token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["publishNotice"]
    return result
