"""Migrations: committed ones match the models, and the API refuses a database that is behind."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from api import db
from api.settings import Settings
from tests.conftest import _asyncpg_dsn
from tests.urls import with_database


async def test_models_need_no_new_migration(settings: Settings, _tortoise: None) -> None:
    config = db.tortoise_config(settings.database_url or "", pool_size=1)
    detector = MigrationAutodetector(Tortoise.apps, config["apps"])

    writers = await detector.changes()

    assert writers == [], "models changed without a migration: run `tortoise makemigrations`"


async def test_startup_refuses_a_database_that_is_behind(server_urls: tuple[str, str]) -> None:
    name = f"gridgov_behind_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_asyncpg_dsn(server_urls[0]))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with pytest.raises(db.DatabaseBehind, match="gridgov migrate"):
            await db.check_migrated(with_database(server_urls[0], name))
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
