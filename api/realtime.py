"""Live feeds: the outbox relay (PostgreSQL → Redis) and the per-process hub (Redis → subscribers).

broadcaster 0.3.1 is wrapped, not trusted (DESIGN.md §5): its Redis listener dies silently on a
disconnect and its queues are unbounded. The hub keeps one broadcaster subscription per channel,
decodes each message once, and hands it to bounded per-subscriber queues; a watchdog notices a
dead listener, fails every live subscription with a clear error (clients resume with `after`)
and reconnects when Redis returns."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import orjson
import structlog
from broadcaster import Broadcast

from api import clock
from api.regions import path_codes

log = structlog.get_logger("gridgov.realtime")

RELAY_LOCK = 4106_0001  # advisory lock: one relay publishes, in order, across all API processes
RELAY_POLL_SECONDS = 0.05
RELAY_BATCH = 500
# A sequence number missing for this long belongs to a transaction that rolled back.
GAP_TIMEOUT = timedelta(seconds=3)
WATCHDOG_SECONDS = 0.5


def channel(topic: str, code: str) -> str:
    return f"gridgov:{topic}:{code}"


def ancestor_channels(topic: str, region_code: str) -> list[str]:
    """A change is published once to the channel of every region above and at its place."""
    return [channel(topic, code) for code in path_codes(region_code)]


class FeedInterrupted(Exception):
    """The live feed stopped (Redis lost, or the subscriber fell behind): resume with `after`."""


@dataclass(eq=False)
class Listener:
    queue: asyncio.Queue[dict[str, Any] | FeedInterrupted]
    failed: bool = False

    def offer(self, message: dict[str, Any]) -> None:
        if self.failed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # Too slow to keep up: rather than grow without bound, end its feed; it resumes
            # from its cursor and catches up from the outbox.
            self.fail(
                FeedInterrupted("subscriber too slow; resubscribe with after=<last sequence>")
            )

    def fail(self, error: FeedInterrupted) -> None:
        if self.failed:
            return
        self.failed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(error)


@dataclass(eq=False)
class _Channel:
    listeners: set[Listener] = field(default_factory=set)
    pump: asyncio.Task[None] | None = None


class Hub:
    """One per process: Redis pub/sub fanned out to bounded in-process queues."""

    def __init__(self, redis_url: str, *, queue_size: int = 1000):
        self.redis_url = redis_url
        self.queue_size = queue_size
        self._broadcast: Broadcast | None = None
        self._channels: dict[str, _Channel] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    @property
    def healthy(self) -> bool:
        return self._connected.is_set()

    async def start(self) -> None:
        self._watchdog = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._watchdog:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self._drop("the server is shutting down; reconnect with after=<last sequence>")

    async def publish(self, name: str, message: bytes) -> None:
        if self._broadcast is None or not self.healthy:
            raise ConnectionError("Redis is not reachable")
        await self._broadcast.publish(name, message)

    @contextlib.asynccontextmanager
    async def listen(self, name: str) -> AsyncIterator[Listener]:
        if not self.healthy:
            raise FeedInterrupted("live feed unavailable (Redis unreachable); retry shortly")
        listener = Listener(asyncio.Queue(maxsize=self.queue_size))
        entry = self._channels.setdefault(name, _Channel())
        entry.listeners.add(listener)
        if entry.pump is None:
            ready = asyncio.Event()
            entry.pump = asyncio.create_task(self._pump(name, entry, ready))
            await ready.wait()
        try:
            yield listener
        finally:
            entry.listeners.discard(listener)
            if not entry.listeners and self._channels.get(name) is entry:
                del self._channels[name]
                if entry.pump is not None:
                    entry.pump.cancel()

    async def _pump(self, name: str, entry: _Channel, ready: asyncio.Event) -> None:
        """The channel's single subscription: decode once, hand to every listener."""
        broadcast = self._broadcast
        assert broadcast is not None
        try:
            async with broadcast.subscribe(name) as subscriber:
                ready.set()
                async for event in subscriber:  # type: ignore[union-attr]
                    if event is None:
                        break
                    message = orjson.loads(event.message)
                    for listener in list(entry.listeners):
                        listener.offer(message)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("channel pump failed", channel=name, error=repr(error))
            for listener in list(entry.listeners):
                listener.fail(
                    FeedInterrupted("live feed interrupted; resubscribe with after=<last sequence>")
                )
        finally:
            ready.set()

    def _listener_dead(self) -> bool:
        broadcast = self._broadcast
        if broadcast is None:
            return True
        backend_task = getattr(broadcast._backend, "_listener", None)
        tasks = [getattr(broadcast, "_listener_task", None), backend_task]
        return any(task is not None and task.done() for task in tasks)

    async def _drop(self, reason: str) -> None:
        self._connected.clear()
        for entry in list(self._channels.values()):
            for listener in list(entry.listeners):
                listener.fail(FeedInterrupted(reason))
            if entry.pump is not None:
                entry.pump.cancel()
        self._channels.clear()
        broadcast, self._broadcast = self._broadcast, None
        if broadcast is not None:
            with contextlib.suppress(Exception):
                await broadcast.disconnect()

    async def _connect(self) -> None:
        broadcast = Broadcast(self.redis_url)
        await broadcast.connect()
        # connect() succeeds lazily; prove Redis answers before saying we're live
        await broadcast._backend._conn.ping()  # type: ignore[attr-defined]
        self._broadcast = broadcast
        self._connected.set()
        log.info("live feed connected")

    async def _watch(self) -> None:
        delay = WATCHDOG_SECONDS
        while True:
            if not self.healthy:
                try:
                    await self._connect()
                    delay = WATCHDOG_SECONDS
                except Exception as error:
                    log.warning("live feed cannot reach Redis", error=repr(error))
                    await self._drop("live feed unavailable (Redis unreachable)")
                    delay = min(delay * 2, 5.0)
            elif self._listener_dead():
                log.warning("live feed listener died; failing live subscriptions")
                await self._drop(
                    "live feed interrupted (Redis connection lost); resubscribe with after=<last sequence>"
                )
                continue
            await asyncio.sleep(delay)


class OutboxRelay:
    """Publishes committed outbox rows in sequence order; one process at a time holds the lock."""

    def __init__(self, dsn: str, hub: Hub):
        self.dsn = dsn.replace("postgres://", "postgresql://", 1)
        self.hub = hub
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self.dsn)
            except Exception as error:
                log.warning("relay cannot reach PostgreSQL", error=repr(error))
                await asyncio.sleep(1)
                continue
            try:
                while not await connection.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):  # noqa: ASYNC110 - the lock lives in PostgreSQL
                    await asyncio.sleep(1)  # another process relays; stand by
                log.info("outbox relay active")
                while True:
                    await self.relay_once(connection)
                    await asyncio.sleep(RELAY_POLL_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("relay interrupted", error=repr(error))
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()

    async def relay_once(self, connection: asyncpg.Connection) -> int:
        """Publish what follows the cursor, in order; stop at a gap younger than GAP_TIMEOUT."""
        cursor = await connection.fetchval("SELECT published_up_to FROM outbox_relay WHERE id = 1")
        if cursor is None:
            # First start: everything in the outbox is still to be published.
            cursor = 0
            await connection.execute(
                "INSERT INTO outbox_relay (id, published_up_to) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
            )
        if not self.hub.healthy:
            return 0
        rows = await connection.fetch(
            "SELECT id, topic, region_code, user_id, payload, created_at FROM outbox WHERE id > $1 "
            "ORDER BY id LIMIT $2",
            cursor,
            RELAY_BATCH,
        )
        published = 0
        for row in rows:
            if row["id"] != cursor + 1 and clock.now() - row["created_at"] < GAP_TIMEOUT:
                break  # an earlier transaction may still commit: wait for it
            message = orjson.dumps(
                {
                    "sequence": row["id"],
                    "topic": row["topic"],
                    "region_code": row["region_code"],
                    **orjson.loads(row["payload"]),
                }
            )
            names = (
                [channel(row["topic"], f"user:{row['user_id']}")]
                if row["user_id"] is not None
                else ancestor_channels(row["topic"], row["region_code"])
            )
            for name in names:
                await self.hub.publish(name, message)
            cursor = row["id"]
            published += 1
        if published:
            await connection.execute(
                "UPDATE outbox_relay SET published_up_to = $1 WHERE id = 1", cursor
            )
        return published


async def published_cursor() -> int:
    """How far the relay has published (replay stops there; the rest comes live)."""
    from api.outbox import OutboxRelayState

    state = await OutboxRelayState.get_or_none(id=1)
    return state.published_up_to if state else 0
