"""Principals kept between requests: served again, and dropped at once when the database changes
who may do what, whichever way the change is made."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pydantic
import pytest

from api import clock
from api.auth import Principal
from api.domains.accounts.models import RoleAssignment
from api.domains.accounts.principals import PrincipalCache
from api.settings import Settings
from tests import factories
from tests.factories import error_codes, gql
from tests.intake.helpers import api_key

ME = "{ me { username roles { role regionCode } } }"
EVENTS = "{ events(first: 1) { edges { node { uuid } } } }"
WORKER_REGION = "410611001001001"


@pytest.fixture
async def cache(app: Any) -> AsyncIterator[PrincipalCache]:
    """The app's cache, listening (the test app runs without its lifespan, so without one)."""
    principals: PrincipalCache = app.state.resources.principals
    await principals.start()
    await asyncio.wait_for(principals.wait_listening(), 10)
    yield principals
    await principals.stop()


async def _noticed(cache: PrincipalCache, before: int) -> None:
    """The database's notice of a change has reached the cache."""

    async def emptied() -> None:
        while cache.generation == before:  # noqa: ASYNC110 - the notice arrives on its own connection
            await asyncio.sleep(0.01)

    await asyncio.wait_for(emptied(), 5)


async def test_a_kept_principal_serves_the_next_requests(
    client: httpx.AsyncClient, cache: PrincipalCache
) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", WORKER_REGION)

    # the notice of the sign-in's commit may arrive between the requests and empty the cache:
    # judge a pair of requests while which nothing was noticed
    for _attempt in range(20):
        generation = cache.generation
        first = await gql(client, ME, token=token)
        hits = cache.hits
        second = await gql(client, ME, token=token)
        if cache.generation == generation:
            break
        await asyncio.sleep(0.05)

    assert cache.generation == generation, "notices kept arriving"
    assert first == second and first["data"]["me"]["roles"]
    assert cache.hits == hits + 1


async def test_signing_out_ends_access_at_the_next_request(
    client: httpx.AsyncClient, cache: PrincipalCache
) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", WORKER_REGION)
    assert (await gql(client, ME, token=token))["data"]["me"]
    before = cache.generation

    out = await gql(
        client,
        "mutation { logout { __typename ... on LogoutPayload { sessionsEnded } } }",
        token=token,
    )
    await _noticed(cache, before)

    assert out["data"]["logout"]["sessionsEnded"] == 1
    assert error_codes(await gql(client, ME, token=token)) == ["UNAUTHENTICATED"]


async def test_deactivating_a_user_ends_access_at_the_next_request(
    client: httpx.AsyncClient, cache: PrincipalCache
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    worker, token = await factories.signed_in("grid_worker", WORKER_REGION)
    assert (await gql(client, ME, token=token))["data"]["me"]
    before = cache.generation

    body = await gql(
        client,
        "mutation($id: ID!) { deactivateUser(id: $id) { __typename } }",
        {"id": str(worker.id)},
        token=admin,
    )
    await _noticed(cache, before)

    assert body["data"]["deactivateUser"]["__typename"] == "UserPayload"
    assert error_codes(await gql(client, ME, token=token)) == ["UNAUTHENTICATED"]


async def test_a_role_changed_outside_the_api_is_seen_at_the_next_request(
    client: httpx.AsyncClient, cache: PrincipalCache
) -> None:
    await factories.region_tree()
    worker, token = await factories.signed_in("grid_worker", WORKER_REGION)
    assert "errors" not in await gql(client, EVENTS, token=token)
    before = cache.generation

    # an administrator's SQL, an import: not through any service of ours
    await RoleAssignment.filter(user_id=worker.id).delete()
    await _noticed(cache, before)

    assert error_codes(await gql(client, EVENTS, token=token)) == ["FORBIDDEN"]


async def test_an_api_key_is_checked_on_every_call(
    client: httpx.AsyncClient, cache: PrincipalCache
) -> None:
    await factories.region_tree()
    key = await api_key("410611")
    hits = cache.hits

    calls = [await gql(client, EVENTS, headers={"X-Api-Key": key}) for _ in range(2)]

    assert all("errors" not in body for body in calls), calls
    assert cache.hits == hits


async def test_an_expired_token_is_refused_though_its_principal_is_kept(
    client: httpx.AsyncClient, cache: PrincipalCache
) -> None:
    await factories.region_tree()
    worker = await factories.user("grid_worker", WORKER_REGION)
    token = await factories.token_for(worker, ttl=timedelta(minutes=15))
    assert (await gql(client, ME, token=token))["data"]["me"]

    clock.move(timedelta(minutes=16))
    body = await gql(client, ME, token=token)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "expired" in body["errors"][0]["message"]


async def test_nothing_is_kept_while_the_line_to_the_database_is_down(
    client: httpx.AsyncClient, cache: PrincipalCache, database_url: str
) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", WORKER_REGION)
    await gql(client, ME, token=token)
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("SELECT pg_terminate_backend($1)", cache.listener_pid)
    finally:
        await connection.close()
    await asyncio.wait_for(cache.wait_listening(False), 5)
    hits = cache.hits

    for _ in range(3):
        assert (await gql(client, ME, token=token))["data"]["me"]
    assert cache.hits == hits  # every request read the database

    await asyncio.wait_for(cache.wait_listening(), 10)  # it listens again by itself
    await gql(client, ME, token=token)
    await gql(client, ME, token=token)
    assert cache.hits == hits + 1


async def test_a_read_overtaken_by_a_notice_is_not_kept(cache: PrincipalCache) -> None:
    principal = Principal(username="li.na")
    reads = 0
    gate = asyncio.Event()

    def loader(wait: bool) -> Callable[[str], Awaitable[Principal]]:
        async def load(token: str) -> Principal:
            nonlocal reads
            reads += 1
            if wait:
                await gate.wait()
            return principal

        return load

    reading = asyncio.create_task(cache.principal("token", loader(wait=True)))
    await asyncio.sleep(0)  # the read is under way
    cache.drop_all()  # what a notice does, while the read's answer may be older than the change
    gate.set()
    assert await reading is principal

    await cache.principal("token", loader(wait=False))
    await cache.principal("token", loader(wait=False))
    assert reads == 2  # read again once, then kept


def test_the_keeping_time_is_bounded() -> None:
    for refused in (-1, 61):
        with pytest.raises(pydantic.ValidationError):
            Settings(gridgov_principal_cache_seconds=refused)
    assert Settings(gridgov_principal_cache_seconds=0).gridgov_principal_cache_seconds == 0


async def test_zero_seconds_keeps_nothing(database_url: str) -> None:
    cache = PrincipalCache(database_url, seconds=0)
    await cache.start()  # starts no listener: every request reads its session
    reads = 0

    async def load(token: str) -> Principal:
        nonlocal reads
        reads += 1
        return Principal(username="li.na")

    try:
        for _ in range(2):
            await cache.principal("token", load)
    finally:
        await cache.stop()
    assert reads == 2 and not cache.listening and cache.hits == 0
