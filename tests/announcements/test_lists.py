"""The lists of notices are scoped and paged: a publisher lists what they published, a centre
(mineOnly false) also what was published inside its subtree, a grid worker nothing; a
recipient's inbox holds only what was published to them, unread first when asked."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from tests.announcements.helpers import READ, publish
from tests.factories import gql

PUBLISHED = """
query($mine: Boolean!, $after: String) {
  publishedNotices(mineOnly: $mine, first: 2, after: $after) {
    totalCount
    edges { node { title regionCode receipts { recipients } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

INBOX = """
query($unread: Boolean!) {
  myInbox(unreadOnly: $unread, first: 10) { totalCount edges { node { title readAt } } }
}"""


async def _published(client: httpx.AsyncClient, token: str, *, mine: bool) -> tuple[int, list[str]]:
    titles: list[str] = []
    after = None
    while True:
        body = await gql(client, PUBLISHED, {"mine": mine, "after": after}, token=token)
        assert "errors" not in body, body
        page: dict[str, Any] = body["data"]["publishedNotices"]
        titles += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], titles
        after = page["pageInfo"]["endCursor"]


async def test_published_lists_and_inboxes_are_scoped_and_paged(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, far_worker = await factories.signed_in("grid_worker", "410611002001001")
    _, district = await factories.signed_in("district_command", "410611")
    _, township = await factories.signed_in("township_centre", "410611001")
    _, peer = await factories.signed_in("township_centre", "410611001")
    _, other_township = await factories.signed_in("township_centre", "410611002")
    _, other_district = await factories.signed_in("district_command", "410602")

    notices = [
        (district, "区通知", ["410611"]),
        (township, "街道通知一", ["410611001"]),
        (township, "街道通知二", ["410611001001"]),
        (other_township, "九州路街道通知", ["410611002"]),
    ]
    ids = {}
    for token, title, regions in notices:
        made = await publish(
            client,
            token,
            title=title,
            audience={"regionCodes": regions, "roles": ["grid_worker"]},
        )
        assert made["__typename"] == "PublishNoticePayload", made
        ids[title] = made["notice"]["id"]

    # newest first, two a page
    assert await _published(client, township, mine=True) == (2, ["街道通知二", "街道通知一"])
    assert await _published(client, district, mine=True) == (1, ["区通知"])
    assert await _published(client, district, mine=False) == (
        4,
        ["九州路街道通知", "街道通知二", "街道通知一", "区通知"],
    )
    # a peer centre of the township supervises its notices, not the district's above it
    assert await _published(client, peer, mine=True) == (0, [])
    assert await _published(client, peer, mine=False) == (2, ["街道通知二", "街道通知一"])
    assert await _published(client, other_township, mine=False) == (1, ["九州路街道通知"])
    assert await _published(client, other_district, mine=False) == (0, [])
    assert await _published(client, worker, mine=False) == (0, [])
    # a notice outside the caller's supervision is not found (null), not refused
    hidden = await gql(
        client,
        "query($id: ID!) { publishedNotice(id: $id) { id } }",
        {"id": ids["街道通知一"]},
        token=other_township,
    )
    assert hidden["data"]["publishedNotice"] is None

    # each worker's inbox: what reached them, unread first when asked
    body = await gql(client, INBOX, {"unread": False}, token=worker)
    assert [e["node"]["title"] for e in body["data"]["myInbox"]["edges"]] == [
        "街道通知二",
        "街道通知一",
        "区通知",
    ]
    body = await gql(client, INBOX, {"unread": False}, token=far_worker)
    assert [e["node"]["title"] for e in body["data"]["myInbox"]["edges"]] == [
        "九州路街道通知",
        "区通知",
    ]
    read = await gql(client, READ, {"id": ids["区通知"]}, token=worker)
    assert read["data"]["readPublishedNotice"]["__typename"] == "InboxNoticePayload"
    body = await gql(client, INBOX, {"unread": True}, token=worker)
    assert body["data"]["myInbox"]["totalCount"] == 2
    assert "区通知" not in [e["node"]["title"] for e in body["data"]["myInbox"]["edges"]]
    # a notice published to others cannot be read by this worker
    elsewhere = await gql(client, READ, {"id": ids["九州路街道通知"]}, token=worker)
    assert elsewhere["data"]["readPublishedNotice"]["code"] == "NOT_FOUND"
