"""Materials are served only to who may read the application (or uploaded them)."""

from __future__ import annotations

import httpx

from api.settings import Settings
from tests.approvals.helpers import (
    PDF,
    SUBMIT,
    application_input,
    people,
    published_item,
    upload,
)
from tests.factories import gql


async def _fetch(client: httpx.AsyncClient, url: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get(url, headers=headers)


async def test_materials_are_served_to_readers_of_the_application_only(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    p = await people()
    item_id = await published_item(client, p.admin)
    uploaded = await upload(client, p.citizen, [("身份证.pdf", PDF)])
    card = uploaded["files"][0]["uuid"]
    url = f"/approval-files/{card}"

    own = await _fetch(client, url, p.citizen)
    assert (own.status_code, own.content) == (200, PDF)
    assert own.headers["content-type"] == "application/pdf"
    assert (await _fetch(client, url, p.community)).status_code == 404  # not listed yet
    assert (await _fetch(client, url, None)).status_code == 401

    await gql(client, SUBMIT, {"input": application_input(item_id, card)}, token=p.citizen)
    assert (await _fetch(client, url, p.community)).status_code == 200
    assert (await _fetch(client, url, p.district)).status_code == 200
    assert (await _fetch(client, url, p.other_township)).status_code == 404
    assert (await _fetch(client, url, p.other_citizen)).status_code == 404
    assert (await _fetch(client, "/approval-files/not-a-uuid", p.citizen)).status_code == 404
