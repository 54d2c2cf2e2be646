"""The positions' history partitioned by month: the conversion keeps every row, a month without
a partition is never an insert error, and retention drops whole months."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate

from api import clock, db
from api.domains.positions import service
from tests import factories
from tests.conftest import _asyncpg_dsn
from tests.factories import gql
from tests.urls import with_database

GRID = "410611001001001"
BATCH = (
    "mutation($fixes: [PositionFixInput!]!) { reportPositions(fixes: $fixes) { __typename"
    " ... on PositionBatchPayload { stored rejected { index } } } }"
)


async def _partition_of(user_id: uuid.UUID) -> list[str]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT tableoid::regclass::text AS part FROM worker_positions WHERE user_id = $1"
        " ORDER BY at",
        [user_id],
    )
    return [row["part"] for row in rows]


async def test_the_conversion_keeps_every_row_in_its_month(server_urls: tuple[str, str]) -> None:
    name = f"gridgov_partitions_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_asyncpg_dsn(server_urls[0]))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_urls[0], name)
    now = datetime.now(UTC)
    moments = [now - timedelta(days=days) for days in (400, 95, 33, 1)] + [now]
    try:
        config = db.tortoise_config(url, pool_size=2)
        async with TortoiseContext() as context:
            await context.init(config=config)
            await migrate(config=config, app_labels=["gridgov"], target="gridgov.0040_positions")
        before = await asyncpg.connect(_asyncpg_dsn(url))
        user = uuid.uuid4()
        await before.executemany(
            "INSERT INTO worker_positions (user_id, region_code, lat, lng, accuracy, at,"
            " received_at) VALUES ($1, $2, 35.7, 114.3, 5, $3, $3)",
            [(user, GRID, moment) for moment in moments],
        )
        await before.close()

        await db.apply_migrations(url)

        after = await asyncpg.connect(_asyncpg_dsn(url))
        kind = await after.fetchval(
            "SELECT relkind FROM pg_class WHERE relname = 'worker_positions'"
        )
        rows = await after.fetch(
            "SELECT at, tableoid::regclass::text AS part FROM worker_positions ORDER BY at"
        )
        await after.close()
        assert kind == b"p"  # relkind is a "char": asyncpg gives bytes
        assert [row["at"] for row in rows] == moments
        assert [row["part"] for row in rows] == [
            f"worker_positions_p{moment.astimezone(UTC):%Y%m}" for moment in moments
        ]
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_month_without_a_partition_takes_fixes_and_gets_one_from_them(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    clock.move(timedelta(days=130))  # past the months the migration and the worker made
    try:
        worker, token = await factories.signed_in("grid_worker", GRID)
        fixes = [
            {
                "lat": 35.74,
                "lng": 114.29,
                "accuracy": 5,
                "at": (clock.now() - timedelta(minutes=i)).isoformat(),
            }
            for i in range(3)
        ]
        sent = await gql(client, BATCH, {"fixes": fixes}, token=token)
        stray = await _partition_of(worker.id)

        made, _ = await service.maintain_history(retention_days=180)

        assert sent["data"]["reportPositions"] == {
            "__typename": "PositionBatchPayload",
            "stored": 3,
            "rejected": [],
        }
        assert stray == ["worker_positions_default"] * 3
        month = clock.now().astimezone(UTC)
        assert f"worker_positions_p{month:%Y%m}" in made
        assert set(await _partition_of(worker.id)) <= {
            f"worker_positions_p{(month - timedelta(minutes=2)).astimezone(UTC):%Y%m}",
            f"worker_positions_p{month:%Y%m}",
        }
    finally:
        clock.reset()
        await service.maintain_history(retention_days=3650)


async def test_retention_drops_whole_months(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker, token = await factories.signed_in("grid_worker", GRID)
    fix = {"lat": 35.74, "lng": 114.29, "accuracy": 5, "at": clock.now().isoformat()}
    await gql(client, BATCH, {"fixes": [fix]}, token=token)
    this_month = f"worker_positions_p{clock.now().astimezone(UTC):%Y%m}"
    try:
        _, dropped_at_first = await service.maintain_history(retention_days=20)
        clock.move(timedelta(days=70))
        _, dropped = await service.maintain_history(retention_days=20)
        left = await _partition_of(worker.id)
    finally:
        clock.reset()
        await service.maintain_history(retention_days=3650)  # the months later tests write to

    assert this_month not in dropped_at_first
    assert this_month in dropped
    assert left == []
