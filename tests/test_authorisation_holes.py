"""Authorisation and integrity holes, each probed from the attacker's side through HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from api.app import create_app
from api.auth import ACCESS_TOKEN_AUDIENCE
from api.domains.events.enums import EventStatus
from api.domains.events.models import Event
from api.settings import Settings
from tests import factories
from tests.conftest import TEST_SECRET
from tests.events.helpers import COMMENT, REPORT, SUPERVISE, report_input, run
from tests.factories import error_codes, gql

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on Error { code } } }"""
CHANGE = """mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
  __typename ... on Error { code field } ... on RateLimitedError { retryAfterSeconds } } }"""
EVENT = "query($id: ID!) { event(id: $id) { caseNumber } }"
GRID = "410611001001001"


def _client_from(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gridgov.test")


async def test_department_staff_read_only_events_dispatched_to_their_department(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    police = await factories.department("410611", "police", "公安分局")
    housing = await factories.department("410611", "housing", "住建局")
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, officer = await factories.signed_in("department_staff", "410611", department_id=police.id)
    mine = (await run(client, REPORT, worker, input=report_input()))["event"]
    other = (await run(client, REPORT, worker, input=report_input(title="另一件")))["event"]
    # dispatched by the district centre (the steps themselves are the closed loop's tests)
    for event, department in ((mine, police), (other, housing)):
        await Event.filter(id=event["uuid"]).update(
            status=EventStatus.ASSIGNED, assignee_department_id=department.id
        )
    event_ids = {mine["caseNumber"]: mine["uuid"], other["caseNumber"]: other["uuid"]}

    dispatched = await gql(client, EVENT, {"id": event_ids[mine["caseNumber"]]}, token=officer)
    elsewhere = await gql(client, EVENT, {"id": event_ids[other["caseNumber"]]}, token=officer)
    listed = await gql(client, "{ events { edges { node { caseNumber } } } }", token=officer)

    assert dispatched["data"]["event"] == {"caseNumber": mine["caseNumber"]}
    assert elsewhere["data"]["event"] is None
    assert [e["node"]["caseNumber"] for e in listed["data"]["events"]["edges"]] == [
        mine["caseNumber"]
    ]


@pytest.mark.parametrize("source", ["HOTLINE", "CITIZEN", "DEPARTMENT"])
async def test_staff_cannot_file_under_another_channels_source(
    client: httpx.AsyncClient, source: str
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)

    result = await run(client, REPORT, worker, input=report_input(source=source))

    assert (result["__typename"], result["field"]) == ("ValidationError", "source")


async def test_a_token_with_an_absurd_expiry_is_unauthenticated(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    account = await factories.user("grid_worker", GRID)
    forged = jwt.encode(
        {"sub": str(account.id), "sid": str(account.id), "aud": ACCESS_TOKEN_AUDIENCE, "exp": 1e20},
        TEST_SECRET,
        algorithm="HS256",
    )

    body = await gql(client, "{ me { username } }", token=forged)

    assert error_codes(body) == ["UNAUTHENTICATED"]


@pytest.fixture
async def strict_app(db: None, settings: Settings) -> AsyncIterator[Any]:
    """Sign-in throttled after 2 failures, so the ceilings are quick to reach."""
    yield create_app(settings.model_copy(update={"gridgov_login_max_failures": 2}))


async def _login(http: httpx.AsyncClient, username: str, password: str) -> str:
    body = await gql(http, LOGIN, {"u": username, "p": password})
    result = body["data"]["login"]
    return str(result.get("code") or result["__typename"])


async def test_failing_from_one_address_does_not_lock_the_owner_out(strict_app: Any) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", GRID, username="victim")
    async with _client_from(strict_app, "203.0.113.9") as attacker:
        for _ in range(3):
            await _login(attacker, "victim", "Wrong-Password-1")
        assert await _login(attacker, "victim", factories.PASSWORD) == "TOO_MANY_ATTEMPTS"
    async with _client_from(strict_app, "198.51.100.7") as owner:
        assert await _login(owner, "victim", factories.PASSWORD) == "AuthPayload"


async def test_many_addresses_meet_a_ceiling_per_account(strict_app: Any) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", GRID, username="victim")
    for number in range(10):  # 2 failures each from 10 addresses: the account's ceiling of 20
        async with _client_from(strict_app, f"203.0.113.{number}") as attacker:
            for _ in range(2):
                await _login(attacker, "victim", "Wrong-Password-1")

    async with _client_from(strict_app, "198.51.100.7") as guesser:
        assert await _login(guesser, "victim", factories.PASSWORD) == "TOO_MANY_ATTEMPTS"


async def test_wrong_current_passwords_are_throttled(strict_app: Any) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", GRID)
    async with _client_from(strict_app, "203.0.113.9") as thief:
        answers = []
        for _ in range(3):
            body = await gql(
                thief, CHANGE, {"c": "guess-1234", "n": "New-Password-2027"}, token=token
            )
            answers.append(body["data"]["changePassword"]["__typename"])
        right = await gql(
            thief, CHANGE, {"c": factories.PASSWORD, "n": "New-Password-2027"}, token=token
        )

    assert answers == ["AuthenticationError", "AuthenticationError", "RateLimitedError"]
    assert right["data"]["changePassword"]["__typename"] == "RateLimitedError"


async def test_a_deactivated_account_is_checked_like_any_other(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing: the argon2 work is counted instead (the same number of verifications)."""
    from api import auth

    await factories.region_tree()
    account = await factories.user("grid_worker", GRID, username="gone")
    account.is_active = False
    await account.save()
    verified: list[str] = []
    original = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: verified.append(h) or original(h, p))

    await factories.user("grid_worker", GRID, username="here")
    attempts = [
        ("here", "Wrong-Password-1"),
        ("gone", "Wrong-Password-1"),
        ("gone", factories.PASSWORD),  # the right password of a deactivated account
        ("nobody", "Wrong-Password-1"),
    ]

    for username, password in attempts:
        assert await _login(client, username, password) == "INVALID_CREDENTIALS", username

    # one argon2 verification per attempt, whichever kind of account it named
    assert len(verified) == len(attempts)


async def test_supervision_and_comments_count_the_version_up(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, leader = await factories.signed_in("leader", "4106")
    event = (await run(client, REPORT, worker, input=report_input()))["event"]

    supervised = await run(client, SUPERVISE, leader, id=event["uuid"], note="请加快处置")
    commented = await run(client, COMMENT, leader, id=event["uuid"], note="处置及时")

    assert supervised["event"]["version"] == event["version"] + 1
    assert commented["event"]["version"] == event["version"] + 2
