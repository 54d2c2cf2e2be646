"""Test fixtures: real PostgreSQL and Redis (given by URL, else embedded), a fresh migrated
database for the run, every test starting from empty tables and an empty Redis database."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis
from tortoise import Tortoise, connections

from api import clock
from api.settings import Settings, get_settings
from tests.urls import with_database

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"
# Tests use their own Redis database number on a shared server, and flush only that one; two
# suites running at once on one server (parallel checkouts) each pick another number.
TEST_REDIS_DB = int(os.environ.get("GRIDGOV_TEST_REDIS_DB", "13"))


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@pytest.fixture(scope="session")
def server_urls() -> Iterator[tuple[str, str]]:
    """(database URL, redis URL) of real servers: the environment's, else embedded ones."""
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if database_url and redis_url:
        yield database_url, redis_url
        return
    from api.embedded import embedded_services

    with (
        tempfile.TemporaryDirectory(prefix="gridgov-test-") as data_dir,
        embedded_services(
            Path(data_dir), postgres=not database_url, redis=not redis_url, persist=False
        ) as embedded,
    ):
        yield database_url or embedded.database_url, redis_url or embedded.redis_url


@pytest.fixture(scope="session")
async def database_url(server_urls: tuple[str, str]) -> AsyncIterator[str]:
    """A database of our own for this run, migrated with the committed migrations, dropped after."""
    from api.db import apply_migrations

    base = server_urls[0]
    name = f"gridgov_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_asyncpg_dsn(base))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(base, name)
    await apply_migrations(url)
    yield url
    admin = await asyncpg.connect(_asyncpg_dsn(base))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def settings(database_url: str, server_urls: tuple[str, str]) -> Iterator[Settings]:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": with_database(server_urls[1], TEST_REDIS_DB),
        "GRIDGOV_ENV": "test",
        "GRIDGOV_SECRET_KEY": TEST_SECRET,
    }
    previous = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    yield get_settings()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(scope="session")
async def _tortoise(settings: Settings) -> AsyncIterator[None]:
    from api.db import close_database, open_database

    assert settings.database_url
    await open_database(settings.database_url, pool_size=10)
    yield
    await close_database()


async def _empty_tables() -> None:
    connection = connections.get("default")
    tables = [model._meta.db_table for model in Tortoise.apps["gridgov"].values()]
    await connection.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    from api.db import REFERENCE_DATA, load
    from policies.enforcer import get_enforcer

    await load(*REFERENCE_DATA)
    get_enforcer().load_stored([])  # no permission granted at run time (their table is empty)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    assert settings.redis_url
    client = Redis.from_url(settings.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def db(_tortoise: None, redis: Redis) -> AsyncIterator[None]:
    """Every test starts from empty tables and an empty Redis database, and the real clock."""
    await _empty_tables()
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
async def app(db: None, settings: Settings) -> Any:
    from api.app import create_app

    # The lifespan (pool, migration gate) is already done by the session fixture.
    return create_app(settings)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    # English messages, which the tests assert (the deployment's default stays zh-CN; tests of
    # Chinese messages send their own Accept-Language: tests/test_i18n.py)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gridgov.test", headers={"Accept-Language": "en"}
    ) as http:
        yield http


@contextlib.contextmanager
def env(**values: str) -> Iterator[None]:
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
