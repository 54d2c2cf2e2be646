"""Tortoise configuration, start-up and the migration gate."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.executor import MigrationExecutor

APP = "gridgov"
# Named, not imported: this module opens the database for every domain and imports none of them.
MODEL_MODULES = [
    "api.domains.hierarchy.models",
    "api.domains.accounts.models",
    "api.domains.audit.models",
    "api.domains.events.models",
    "api.flows.models",
    "api.outbox",
    "api.domains.notices.models",
    "api.domains.positions.models",
    "api.domains.webhooks.models",
    "api.domains.registry.models",
    "api.domains.intake.models",
    "api.domains.stats.models",
    "api.domains.imports.models",
    "api.domains.emergencies.models",
    "api.domains.diaries.models",
    "api.domains.approvals.models",
    "api.domains.announcements.models",
    "api.domains.meetings.models",
    "api.domains.points.models",
    "api.domains.economy.models",
    "api.domains.care.models",
    "api.domains.ledgers.models",
    "api.domains.partywork.models",
    "api.domains.triage.models",
    "api.domains.supervision.models",
    "api.domains.services.models",
    "api.domains.grants.models",
    "api.domains.engagement.models",
]
# Loaders of reference data that must exist once the tables do (idempotent), run after migrating.
# Tables the code expects filled (categories, project categories): loaded at every migrate, and
# again into each test's emptied tables.
REFERENCE_DATA = [
    "api.domains.events.reference.ensure_reference_data",
    "api.domains.economy.reference.ensure_reference_data",
    "api.domains.stats.norms.ensure_reference_data",
    "api.domains.stats.grades.ensure_reference_data",
    "api.domains.registry.codes.ensure_reference_data",
]
# Data of the day the migration runs (this year's and next year's statutory holidays): seeded at
# every migrate, while tests start from an empty calendar and seed what they test.
SEEDED_AT_MIGRATE = [
    "api.domains.events.holidays.seed_current_years",
    # pinyin keys of rows written without them (older rows, bulk loads): idempotent
    "api.domains.hierarchy.search.backfill",
    "api.domains.registry.search.backfill",
]


class PooledConnection(asyncpg.Connection):
    """A pool connection returned without asyncpg's reset statement (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL), which cost a round trip after every query outside a transaction: half
    of a simple request's round trips. Nothing of ours leaves session state on a pooled
    connection (settings are SET LOCAL, advisory locks transaction-scoped, LISTEN and the relay's
    session lock on connections of their own); an open transaction is still rolled back."""

    def get_reset_query(self) -> str:
        return ""


class DatabaseBehind(RuntimeError):
    """The database lacks migrations the code needs; the service must not start on it."""


def tortoise_config(database_url: str, *, pool_size: int = 10) -> dict[str, Any]:
    """The Tortoise config for our single app on one PostgreSQL."""
    from tortoise.backends.base.config_generator import expand_db_url

    connection = expand_db_url(database_url)
    connection["credentials"].setdefault("minsize", 1)
    connection["credentials"]["maxsize"] = pool_size
    connection["credentials"]["connection_class"] = PooledConnection
    return {
        "connections": {"default": connection},
        "apps": {
            APP: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "api.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` reads TORTOISE_ORM from here (pyproject [tool.tortoise]); built on
    # access so that importing this module never reads the environment.
    if name == "TORTOISE_ORM":
        from api.settings import get_settings

        url = get_settings().database_url
        if not url:
            raise RuntimeError("set DATABASE_URL to run tortoise's own CLI")
        return tortoise_config(url)
    raise AttributeError(name)


def replica_client(url: str, *, pool_size: int) -> BaseDBAsyncClient:
    """A pool to a streaming replica (api/replicas.py decides which reads use it). Kept out of
    Tortoise's config: a second configured connection would make every transaction opened
    without a connection name ambiguous. Named `default` because that is the connection it
    stands in for, so a transaction begun inside a replica's read stays on it. Connects on first
    use: a replica down at start-up does not stop the API."""
    from tortoise.backends.base.config_generator import expand_db_url

    info = expand_db_url(url)
    engine = import_module(info["engine"])
    credentials = {
        **info["credentials"],
        "minsize": 0,
        "maxsize": pool_size,
        "connection_class": PooledConnection,
    }
    client: BaseDBAsyncClient = engine.client_class(connection_name="default", **credentials)
    return client


async def pending_migrations(config: dict[str, Any]) -> list[str]:
    """Names of migrations present in the code but not applied (on the current context)."""
    executor = MigrationExecutor(get_connection("default"), config["apps"])
    plan = await executor.plan()
    return [f"{step.migration.app_label}.{step.migration.name}" for step in plan]


async def check_migrated(database_url: str) -> None:
    """Raise DatabaseBehind unless every committed migration is applied."""
    config = tortoise_config(database_url, pool_size=1)
    # A context of its own: the check must not disturb a context already open in this task.
    async with TortoiseContext() as context:
        await context.init(config=config)
        pending = await pending_migrations(config)
    if pending:
        raise DatabaseBehind(
            f"database is behind by {len(pending)} migration(s) ({', '.join(pending)}): "
            "run `gridgov migrate`"
        )


async def apply_migrations(database_url: str) -> list[str]:
    """Bring the database up to date; returns what was applied."""
    config = tortoise_config(database_url, pool_size=2)
    async with TortoiseContext() as context:
        await context.init(config=config)
        pending = await pending_migrations(config)
        await migrate_api(config=config)
        await load(*REFERENCE_DATA, *SEEDED_AT_MIGRATE)
    return pending


async def load(*loaders: str) -> None:
    """Run the named loaders (`module.function`) of REFERENCE_DATA or SEEDED_AT_MIGRATE, in order,
    on the open database."""
    for name in loaders:
        module, function = name.rsplit(".", 1)
        await getattr(import_module(module), function)()


async def open_database(
    database_url: str, *, pool_size: int, check_migrations: bool = True
) -> None:
    """Open the pool for every task of the process; refuse a database that is behind."""
    if check_migrations:
        await check_migrated(database_url)
    # Global fallback: requests run in tasks other than the lifespan's that called init.
    await Tortoise.init(
        config=tortoise_config(database_url, pool_size=pool_size), _enable_global_fallback=True
    )


async def close_database() -> None:
    await Tortoise.close_connections()
