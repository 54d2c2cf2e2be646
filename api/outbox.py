"""The transactional outbox: every change that others watch is written here in the same
transaction as the change itself, then relayed to Redis after commit (api/realtime.py); the
relay's queries and the replay of missed rows (api/feeds) read it here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import asyncpg
import orjson
from tortoise import fields, timezone
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api import bulk
from api.realtime import OutboxRow


class OutboxMessage(Model):
    """One change; `id` is the global sequence subscribers resume from."""

    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=32)
    region_code = fields.CharField(max_length=15, description="ancestors' channels receive it")
    user_id = fields.UUIDField(null=True, description="for messages to one user (notices)")
    payload: fields.JSONField[Any] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox"


class OutboxRelayState(Model):
    """How far the relay has published, in order (a single row)."""

    id = fields.IntField(primary_key=True)
    published_up_to = fields.BigIntField()

    class Meta:
        table = "outbox_relay"


def row(
    *, topic: str, region_code: str, payload: dict[str, Any], user_id: Any = None
) -> dict[str, Any]:
    """The fields of one message, to add with others in one statement (`add_many`)."""
    return {
        "topic": topic,
        "region_code": region_code,
        "user_id": user_id,
        "payload": payload,
        "created_at": timezone.now(),  # as the column's auto_now_add sets it
    }


def message(
    *, topic: str, region_code: str, payload: dict[str, Any], user_id: Any = None
) -> OutboxMessage:
    """A change not yet written (see add)."""
    # stored as subscribers will read it back: JSON types only
    plain = orjson.loads(orjson.dumps(payload, default=str))
    return OutboxMessage(
        **row(topic=topic, region_code=region_code, payload=plain, user_id=user_id)
    )


async def add(
    *, topic: str, region_code: str, payload: dict[str, Any], user_id: Any = None
) -> OutboxMessage:
    """Record a change; call inside the transaction that makes it."""
    change = message(topic=topic, region_code=region_code, payload=payload, user_id=user_id)
    await change.save(force_create=True)
    return change


async def add_many(rows: Sequence[Mapping[str, Any]]) -> None:
    """Record many changes with one statement, sequenced in the given order."""
    await bulk.insert(OutboxMessage, rows)


REPLAY_BATCH = 500


async def announced_bound() -> int:
    """How far the relay has announced (api.realtime, R1): replay stops there, the rest comes live."""
    state = await OutboxRelayState.get_or_none(id=1)
    return state.published_up_to if state else 0


async def replay(
    query: QuerySet[OutboxMessage], after: int, up_to: int
) -> AsyncIterator[dict[str, Any]]:
    """Committed rows of `query` in (after, up_to], in order, in batches, as live messages read."""
    cursor = after
    while cursor < up_to:
        rows = await query.filter(id__gt=cursor, id__lte=up_to).order_by("id").limit(REPLAY_BATCH)
        if not rows:
            return
        for row in rows:
            yield {"sequence": row.id, **row.payload}
        cursor = rows[-1].id


class PostgresRelayStore:
    """The relay's queries, on its own connection (the one holding the relay's advisory lock)."""

    def __init__(self, connection: asyncpg.Connection):
        self.connection = connection

    async def announced(self) -> int:
        value = await self.connection.fetchval(
            "SELECT published_up_to FROM outbox_relay WHERE id = 1"
        )
        if value is None:  # first start: everything in the outbox is still to be published
            await self.connection.execute(
                "INSERT INTO outbox_relay (id, published_up_to) VALUES (1, 0) "
                "ON CONFLICT (id) DO NOTHING"
            )
            return 0
        return int(value)

    async def announce(self, up_to: int) -> None:
        # GREATEST: two relays may overlap for a moment (a holder whose session is gone but who
        # has not noticed yet); the bound never goes back.
        await self.connection.execute(
            "UPDATE outbox_relay SET published_up_to = GREATEST(published_up_to, $1) WHERE id = 1",
            up_to,
        )

    async def rows_after(self, sequence: int, limit: int) -> list[OutboxRow]:
        rows = await self.connection.fetch(
            "SELECT id, topic, region_code, user_id, payload::text AS payload, created_at "
            "FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
            sequence,
            limit,
        )
        return [OutboxRow(**row) for row in rows]

    async def takeover_floor(self, announced: int, window: int) -> int:
        floor = await self.connection.fetchval(
            "SELECT min(id) - 1 FROM (SELECT id FROM outbox WHERE id <= $1 "
            "ORDER BY id DESC LIMIT $2) AS recent",
            announced,
            window,
        )
        return int(floor) if floor is not None else announced
