"""The arq queue that services enqueue on and the worker reads: its name, its serializer (JSON,
never pickle: DESIGN.md §6) and how many times a failing job is tried. Both sides import this
module, so a job enqueued by the API is one the worker can read."""

from __future__ import annotations

from typing import Any

import orjson
from arq.connections import ArqRedis
from redis.asyncio import Redis

QUEUE = "gridgov:queue"
MAX_TRIES = 5


def serialize(value: Any) -> bytes:
    return orjson.dumps(value)


def deserialize(value: bytes) -> Any:
    return orjson.loads(value)


def queue(redis: Redis) -> ArqRedis:
    """The queue on an open Redis connection (its pool is shared, nothing new is opened)."""
    return ArqRedis(
        redis.connection_pool,
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=QUEUE,
    )
