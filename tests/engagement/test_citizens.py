"""The citizens' channel: phone accounts behind a verification step, appeals with photos and
location, progress and ratings; a citizen sees their own appeals and nobody else's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.domains.accounts.models import RoleAssignment, User
from api.domains.engagement.verification import DevelopmentPhoneVerifier, phone_verifier
from api.domains.events.models import Attachment, Event
from api.errors import NotAllowed
from api.settings import Environment, Settings
from schema.node import global_id
from tests import factories
from tests.events.test_attachments import PNG
from tests.factories import error_codes, gql
from tests.intake.helpers import close_event

GRID = "410611001001001"
PASSWORD = "Qihe-River-2026"
REQUEST_CODE = """
mutation($phone: String!) {
  requestPhoneCode(phone: $phone) {
    __typename
    ... on PhoneCodePayload { phone resendAfterSeconds }
    ... on RateLimitedError { retryAfterSeconds }
    ... on Error { code field }
  }
}"""
REGISTER = """
mutation($input: RegisterCitizenInput!) {
  registerCitizen(input: $input) {
    __typename
    ... on CitizenPayload { username displayName phone }
    ... on Error { code field message }
  }
}"""
LOGIN = """
mutation($phone: String!, $password: String!) {
  citizenLogin(phone: $phone, password: $password) {
    __typename
    ... on AuthPayload { accessToken user { roles { role regionCode } } }
    ... on Error { code }
  }
}"""
APPEAL = "uuid caseNumber status title satisfaction location { lat lng } photos { id url contentType } progress { action status note }"
SUBMIT = f"""
mutation($input: AppealInput!, $photos: [Upload!]) {{
  submitAppeal(input: $input, photos: $photos) {{
    __typename
    ... on AppealPayload {{ appeal {{ {APPEAL} }} }}
    ... on Error {{ code field message }}
  }}
}}"""
MINE = f"query {{ myAppeals(first: 10) {{ totalCount edges {{ node {{ {APPEAL} }} }} }} }}"
ONE = f"query($id: ID!) {{ myAppeal(id: $id) {{ {APPEAL} }} }}"
RATE = f"""
mutation($id: ID!, $score: Int!) {{
  rateAppeal(id: $id, satisfaction: $score, note: "处理及时") {{
    __typename
    ... on AppealPayload {{ appeal {{ {APPEAL} }} }}
    ... on Error {{ code field }}
  }}
}}"""


def appeal(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "小区门口垃圾堆放",
        "description": "金山社区东门垃圾三天未清运",
        "categoryKey": "city.0601",
        "location": {"lat": 35.7412, "lng": 114.2981},
        "regionCode": GRID,
        "address": "金山社区东门",
    }
    data.update(overrides)
    return data


@pytest.fixture
def files_in_tmp(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")


async def citizen(client: httpx.AsyncClient, phone: str) -> str:
    """Register through the API and sign in; returns the access token."""
    sent = await gql(client, REQUEST_CODE, {"phone": phone})
    assert sent["data"]["requestPhoneCode"]["__typename"] == "PhoneCodePayload"
    registered = await gql(
        client,
        REGISTER,
        {"input": {"phone": phone, "password": PASSWORD, "verificationCode": "000000"}},
    )
    assert registered["data"]["registerCitizen"]["__typename"] == "CitizenPayload", registered
    login = await gql(client, LOGIN, {"phone": phone, "password": PASSWORD})
    return str(login["data"]["citizenLogin"]["accessToken"])


async def submit(
    client: httpx.AsyncClient,
    token: str,
    data: dict[str, Any],
    photos: Sequence[tuple[str, bytes]] = (),
) -> dict[str, Any]:
    """A GraphQL multipart request when there are photos, plain JSON otherwise."""
    if not photos:
        body = await gql(client, SUBMIT, {"input": data}, token=token)
        return dict(body["data"]["submitAppeal"])
    operations = {"query": SUBMIT, "variables": {"input": data, "photos": [None] * len(photos)}}
    mapping = {str(i): [f"variables.photos.{i}"] for i in range(len(photos))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content) for i, (name, content) in enumerate(photos)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"]["submitAppeal"])


async def test_register_by_phone_and_sign_in_as_a_citizen(client: httpx.AsyncClient) -> None:
    await factories.region_tree()

    sent = await gql(client, REQUEST_CODE, {"phone": "13912345678"})
    too_soon = await gql(client, REQUEST_CODE, {"phone": "+86 139 1234 5678"})
    wrong_code = await gql(
        client,
        REGISTER,
        {"input": {"phone": "13912345678", "password": PASSWORD, "verificationCode": "123456"}},
    )
    assert await User.all().count() == 0
    registered = await gql(
        client,
        REGISTER,
        {"input": {"phone": "13912345678", "password": PASSWORD, "verificationCode": "000000"}},
    )
    again = await gql(
        client,
        REGISTER,
        {"input": {"phone": "139-1234-5678", "password": PASSWORD, "verificationCode": "000000"}},
    )
    login = await gql(client, LOGIN, {"phone": "+8613912345678", "password": PASSWORD})
    wrong_password = await gql(client, LOGIN, {"phone": "13912345678", "password": "nope"})

    assert sent["data"]["requestPhoneCode"] == {
        "__typename": "PhoneCodePayload",
        "phone": "139****5678",
        "resendAfterSeconds": 60,
    }
    assert too_soon["data"]["requestPhoneCode"]["__typename"] == "RateLimitedError"
    assert wrong_code["data"]["registerCitizen"]["field"] == "verificationCode"
    assert registered["data"]["registerCitizen"] == {
        "__typename": "CitizenPayload",
        "username": "8613912345678",
        "displayName": "139****5678",
        "phone": "139****5678",
    }
    assert (
        again["data"]["registerCitizen"]["code"],
        again["data"]["registerCitizen"]["field"],
    ) == (
        "ALREADY_EXISTS",
        "phone",
    )
    assert login["data"]["citizenLogin"]["user"]["roles"] == [
        {"role": "CITIZEN", "regionCode": "4106"}
    ]
    assert wrong_password["data"]["citizenLogin"]["code"] == "INVALID_CREDENTIALS"
    assert await User.all().count() == 1
    assert await RoleAssignment.filter(role="citizen", region_code="4106").count() == 1


@pytest.mark.parametrize(
    ("phone", "password", "field", "code"),
    [
        ("12345", PASSWORD, "phone", "INVALID"),
        ("0392-3312345", PASSWORD, "phone", "INVALID"),  # a landline cannot get an SMS
        ("13912345678", "short", "password", "WEAK_PASSWORD"),
    ],
)
async def test_bad_registrations_get_typed_errors_and_write_nothing(
    client: httpx.AsyncClient, phone: str, password: str, field: str, code: str
) -> None:
    await factories.region_tree()

    result = await gql(
        client,
        REGISTER,
        {"input": {"phone": phone, "password": password, "verificationCode": "000000"}},
    )

    assert result["data"]["registerCitizen"]["field"] == field
    assert result["data"]["registerCitizen"]["code"] == code
    assert await User.all().count() == 0


async def test_the_development_verifier_refuses_production() -> None:
    stub = DevelopmentPhoneVerifier(Environment.PRODUCTION)
    with pytest.raises(NotAllowed):
        await stub.check("+8613912345678", "000000")
    with pytest.raises(NotAllowed):
        await stub.send_code("+8613912345678")
    development = phone_verifier(Settings(gridgov_env=Environment.DEVELOPMENT))
    assert await development.check("+8613912345678", "000000")
    assert not await development.check("+8613912345678", "000001")


async def test_appeal_with_photo_and_location_then_progress_and_rating(
    client: httpx.AsyncClient, files_in_tmp: None
) -> None:
    await factories.region_tree()
    token = await citizen(client, "13912345678")

    submitted = await submit(client, token, appeal(), photos=[("门口.png", PNG)])

    assert submitted["__typename"] == "AppealPayload", submitted
    created = submitted["appeal"]
    assert created["status"] == "REPORTED"
    assert created["location"] == {"lat": 35.7412, "lng": 114.2981}
    assert [p["contentType"] for p in created["photos"]] == ["image/png"]
    assert [s["action"] for s in created["progress"]] == ["REPORT", "ATTACH"]
    event = await Event.get(id=created["uuid"])
    assert event.source == "citizen" and event.citizen_phone == "+8613912345678"
    photo = await client.get(
        created["photos"][0]["url"], headers={"Authorization": f"Bearer {token}"}
    )
    assert photo.status_code == 200 and photo.content == PNG

    early = await gql(client, RATE, {"id": created["uuid"], "score": 5}, token=token)
    assert early["data"]["rateAppeal"]["code"] == "INVALID_TRANSITION"
    await close_event(event.id, result="已清运")
    progress = (await gql(client, ONE, {"id": created["uuid"]}, token=token))["data"]["myAppeal"]
    assert [s["action"] for s in progress["progress"]][-3:] == ["SUBMIT", "VERIFY", "CLOSE"]
    assert {"action": "SUBMIT", "status": "HANDLED", "note": "已清运"} in progress["progress"]
    # in the citizen's language (the test client asks for English by default)
    told = await gql(
        client,
        "{ myNotices(first: 20) { edges { node { kind title body } } } }",
        token=token,
        headers={"Accept-Language": "zh-CN"},
    )
    notices = [e["node"] for e in told["data"]["myNotices"]["edges"]]
    assert {n["kind"] for n in notices} == {"appeal_progress"} and len(notices) == 6
    assert {
        "kind": "appeal_progress",
        "title": f"您的诉求 {created['caseNumber']}: 已处置",
        "body": "已清运",
    } in notices
    rated = await gql(client, RATE, {"id": created["uuid"], "score": 5}, token=token)
    assert rated["data"]["rateAppeal"]["appeal"]["status"] == "EVALUATED"
    assert rated["data"]["rateAppeal"]["appeal"]["satisfaction"] == 5

    retried = await submit(client, token, appeal(id=created["uuid"]), photos=[("门口.png", PNG)])
    assert retried["appeal"]["uuid"] == created["uuid"]
    assert await Event.all().count() == 1 and await Attachment.all().count() == 1


async def test_a_citizen_sees_only_their_own_appeals(
    client: httpx.AsyncClient, files_in_tmp: None
) -> None:
    await factories.region_tree()
    alice, bob = await citizen(client, "13912345678"), await citizen(client, "13812345678")
    mine = (await submit(client, alice, appeal(), photos=[("a.png", PNG)]))["appeal"]
    theirs_id = mine["uuid"]

    listed = await gql(client, MINE, token=bob)
    one = await gql(client, ONE, {"id": theirs_id}, token=bob)
    rated = await gql(client, RATE, {"id": theirs_id, "score": 1}, token=bob)
    event = await gql(
        client, "query($id: ID!) { event(id: $id) { uuid } }", {"id": theirs_id}, token=bob
    )
    events = await gql(client, "{ events(first: 5) { totalCount } }", token=bob)
    node = await gql(
        client,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": global_id("Event", theirs_id)},
        token=bob,
    )
    photo = await client.get(mine["photos"][0]["url"], headers={"Authorization": f"Bearer {bob}"})
    own = await gql(client, MINE, token=alice)

    assert listed["data"]["myAppeals"]["totalCount"] == 0
    assert one["data"]["myAppeal"] is None
    assert rated["data"]["rateAppeal"]["code"] == "NOT_FOUND"
    assert error_codes(event) == ["FORBIDDEN"] and error_codes(events) == ["FORBIDDEN"]
    assert node["data"]["node"] is None
    assert photo.status_code == 404
    assert [e["node"]["uuid"] for e in own["data"]["myAppeals"]["edges"]] == [theirs_id]


@pytest.mark.parametrize(
    ("overrides", "photos", "field", "code"),
    [
        ({"categoryKey": "city.9999"}, [("a.png", PNG)], "categoryKey", "INVALID"),
        ({"title": " "}, [], "title", "INVALID"),
        ({"location": None, "regionCode": None}, [], "location", "INVALID"),
        ({}, [("notes.txt", b"just text, not a photo")], "files", "UNSUPPORTED_FILE"),
    ],
)
async def test_bad_appeals_get_typed_errors_and_write_nothing(
    client: httpx.AsyncClient,
    files_in_tmp: None,
    overrides: dict[str, Any],
    photos: list[tuple[str, bytes]],
    field: str,
    code: str,
) -> None:
    await factories.region_tree()
    token = await citizen(client, "13912345678")

    result = await submit(client, token, appeal(**overrides), photos=photos)

    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        field,
        code,
    ), result
    assert await Event.all().count() == 0 and await Attachment.all().count() == 0


async def test_staff_and_integrations_cannot_file_appeals(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)

    by_worker = await gql(client, SUBMIT, {"input": appeal()}, token=worker)
    anonymous = await gql(client, MINE)

    assert error_codes(by_worker) == ["FORBIDDEN"]
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    assert await Event.all().count() == 0


async def test_verification_codes_cannot_be_guessed(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    attempt = {"phone": "13912345678", "password": PASSWORD, "verificationCode": "111111"}

    answers = [
        (await gql(client, REGISTER, {"input": attempt}))["data"]["registerCitizen"]["__typename"]
        for _ in range(6)
    ]
    right_code = await gql(client, REGISTER, {"input": {**attempt, "verificationCode": "000000"}})

    assert answers == ["ValidationError"] * 5 + ["RateLimitedError"]
    assert right_code["data"]["registerCitizen"]["__typename"] == "RateLimitedError"
    assert await User.all().count() == 0


async def test_concurrent_retries_of_an_appeal_make_one_with_its_photo_once(
    client: httpx.AsyncClient, files_in_tmp: None
) -> None:
    await factories.region_tree()
    token = await citizen(client, "13912345678")
    appeal_id = "6b1f0e52-93c4-4d5e-8a7b-2c9d0e1f3a4b"

    results = await asyncio.gather(
        *(submit(client, token, appeal(id=appeal_id), photos=[("a.png", PNG)]) for _ in range(5))
    )

    assert {r["__typename"] for r in results} == {"AppealPayload"}, results
    assert {r["appeal"]["uuid"] for r in results} == {appeal_id}
    assert await Event.all().count() == 1 and await Attachment.all().count() == 1


async def test_one_address_cannot_flood_phones_with_codes(client: httpx.AsyncClient) -> None:
    answers = [
        (await gql(client, REQUEST_CODE, {"phone": f"1391234{n:04d}"}))["data"]["requestPhoneCode"][
            "__typename"
        ]
        for n in range(11)
    ]

    assert answers == ["PhoneCodePayload"] * 10 + ["RateLimitedError"]
