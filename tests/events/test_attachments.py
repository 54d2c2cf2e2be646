"""Attachments: multipart upload, sniffed types, size limits, stored by hash, served in scope."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.domains.events.models import Attachment
from api.settings import Settings
from tests import factories
from tests.events.helpers import REPORT, report_input, run

# The smallest valid files of their kinds.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ATTACH = """
mutation($id: ID!, $files: [Upload!]!, $note: String!) {
  attachToEvent(id: $id, files: $files, note: $note) {
    __typename
    ... on EventPayload { event { attachments { id filename contentType size sha256 url } } entry { action } }
    ... on Error { code field message }
  }
}"""


async def upload(
    client: httpx.AsyncClient, token: str, event_id: str, files: list[tuple[str, bytes]]
) -> dict[str, Any]:
    """A GraphQL multipart request (the spec's operations / map / files parts)."""
    operations = {
        "query": ATTACH,
        "variables": {"id": event_id, "files": [None] * len(files), "note": "现场照片"},
    }
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content) for i, (name, content) in enumerate(files)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["attachToEvent"]


@pytest.fixture
def attachment_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")
    return settings


async def test_files_are_stored_once_by_hash_and_served_in_scope(
    client: httpx.AsyncClient, attachment_settings: Settings
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    event_id = (await run(client, REPORT, worker, input=report_input()))["event"]["uuid"]

    result = await upload(
        client,
        worker,
        event_id,
        [("../../etc/passwd.png", PNG), ("report.pdf", PDF), ("copy.png", PNG)],
    )

    assert result["entry"] == {"action": "ATTACH"}
    files = result["event"]["attachments"]
    assert [(f["filename"], f["contentType"], f["size"]) for f in files] == [
        ("passwd.png", "image/png", len(PNG)),
        ("report.pdf", "application/pdf", len(PDF)),
        ("copy.png", "image/png", len(PNG)),
    ]
    sha = hashlib.sha256(PNG).hexdigest()
    stored = list((attachment_settings.attachment_dir).rglob(sha))
    assert len(stored) == 1 and stored[0].read_bytes() == PNG

    own = await client.get(files[0]["url"], headers={"Authorization": f"Bearer {worker}"})
    assert own.status_code == 200 and own.content == PNG
    assert (
        own.headers["content-type"] == "image/png"
        and own.headers["x-content-type-options"] == "nosniff"
    )
    _, stranger = await factories.signed_in("grid_worker", "410611002001001")
    assert (
        await client.get(files[0]["url"], headers={"Authorization": f"Bearer {stranger}"})
    ).status_code == 404
    assert (await client.get(files[0]["url"])).status_code == 401


async def test_disguised_and_oversized_files_are_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, attachment_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    event_id = (await run(client, REPORT, worker, input=report_input()))["event"]["uuid"]

    script = await upload(client, worker, event_id, [("photo.jpg", b"#!/bin/sh\nrm -rf /\n")])
    monkeypatch.setattr(attachment_settings, "gridgov_max_upload_bytes", 100)
    large = await upload(client, worker, event_id, [("big.pdf", PDF + b"x" * 200)])

    assert (script["__typename"], script["code"], script["field"]) == (
        "ValidationError",
        "UNSUPPORTED_FILE",
        "files",
    )
    assert (large["__typename"], large["code"]) == ("ValidationError", "FILE_TOO_LARGE")
    assert await Attachment.all().count() == 0
    assert [p for p in attachment_settings.attachment_dir.rglob("*") if p.is_file()] == []
