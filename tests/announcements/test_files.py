"""Files of a notice: published with it (multipart), listed to recipients and the publisher,
downloaded by them only; an unsupported file publishes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx

from api.domains.announcements.models import Announcement, AnnouncementFile
from tests import factories
from tests.announcements.helpers import notice_input
from tests.approvals.helpers import PDF
from tests.factories import gql

PUBLISH = """
mutation($input: PublishNoticeInput!, $files: [Upload!]) {
  publishNotice(input: $input, files: $files) {
    __typename
    ... on PublishNoticePayload { notice { id files { id filename contentType size } } }
    ... on Error { code message field }
  }
}"""
INBOX = "{ myInbox(first: 5) { edges { node { id files { id filename } } } } }"


async def _publish(
    client: httpx.AsyncClient, token: str, files: list[tuple[str, bytes]]
) -> dict[str, Any]:
    operations = {
        "query": PUBLISH,
        "variables": {"input": notice_input(), "files": [None] * len(files)},
    }
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content) for i, (name, content) in enumerate(files)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"]["publishNotice"])


async def test_a_notices_files_reach_its_recipients_and_no_one_else(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, recipient = await factories.signed_in("grid_worker", "410611001001001")
    _, outsider = await factories.signed_in("grid_worker", "410602001001001")
    _, publisher = await factories.signed_in("district_command", "410611")
    published = await _publish(client, publisher, [("消防排查表.pdf", PDF)])
    assert published["__typename"] == "PublishNoticePayload", published
    [kept] = published["notice"]["files"]
    assert (kept["filename"], kept["contentType"], kept["size"]) == (
        "消防排查表.pdf",
        "application/pdf",
        len(PDF),
    )
    inbox = await gql(client, INBOX, token=recipient)
    assert inbox["data"]["myInbox"]["edges"][0]["node"]["files"] == [
        {"id": kept["id"], "filename": "消防排查表.pdf"}
    ]
    for token, status in ((recipient, 200), (publisher, 200), (outsider, 404)):
        response = await client.get(
            f"/announcement-files/{kept['id']}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == status, (token, response.status_code)
        if status == 200:
            assert response.content == PDF


async def test_an_unsupported_file_publishes_nothing(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001")
    _, publisher = await factories.signed_in("district_command", "410611")
    refused = await _publish(client, publisher, [("virus.exe", b"MZ\x90\x00" + b"\x00" * 64)])
    assert refused["__typename"] == "ValidationError", refused
    assert await Announcement.all().count() == 0
    assert await AnnouncementFile.all().count() == 0
