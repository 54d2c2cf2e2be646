"""Photos and documents of registry records: sniffed types, listed to readers of the record, a
person's photos opened only by those who see identifiers whole (audited), deleted softly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.domains.audit.models import AuditEntry
from api.settings import Settings
from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, REGISTER_PERSON, TOWNSHIP, id_number

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
ATTACH = """
mutation($kind: RegistryRecordKind!, $id: ID!, $files: [Upload!]!) {
  attachRegistryFiles(kind: $kind, id: $id, files: $files, caption: "门牌照片") {
    __typename
    ... on RegistryFilesPayload { files { id filename contentType caption masked url } }
    ... on Error { code field message }
  }
}"""
LIST = """
query($kind: RegistryRecordKind!, $id: ID!) {
  registryFiles(kind: $kind, id: $id) { totalCount edges { node { id masked url } } }
}"""
DELETE = """
mutation($id: ID!, $reason: String!) {
  deleteRegistryFile(id: $id, reason: $reason) {
    __typename ... on Error { code field message }
  }
}"""


@pytest.fixture
def attachment_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")
    return settings


async def _attach(
    client: httpx.AsyncClient, token: str, kind: str, record_id: str, files: list[tuple[str, bytes]]
) -> dict[str, Any]:
    operations = {
        "query": ATTACH,
        "variables": {"kind": kind, "id": record_id, "files": [None] * len(files)},
    }
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content) for i, (name, content) in enumerate(files)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["attachRegistryFiles"]  # type: ignore[no-any-return]


async def test_a_persons_photo_is_kept_listed_masked_and_deleted(
    client: httpx.AsyncClient, attachment_settings: Settings
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    _, elsewhere = await factories.signed_in("grid_worker", "410611001001010")
    created = await gql(
        client,
        REGISTER_PERSON,
        {
            "input": {
                "regionCode": GRID,
                "idNumber": id_number(),
                "personType": "REGISTERED",
                "name": "张三",
            }
        },
        token=worker,
    )
    person_id = created["data"]["registerPerson"]["person"]["uuid"]

    refused = await _attach(client, worker, "PERSON", person_id, [("voice.mp3", MP3)])
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "UNSUPPORTED_FILE")
    added = await _attach(client, worker, "PERSON", person_id, [("face.png", PNG)])
    photo = added["files"][0]
    assert (photo["contentType"], photo["caption"], photo["masked"]) == (
        "image/png",
        "门牌照片",
        False,
    )
    outsider = await _attach(client, elsewhere, "PERSON", person_id, [("x.png", PNG)])
    assert outsider["__typename"] == "NotFoundError"

    # the worker opens it (audited); the township lists it but may not open a person's photo
    opened = await client.get(photo["url"], headers={"Authorization": f"Bearer {worker}"})
    assert (opened.status_code, opened.content) == (200, PNG)
    assert await AuditEntry.filter(object_type="person", object_id=person_id).exists()
    listed = await gql(client, LIST, {"kind": "PERSON", "id": person_id}, token=township)
    node = listed["data"]["registryFiles"]["edges"][0]["node"]
    assert (node["masked"], node["url"]) == (True, None)
    hidden = await client.get(photo["url"], headers={"Authorization": f"Bearer {township}"})
    assert hidden.status_code == 404
    unseen = await gql(client, LIST, {"kind": "PERSON", "id": person_id}, token=elsewhere)
    assert "errors" in unseen or unseen["data"]["registryFiles"]["totalCount"] == 0

    deleted = await gql(client, DELETE, {"id": photo["id"], "reason": "拍错了"}, token=worker)
    assert deleted["data"]["deleteRegistryFile"]["__typename"] == "RegistryFileDeletedPayload"
    again = await gql(client, DELETE, {"id": photo["id"], "reason": "拍错了"}, token=worker)
    assert again["data"]["deleteRegistryFile"]["__typename"] == "ConflictError"
    after = await gql(client, LIST, {"kind": "PERSON", "id": person_id}, token=worker)
    assert after["data"]["registryFiles"]["totalCount"] == 0
    gone = await client.get(photo["url"], headers={"Authorization": f"Bearer {worker}"})
    assert gone.status_code == 404
    assert await AuditEntry.filter(action="registry_file.delete", object_id=photo["id"]).exists()
