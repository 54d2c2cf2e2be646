"""The timeline, the outbox, the audit log and webhook deliveries partitioned by month (migration
0048): the conversion keeps every row and id, a month without a partition is never an insert
error, and each table's retention drops whole months by its own rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate

from api import db, partitions
from api.domains.audit.models import AuditEntry
from api.domains.events.enums import Action
from api.domains.events.models import TimelineEntry
from api.domains.webhooks.models import DeliveryStatus, WebhookDelivery
from api.outbox import OutboxMessage
from api.settings import Settings
from tests import factories
from tests.conftest import _asyncpg_dsn
from tests.events.helpers import REPORT, report_input, run
from tests.urls import with_database
from workers.history import maintain_history, partitioned_tables

GRID = "410611001001001"
# (table, partition column)
TABLES = [
    ("event_timeline", "at"),
    ("outbox", "created_at"),
    ("audit_log", "at"),
    ("webhook_deliveries", "created_at"),
]


async def _insert_history(connection: Any, moments: list[datetime]) -> dict[str, list[int]]:
    """One row per moment in each table, over raw SQL (as rows written before any of this);
    returns the ids per table."""
    event, endpoint = uuid.uuid4(), uuid.uuid4()
    async with connection.transaction():
        # the event and the endpoint stand alone: their own references are beside the point
        await connection.execute("SET LOCAL session_replication_role = replica")
        await connection.execute(
            "INSERT INTO events (id, case_number, title, description, category_key, source,"
            " priority, status, region_code, city_code, handling_region_code, handling_level,"
            " due_by_stage, card, rework_count, escalation_count, version, reported_at,"
            " updated_at) VALUES ($1, 'P-1', 't', 'd', 'city.0601', 'grid', 'normal',"
            " 'reported', '4106', '4106', '4106', 'city', '{}', 'blue', 0, 0, 1, now(), now())",
            event,
        )
        await connection.execute(
            "INSERT INTO webhook_endpoints (id, api_key_id, url, is_active, created_at)"
            " VALUES ($1, $2, 'https://hotline.example/hook', true, now())",
            endpoint,
            uuid.uuid4(),
        )
    ids: dict[str, list[int]] = {}
    for sequence, moment in enumerate(moments, start=1):
        for table, statement, args in [
            (
                "event_timeline",
                "INSERT INTO event_timeline (event_id, action, actor_label, note, attachment_ids,"
                " at) VALUES ($1, 'report', 'x', '', '[]', $2) RETURNING id",
                (event, moment),
            ),
            (
                "outbox",
                "INSERT INTO outbox (topic, region_code, payload, created_at)"
                " VALUES ('event', $1, '{}', $2) RETURNING id",
                (GRID, moment),
            ),
            (
                "audit_log",
                "INSERT INTO audit_log (at, actor_label, action, object_type, object_id,"
                " region_code, detail) VALUES ($1, 'x', 'read', 'event', '1', $2, '{}')"
                " RETURNING id",
                (moment, GRID),
            ),
            (
                "webhook_deliveries",
                "INSERT INTO webhook_deliveries (endpoint_id, sequence, payload, status, attempts,"
                " next_attempt_at, created_at) VALUES ($1, $2, '{}', 'delivered', 1, $3, $3)"
                " RETURNING id",
                (endpoint, sequence, moment),
            ),
        ]:
            ids.setdefault(table, []).append(await connection.fetchval(statement, *args))
    return ids


async def _placed(connection: Any, table: str, column: str) -> list[tuple[int, datetime, str]]:
    rows = await connection.fetch(
        f"SELECT id, {column} AS at, tableoid::regclass::text AS part FROM {table} ORDER BY id"
    )
    return [(row["id"], row["at"], row["part"]) for row in rows]


async def test_the_conversion_keeps_every_row_and_id_and_the_orm_goes_on(
    server_urls: tuple[str, str],
) -> None:
    name = f"gridgov_history_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_asyncpg_dsn(server_urls[0]))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_urls[0], name)
    now = datetime.now(UTC)
    moments = [now - timedelta(days=days) for days in (400, 95, 33, 1)] + [now]
    try:
        config = db.tortoise_config(url, pool_size=2)
        async with TortoiseContext() as context:
            await context.init(config=config)
            await migrate(config=config, app_labels=["gridgov"], target="gridgov.0047_i18n30")
        before = await asyncpg.connect(_asyncpg_dsn(url))
        ids = await _insert_history(before, moments)
        await before.close()

        await db.apply_migrations(url)

        after = await asyncpg.connect(_asyncpg_dsn(url))
        for table, column in TABLES:
            kind = await after.fetchval("SELECT relkind FROM pg_class WHERE relname = $1", table)
            assert kind == b"p", table  # relkind is a "char": asyncpg gives bytes
            assert await _placed(after, table, column) == [
                (id_, moment, f"{table}_p{moment.astimezone(UTC):%Y%m}")
                for id_, moment in zip(ids[table], moments, strict=True)
            ]
        await after.close()

        async with TortoiseContext() as context:
            await context.init(config=config)
            timeline = await TimelineEntry.all().order_by("id")
            outbox = await OutboxMessage.filter(id__gt=0).order_by("id")
            audit = await AuditEntry.filter(region_code=GRID).order_by("id")
            delivery = await WebhookDelivery.get(id=ids["webhook_deliveries"][1])
            assert [entry.id for entry in timeline] == ids["event_timeline"]
            assert [message.id for message in outbox] == ids["outbox"]
            assert [entry.id for entry in audit] == ids["audit_log"]
            assert delivery.created_at == moments[1]
            # the sequences go on from where they were
            added = await AuditEntry.create(
                actor_label="x",
                action="read",
                object_type="event",
                object_id="2",
                region_code=GRID,
            )
            message = await OutboxMessage.create(topic="event", region_code=GRID, payload={})
            entry = await TimelineEntry.create(
                event_id=timeline[0].event_id, action=Action.COMMENT, actor_label="x", at=now
            )
            delivery.status = DeliveryStatus.FAILED
            await delivery.save()
            assert added.id == max(ids["audit_log"]) + 1
            assert message.id == max(ids["outbox"]) + 1
            assert entry.id == max(ids["event_timeline"]) + 1
            assert (await WebhookDelivery.get(id=delivery.id)).status is DeliveryStatus.FAILED

        # and back: plain tables again, every row with its id
        async with TortoiseContext() as context:
            await context.init(config=config)
            await migrate(config=config, app_labels=["gridgov"], target="gridgov.0047_i18n30")
        reverted = await asyncpg.connect(_asyncpg_dsn(url))
        for table, column in TABLES:
            kind = await reverted.fetchval("SELECT relkind FROM pg_class WHERE relname = $1", table)
            placed = await _placed(reverted, table, column)
            assert kind == b"r", table
            assert [id_ for id_, _at, _part in placed][: len(moments)] == ids[table]
            assert {part for _id, _at, part in placed} == {table}
        unique = await reverted.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'webhook_deliveries'::regclass"
            " AND contype = 'u'"
        )
        await reverted.close()
        assert unique == 1
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _reported(client: httpx.AsyncClient) -> str:
    """An event reported through the API: its timeline, outbox and audit rows, this month."""
    await factories.region_tree()
    _worker, token = await factories.signed_in("grid_worker", GRID)
    payload = await run(client, REPORT, token, input=report_input())
    return str(payload["event"]["uuid"])


async def test_a_month_without_a_partition_takes_rows_and_gets_one_from_them(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    event = await _reported(client)
    later = datetime.now(UTC) + timedelta(days=200)  # beyond the months made ahead
    connection = connections.get("default")
    await connection.execute_query(
        "INSERT INTO event_timeline (event_id, action, actor_label, note, attachment_ids, at)"
        " VALUES ($1, 'comment', 'x', '', '[]', $2)",
        [event, later],
    )
    await connection.execute_query(
        "INSERT INTO outbox (topic, region_code, payload, created_at)"
        " VALUES ('event', $1, '{}', $2)",
        [GRID, later],
    )
    await connection.execute_query(
        "INSERT INTO audit_log (at, actor_label, action, object_type, object_id, region_code,"
        " detail) VALUES ($1, 'x', 'read', 'event', '1', $2, '{}')",
        [later, GRID],
    )
    specs = {spec.table: spec for spec in partitioned_tables(settings)}
    month = f"{later:%Y%m}"
    for table, column in TABLES[:3]:
        placed = await connection.execute_query_dict(
            f"SELECT tableoid::regclass::text AS part FROM {table} WHERE {column} = $1", [later]
        )
        assert [row["part"] for row in placed] == [f"{table}_default"], table

        made, _dropped = await partitions.maintain(specs[table], now=later)

        assert f"{table}_p{month}" in made
        placed = await connection.execute_query_dict(
            f"SELECT tableoid::regclass::text AS part FROM {table} WHERE {column} = $1", [later]
        )
        assert [row["part"] for row in placed] == [f"{table}_p{month}"], table


async def _months(table: str) -> set[str]:
    return set(await partitions.months(partitions.Partitioned(table, "-", None)))


async def test_retention_drops_old_months_by_each_tables_rule(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    event = await _reported(client)
    connection = connections.get("default")
    old = datetime.now(UTC) - timedelta(days=400)
    older = old - timedelta(days=40)
    # two old months in every table; in the outbox the older one holds a row the relay has
    # not announced yet, and the deliveries' older month a delivery still pending
    for at in (older, old):
        await connection.execute_query(
            "INSERT INTO event_timeline (event_id, action, actor_label, note, attachment_ids,"
            " at) VALUES ($1, 'comment', 'x', '', '[]', $2)",
            [event, at],
        )
        await connection.execute_query(
            "INSERT INTO audit_log (at, actor_label, action, object_type, object_id,"
            " region_code, detail) VALUES ($1, 'x', 'read', 'event', '1', $2, '{}')",
            [at, GRID],
        )
    specs = {spec.table: spec for spec in partitioned_tables(settings)}
    for spec in specs.values():
        for at in (older, old):
            await partitions.make(spec, partitions.month_of(at))
    announced = await connection.execute_query_dict(
        "INSERT INTO outbox (topic, region_code, payload, created_at)"
        " VALUES ('event', $1, '{}', $2) RETURNING id",
        [GRID, old],
    )
    # written after, into the older month: ids run on, months need not
    unannounced = await connection.execute_query_dict(
        "INSERT INTO outbox (topic, region_code, payload, created_at)"
        " VALUES ('event', $1, '{}', $2) RETURNING id",
        [GRID, older],
    )
    newest = unannounced[0]["id"]
    # the relay announced up to the old month's row; the webhooks' fan-out went through all
    await connection.execute_query(
        "INSERT INTO outbox_relay (id, published_up_to) VALUES (1, $1)"
        " ON CONFLICT (id) DO UPDATE SET published_up_to = $1",
        [announced[0]["id"]],
    )
    await connection.execute_query(
        "INSERT INTO webhook_cursor (id, sequence) VALUES (1, $1)"
        " ON CONFLICT (id) DO UPDATE SET sequence = $1",
        [newest],
    )
    endpoint = await _endpoint()
    for status, at in (("pending", older), ("delivered", old)):
        await connection.execute_query(
            "INSERT INTO webhook_deliveries (endpoint_id, sequence, payload, status, attempts,"
            " next_attempt_at, created_at) VALUES ($1, $2, '{}', $3, 1, $4, $4)",
            [endpoint, int(at.timestamp()), status, at],
        )
    this_month = f"{datetime.now(UTC):%Y%m}"
    old_month, older_month = f"{old:%Y%m}", f"{older:%Y%m}"

    done = await maintain_history({})

    assert settings.gridgov_timeline_retention_days is None
    assert settings.gridgov_audit_retention_days is None
    assert done["event_timeline"]["dropped"] == []
    assert done["audit_log"]["dropped"] == []
    assert {f"event_timeline_p{old_month}", f"event_timeline_p{older_month}"} <= await _months(
        "event_timeline"
    )
    assert {f"audit_log_p{old_month}", f"audit_log_p{older_month}"} <= await _months("audit_log")
    # the outbox keeps the month holding the unannounced row, drops the other
    assert f"outbox_p{old_month}" in done["outbox"]["dropped"]
    assert f"outbox_p{older_month}" not in done["outbox"]["dropped"]
    assert f"outbox_p{older_month}" in await _months("outbox")
    assert f"outbox_p{this_month}" in await _months("outbox")
    # deliveries: the month with a pending one stays, the delivered one goes
    assert f"webhook_deliveries_p{old_month}" in done["webhook_deliveries"]["dropped"]
    assert f"webhook_deliveries_p{older_month}" in await _months("webhook_deliveries")

    # once announced, the outbox's older month goes too
    await connection.execute_query(
        "UPDATE outbox_relay SET published_up_to = $1 WHERE id = 1", [newest]
    )
    done = await maintain_history({})
    assert done["outbox"]["dropped"] == [f"outbox_p{older_month}"]
    remaining = await connection.execute_query_dict(
        "SELECT count(*) AS n FROM outbox WHERE created_at < $1", [old + timedelta(days=1)]
    )
    assert remaining[0]["n"] == 0


async def _endpoint() -> uuid.UUID:
    from api.domains.accounts.models import ApiKey
    from api.domains.webhooks.models import WebhookEndpoint

    key = await ApiKey.create(
        name="hotline", prefix=uuid.uuid4().hex[:16], key_hash="0" * 64, region_code="4106"
    )
    endpoint = await WebhookEndpoint.create(
        api_key_id=key.id, url="https://hotline.example/hook", is_active=True
    )
    return endpoint.id
