"""The transactional outbox: every change that others watch is written here in the same
transaction as the change itself, then relayed to Redis after commit (api/realtime.py)."""

from __future__ import annotations

from typing import Any

import orjson
from tortoise import fields
from tortoise.models import Model


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


def message(
    *, topic: str, region_code: str, payload: dict[str, Any], user_id: Any = None
) -> OutboxMessage:
    """A change not yet written (see add)."""
    return OutboxMessage(
        topic=topic,
        region_code=region_code,
        user_id=user_id,
        payload=orjson.loads(orjson.dumps(payload, default=str)),
    )


async def add(
    *, topic: str, region_code: str, payload: dict[str, Any], user_id: Any = None
) -> OutboxMessage:
    """Record a change; call inside the transaction that makes it."""
    change = message(topic=topic, region_code=region_code, payload=payload, user_id=user_id)
    await change.save(force_create=True)
    return change
