"""Sign-in, token refresh and rotation, logout and revocation, API keys, throttling."""

from __future__ import annotations

from datetime import timedelta

import httpx

from api import clock
from api.app import create_app
from api.settings import Settings
from tests import factories
from tests.factories import error_codes, gql

LOGIN = """
mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) {
    __typename
    ... on AuthPayload { accessToken refreshToken user { username } }
    ... on Error { code message }
    ... on RateLimitedError { retryAfterSeconds }
  }
}"""
REFRESH = """
mutation($t: String!) {
  refreshToken(refreshToken: $t) {
    __typename
    ... on AuthPayload { accessToken refreshToken }
    ... on Error { code message }
  }
}"""
ME = "{ me { username roles { role regionCode } } }"
LOGOUT = "mutation($all: Boolean!) { logout(everywhere: $all) { __typename ... on LogoutPayload { sessionsEnded } } }"


async def _login(
    client: httpx.AsyncClient, username: str, password: str = factories.PASSWORD
) -> dict:
    body = await gql(client, LOGIN, {"u": username, "p": password})
    return body["data"]["login"]


async def test_login_gives_tokens_that_work(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001", username="li.na")

    result = await _login(client, "li.na")

    assert result["__typename"] == "AuthPayload"
    me = await gql(client, ME, token=result["accessToken"])
    assert me["data"]["me"] == {
        "username": "li.na",
        "roles": [{"role": "GRID_WORKER", "regionCode": "410611001001001"}],
    }


async def test_wrong_password_and_unknown_user_look_the_same(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001", username="li.na")

    wrong = await _login(client, "li.na", "Wrong-Password-1")
    unknown = await _login(client, "nobody", "Wrong-Password-1")

    assert (
        wrong
        == unknown
        == {
            "__typename": "AuthenticationError",
            "code": "INVALID_CREDENTIALS",
            "message": "wrong username or password",
        }
    )


async def test_repeated_failures_are_throttled_even_with_the_right_password(
    client: httpx.AsyncClient, settings
) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001", username="li.na")
    for _ in range(settings.gridgov_login_max_failures):
        assert (await _login(client, "li.na", "Wrong-Password-1"))["code"] == "INVALID_CREDENTIALS"

    blocked = await _login(client, "li.na")

    assert blocked["__typename"] == "RateLimitedError"
    assert blocked["code"] == "TOO_MANY_ATTEMPTS"
    assert 0 < blocked["retryAfterSeconds"] <= settings.gridgov_login_lockout_seconds


async def test_refresh_rotates_and_a_replayed_token_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001", username="li.na")
    first = await _login(client, "li.na")

    rotated = (await gql(client, REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert rotated["__typename"] == "AuthPayload"
    assert rotated["refreshToken"] != first["refreshToken"]
    assert (await gql(client, ME, token=rotated["accessToken"]))["data"]["me"][
        "username"
    ] == "li.na"

    replay = (await gql(client, REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert replay["__typename"] == "AuthenticationError"
    assert replay["code"] == "INVALID_TOKEN"
    # the thief's replay ended the session: the legitimate holder's tokens stop working too
    after = await gql(client, ME, token=rotated["accessToken"])
    assert error_codes(after) == ["UNAUTHENTICATED"]
    again = (await gql(client, REFRESH, {"t": rotated["refreshToken"]}))["data"]["refreshToken"]
    assert again["code"] == "INVALID_TOKEN"


async def test_logout_revokes_access_and_refresh(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001", username="li.na")
    tokens = await _login(client, "li.na")
    other_device = await _login(client, "li.na")

    out = await gql(client, LOGOUT, {"all": False}, token=tokens["accessToken"])

    assert out["data"]["logout"] == {"__typename": "LogoutPayload", "sessionsEnded": 1}
    assert error_codes(await gql(client, ME, token=tokens["accessToken"])) == ["UNAUTHENTICATED"]
    refreshed = (await gql(client, REFRESH, {"t": tokens["refreshToken"]}))["data"]["refreshToken"]
    assert refreshed["code"] == "INVALID_TOKEN"
    # the other device is untouched until "everywhere"
    assert (await gql(client, ME, token=other_device["accessToken"]))["data"]["me"]
    everywhere = await gql(client, LOGOUT, {"all": True}, token=other_device["accessToken"])
    assert everywhere["data"]["logout"]["sessionsEnded"] == 1
    assert error_codes(await gql(client, ME, token=other_device["accessToken"])) == [
        "UNAUTHENTICATED"
    ]


async def test_expired_and_forged_tokens_are_refused(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    account = await factories.user("grid_worker", "410611001001001")
    token = await factories.token_for(account, ttl=timedelta(minutes=15))
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    forged_body = await gql(client, ME, token=forged)
    clock.move(timedelta(minutes=16))
    expired_body = await gql(client, ME, token=token)

    assert error_codes(forged_body) == ["UNAUTHENTICATED"]
    assert error_codes(expired_body) == ["UNAUTHENTICATED"]
    assert "expired" in expired_body["errors"][0]["message"]
    assert expired_body["data"] == {"me": None}


async def test_a_token_in_use_still_expires_on_time(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    account = await factories.user("grid_worker", "410611001001001", username="li.na")
    token = await factories.token_for(account, ttl=timedelta(minutes=15))

    uses = [await gql(client, ME, token=token) for _ in range(2)]
    clock.move(timedelta(minutes=16))
    expired_body = await gql(client, ME, token=token)
    clock.move(timedelta(minutes=-16))
    again = await gql(client, ME, token=token)

    assert [body["data"]["me"]["username"] for body in uses] == ["li.na", "li.na"]
    assert error_codes(expired_body) == ["UNAUTHENTICATED"]
    assert "expired" in expired_body["errors"][0]["message"]
    assert again["data"]["me"]["username"] == "li.na"


async def test_a_token_in_use_stops_working_when_the_secret_changes(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await factories.region_tree()
    account = await factories.user("grid_worker", "410611001001001", username="li.na")
    token = await factories.token_for(account)
    assert (await gql(client, ME, token=token))["data"]["me"]["username"] == "li.na"

    rotated = settings.model_copy(update={"gridgov_secret_key": "another-secret-" + "x" * 40})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(rotated)), base_url="http://t"
    ) as other:
        body = await gql(other, ME, token=token)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == "invalid access token"
    assert (await gql(client, ME, token=token))["data"]["me"]["username"] == "li.na"


async def test_a_stale_token_does_not_block_signing_in_again(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001", username="li.na")

    body = await gql(client, LOGIN, {"u": "li.na", "p": factories.PASSWORD}, token="not-a-token")

    assert body["data"]["login"]["__typename"] == "AuthPayload"


async def test_deactivated_user_loses_access_at_once(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    worker = await factories.user("grid_worker", "410611001001001", username="li.na")
    tokens = await _login(client, "li.na")

    body = await gql(
        client,
        "mutation($id: ID!) { deactivateUser(id: $id) { __typename } }",
        {"id": str(worker.id)},
        token=admin,
    )

    assert body["data"]["deactivateUser"]["__typename"] == "UserPayload"
    assert error_codes(await gql(client, ME, token=tokens["accessToken"])) == ["UNAUTHENTICATED"]
    assert (await _login(client, "li.na"))["code"] == "INVALID_CREDENTIALS"


API_KEY = """
mutation($name: String!, $code: String!) {
  createApiKey(name: $name, regionCode: $code) {
    __typename
    ... on NewApiKeyPayload { secret apiKey { id prefix regionCode } }
    ... on Error { code field }
  }
}"""
HOTLINE_QUERY = "{ regions(first: 100) { edges { node { code } } } }"


async def test_api_key_works_in_both_headers_within_its_region_only(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    created = (await gql(client, API_KEY, {"name": "12345热线", "code": "410611002"}, token=admin))[
        "data"
    ]["createApiKey"]
    assert created["__typename"] == "NewApiKeyPayload"
    secret = created["secret"]

    by_header = await gql(client, HOTLINE_QUERY, headers={"X-Api-Key": secret})
    by_bearer = await gql(client, HOTLINE_QUERY, headers={"Authorization": f"Bearer {secret}"})

    codes = [edge["node"]["code"] for edge in by_header["data"]["regions"]["edges"]]
    assert codes == ["410611002", "410611002001", "410611002001001"]
    assert by_bearer == by_header
    me = await gql(client, ME, headers={"X-Api-Key": secret})
    assert me["data"]["me"] is None


async def test_revoked_or_wrong_api_key_is_refused(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    created = (await gql(client, API_KEY, {"name": "WeChat", "code": "410611"}, token=admin))[
        "data"
    ]["createApiKey"]
    secret = created["secret"]
    tampered = secret[:-3] + ("xyz" if not secret.endswith("xyz") else "abc")

    assert error_codes(await gql(client, HOTLINE_QUERY, headers={"X-Api-Key": tampered})) == [
        "UNAUTHENTICATED"
    ]
    revoke = await gql(
        client,
        "mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on ApiKeyPayload { apiKey { revokedAt } } } }",
        {"id": created["apiKey"]["id"]},
        token=admin,
    )
    assert revoke["data"]["revokeApiKey"]["apiKey"]["revokedAt"]
    assert error_codes(await gql(client, HOTLINE_QUERY, headers={"X-Api-Key": secret})) == [
        "UNAUTHENTICATED"
    ]


async def test_api_key_cannot_be_scoped_to_a_grid(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")

    body = await gql(client, API_KEY, {"name": "x", "code": "410611001001001"}, token=admin)

    assert body["data"]["createApiKey"] == {
        "__typename": "ValidationError",
        "code": "ROLE_NOT_AT_LEVEL",
        "field": "regionCode",
    }
