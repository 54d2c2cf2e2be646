"""The transactional outbox: every change that others watch is written here in the same
transaction as the change itself, then relayed to Redis after commit (api/realtime.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from tortoise import fields, timezone
from tortoise.models import Model

from api import bulk


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
