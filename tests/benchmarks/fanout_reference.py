"""The reference fan-out: raw Redis pub/sub forwarded to every websocket by a bare server.

Run as `python -m tests.benchmarks.fanout_reference PORT REDIS_URL`; it forwards every message of
the Redis channel `bench:fanout` to all connected websockets."""

from __future__ import annotations

import asyncio
import sys

import websockets
from redis.asyncio import Redis

clients: set[websockets.ServerConnection] = set()


async def handler(connection: websockets.ServerConnection) -> None:
    clients.add(connection)
    try:
        await connection.wait_closed()
    finally:
        clients.discard(connection)


async def forward(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe("bench:fanout")
    async for message in pubsub.listen():
        if message["type"] == "message":
            websockets.broadcast(clients, message["data"].decode())


async def main(port: int, redis_url: str) -> None:
    async with websockets.serve(handler, "127.0.0.1", port, max_size=2**20):
        await forward(redis_url)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
