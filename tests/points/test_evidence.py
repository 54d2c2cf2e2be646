"""A volunteer claims a post and completes it with a photo (a GraphQL multipart request) that the
checking staff and the member can download and nobody else can; a file that is no photo is a
typed error with nothing written; two members taking a post's last slot at once: one wins."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.domains.points.models import LedgerEntry, PostClaim, WelfarePost
from api.settings import Settings
from tests import factories
from tests.events.test_attachments import PNG
from tests.factories import gql
from tests.points.helpers import (
    CLAIM,
    FOLLOW_UP,
    ME,
    OTHER_COMMUNITY,
    PLEDGE,
    PUBLISH,
    VERIFY,
    party_member,
    post_input,
    register,
    run,
    staff,
    volunteer,
)

COMPLETE_WITH_PHOTOS = """
mutation($id: ID!, $evidence: String!, $photos: [Upload!]) {
  completePostClaim(id: $id, evidence: $evidence, photos: $photos) {
    __typename
    ... on PostClaimPayload { claim { status photoCount photos { url contentType size filename } } }
    ... on Error { code message field }
  }
}"""

HISTORY = """{
  myPostClaims(first: 5) { edges { node { timeline { action toStatus note } } } }
  myPledges(first: 5) { edges { node { timeline { action note actorLabel at } } } }
}"""


@pytest.fixture
def files_in_tmp(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")


async def _complete(
    client: httpx.AsyncClient, token: str, claim_id: str, photo: tuple[str, bytes]
) -> dict[str, Any]:
    operations = {
        "query": COMPLETE_WITH_PHOTOS,
        "variables": {"id": claim_id, "evidence": "送餐6户", "photos": [None]},
    }
    response = await client.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.photos.0"]}),
        },
        files={"0": photo},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"]["completePostClaim"])


async def test_a_volunteer_completes_with_a_photo_the_staff_can_see(
    client: httpx.AsyncClient, files_in_tmp: None
) -> None:
    await factories.region_tree()
    person, _ = await volunteer("陈志愿", 411)
    member, token = await register(client, "13800138121", person.id_number, name="陈志愿")
    assert (member["kind"], member["status"]) == ("VOLUNTEER", "LINKED")
    community = await staff()
    post = (await run(client, PUBLISH, community, input=post_input()))["post"]
    claim = (await run(client, CLAIM, token, post=post["uuid"]))["claim"]

    not_a_photo = await _complete(client, token, claim["uuid"], ("notes.txt", b"just words"))
    assert (not_a_photo["__typename"], not_a_photo["code"]) == (
        "ValidationError",
        "UNSUPPORTED_FILE",
    )
    assert (await PostClaim.get(id=claim["uuid"])).status == "claimed"

    done = await _complete(client, token, claim["uuid"], ("餐食.png", PNG))
    assert done["__typename"] == "PostClaimPayload", done
    [photo] = done["claim"]["photos"]
    assert (done["claim"]["status"], done["claim"]["photoCount"]) == ("DONE", 1)
    assert (photo["contentType"], photo["size"], photo["filename"]) == (
        "image/png",
        len(PNG),
        "餐食.png",
    )

    for reader in (community, token):
        shown = await client.get(photo["url"], headers={"Authorization": f"Bearer {reader}"})
        assert (shown.status_code, shown.content) == (200, PNG)
    for stranger in (await staff(OTHER_COMMUNITY), None):
        headers = {"Authorization": f"Bearer {stranger}"} if stranger else {}
        assert (await client.get(photo["url"], headers=headers)).status_code in (401, 404)
    beyond = photo["url"].rsplit("/", 1)[0] + "/1"
    refused = await client.get(beyond, headers={"Authorization": f"Bearer {community}"})
    assert refused.status_code == 404

    verified = await run(client, VERIFY, community, id=claim["uuid"], remark="属实")
    assert verified["claim"]["status"] == "VERIFIED"
    mine = (await gql(client, ME, {}, token=token))["data"]
    assert mine["myPointsMember"]["balance"] == {"points": "5.0", "hours": "2.5"}

    # the member reads the claim's history, and the community's follow-up of a pledge
    pledge = (await run(client, PLEDGE, token, text="每月探访两户空巢老人"))["pledge"]
    await run(client, FOLLOW_UP, community, id=pledge["uuid"], note="已探访一户")
    history = (await gql(client, HISTORY, {}, token=token))["data"]
    [claimed] = history["myPostClaims"]["edges"]
    assert [(s["action"], s["toStatus"]) for s in claimed["node"]["timeline"]] == [
        ("claim", "claimed"),
        ("complete", "done"),
        ("verify", "verified"),
    ]
    [pledged] = history["myPledges"]["edges"]
    assert [(s["action"], s["note"]) for s in pledged["node"]["timeline"]][-1] == (
        "follow_up",
        "已探访一户",
    )


async def test_two_members_taking_the_last_slot_at_once_one_wins(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    tokens = []
    for sequence, phone in ((421, "13800138131"), (423, "13800138132")):
        person, _ = await party_member(f"党员{sequence}", sequence)
        tokens.append((await register(client, phone, person.id_number, name=person.name))[1])
    post = (await run(client, PUBLISH, await staff(), input=post_input(slots=1)))["post"]

    results = await asyncio.gather(
        *(gql(client, CLAIM, {"post": post["uuid"]}, token=token) for token in tokens)
    )

    outcomes = sorted(
        (r["data"]["claimWelfarePost"]["__typename"], r["data"]["claimWelfarePost"].get("code"))
        for r in results
    )
    assert outcomes == [("ConflictError", "CONFLICT"), ("PostClaimPayload", None)]
    assert (await WelfarePost.get(id=post["uuid"])).claimed == 1
    assert await PostClaim.all().count() == 1
    assert await LedgerEntry.all().count() == 0
