"""An item with a four-step flow, people at every level, and the documents they send."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests import factories
from tests.factories import gql

COMMUNITY, TOWNSHIP, DISTRICT = "410611001001", "410611001", "410611"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEMPLATE = {
    "type": "object",
    "required": ["householdSize", "reason"],
    "properties": {
        "householdSize": {"type": "integer", "minimum": 1, "maximum": 20},
        "reason": {"type": "string", "minLength": 1, "maxLength": 200},
    },
    "additionalProperties": False,
}
STEPS = [
    {
        "name": "社区初审",
        "level": "COMMUNITY",
        "role": "community_staff",
        "days": 2,
        "actions": ["REVIEW", "RETURN"],
    },
    {
        "name": "街道审核",
        "level": "TOWNSHIP",
        "role": "township_centre",
        "days": 3,
        "actions": ["REVIEW", "RETURN", "APPROVE"],
    },
    {
        "name": "区级审批",
        "level": "DISTRICT",
        "role": "district_command",
        "days": 5,
        "actions": ["APPROVE", "RETURN"],
    },
    {
        "name": "发证注册",
        "level": "DISTRICT",
        "role": "district_command",
        "days": 2,
        "actions": ["REGISTER"],
    },
]
SAVE_ITEM = """
mutation($id: ID, $input: ApprovalItemInput!) {
  saveApprovalItem(id: $id, input: $input) {
    __typename
    ... on ApprovalItemPayload { item { id uuid code published flowVersion } }
    ... on Error { code field message }
  }
}"""
SAVE_FLOW = """
mutation($item: ID!, $steps: [ApprovalStepInput!]!) {
  saveApprovalFlow(itemId: $item, steps: $steps) {
    __typename
    ... on ApprovalFlowPayload { flow { version steps { name level role days actions } } }
    ... on Error { code field message }
  }
}"""
APPLICATION_FIELDS = """
  __typename
  ... on ApplicationPayload { application {
    id uuid number status stepIndex holderRegionCode waitingRole version onBehalf
    certificateNumber refusalReason flowVersion card
  } }
  ... on Error { code field message }
"""
SUBMIT = (
    "mutation($input: ApplicationInput!) { submitApplication(input: $input) {"
    + APPLICATION_FIELDS
    + "} }"
)


def step_document(mutation: str) -> str:
    return (
        f'mutation($id: ID!, $v: Int, $note: String! = "", $number: String) {{ {mutation}('
        "id: $id, expectedVersion: $v, note: $note, certificateNumber: $number) {"
        + APPLICATION_FIELDS
        + "} }"
    )


HAND_OVER = (
    "mutation($id: ID!, $v: Int) { handOverApplication(id: $id, expectedVersion: $v,"
    ' note: "本人领取") {' + APPLICATION_FIELDS + "} }"
)
RESUBMIT = (
    "mutation($id: ID!, $v: Int, $form: JSON!, $materials: [MaterialFilesInput!]!) {"
    " resubmitApplication(id: $id, expectedVersion: $v, form: $form, materials: $materials) {"
    + APPLICATION_FIELDS
    + "} }"
)


@dataclass
class People:
    admin: str
    citizen: str
    other_citizen: str
    community: str
    grid_worker: str
    township: str
    district: str
    other_township: str


@pytest.fixture
def file_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")
    return settings


async def people() -> People:
    await factories.region_tree()
    tokens = [
        (await factories.signed_in(role, region))[1]
        for role, region in (
            ("admin", DISTRICT),
            ("citizen", "4106"),
            ("citizen", "4106"),
            ("community_staff", COMMUNITY),
            ("grid_worker", COMMUNITY + "001"),
            ("township_centre", TOWNSHIP),
            ("district_command", DISTRICT),
            ("township_centre", "410611002"),
        )
    ]
    return People(*tokens)


def item_input(**changes: Any) -> dict[str, Any]:
    return {
        "code": "MZ-001",
        "name": "低保申请",
        "regionCode": DISTRICT,
        "promisedDays": 20,
        "decidesAt": "DISTRICT",
        "formTemplate": TEMPLATE,
        "materials": [
            {
                "key": "idCard",
                "name": "身份证",
                "required": True,
                "fileTypes": ["application/pdf", "image/jpeg"],
            },
            {"key": "photo", "name": "家庭照片", "required": False, "fileTypes": ["image/png"]},
        ],
        "legalBasis": "《社会救助暂行办法》",
        "whereToApply": "户籍所在社区",
        **changes,
    }


async def published_item(client: httpx.AsyncClient, admin: str, steps: Any = None) -> str:
    created = await gql(client, SAVE_ITEM, {"input": item_input()}, token=admin)
    item = created["data"]["saveApprovalItem"]["item"]
    flow = await gql(client, SAVE_FLOW, {"item": item["id"], "steps": steps or STEPS}, token=admin)
    assert flow["data"]["saveApprovalFlow"]["__typename"] == "ApprovalFlowPayload", flow
    published = await gql(
        client, SAVE_ITEM, {"id": item["id"], "input": item_input(published=True)}, token=admin
    )
    assert published["data"]["saveApprovalItem"]["item"]["published"] is True, published
    return str(item["id"])


async def upload(
    client: httpx.AsyncClient, token: str, files: list[tuple[str, bytes]]
) -> dict[str, Any]:
    """A GraphQL multipart request (the spec's operations / map / files parts)."""
    document = """
    mutation($files: [Upload!]!) { uploadApprovalFiles(files: $files) {
      __typename
      ... on ApprovalFilesPayload { files { uuid filename contentType size } }
      ... on Error { code field message }
    } }"""
    operations = {"query": document, "variables": {"files": [None] * len(files)}}
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content) for i, (name, content) in enumerate(files)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"]["uploadApprovalFiles"])


async def id_card(client: httpx.AsyncClient, token: str) -> str:
    uploaded = await upload(client, token, [("id.pdf", PDF)])
    return str(uploaded["files"][0]["uuid"])


def application_input(item_id: str, card: str, **changes: Any) -> dict[str, Any]:
    return {
        "itemId": item_id,
        "regionCode": COMMUNITY,
        "form": {"householdSize": 3, "reason": "因病致贫"},
        "materials": [{"key": "idCard", "fileIds": [card]}],
        **changes,
    }
