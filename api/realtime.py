"""Live feeds: the outbox relay (PostgreSQL → Redis) and the per-process hub (Redis → subscribers).

The hub speaks Redis pub/sub itself on one connection per process (it replaced broadcaster 0.3.1,
whose listener died silently on a disconnect, whose queues were unbounded, and which never says
when Redis has taken a subscription — the fact the no-gap argument below rests on). One Redis
subscription per channel per process, however many subscribers listen to it there; a message is
decoded once and handed to bounded per-subscriber queues. When the connection breaks, every live
subscription ends with FeedInterrupted (clients resume with `after`) and a watchdog reconnects.

Why resuming loses nothing and repeats nothing (the relay's half of the argument; the
subscriber's half is `api.feeds.follow`):

  R1. The relay publishes rows in sequence order, and before it publishes any row it commits
      `outbox_relay.published_up_to` ≥ that row's sequence (it *announces* the batch).
  R2. A relay that takes over (another process, or the same one after losing its connection)
      republishes the last batches up to the announced bound before going on: rows the previous
      holder announced but may not have published reach live subscribers, perhaps twice.
  S1. A subscriber first waits until Redis confirms its channel's subscription, then reads the
      announced bound B, replays the committed rows in (after, B] from the outbox and then
      delivers live messages with a sequence > max(after, B), dropping the rest.

  A row r ≤ B is replayed (R1: it was committed before it was announced) and dropped if it also
  comes live. A row r > B was announced after the subscriber read B, so it was published after
  Redis had taken the subscription (S1) and arrives live. Live messages come in sequence order
  from one relay; a takeover's republished rows are ≤ what the new relay then publishes (R2) and
  are dropped by the `> last` test. So every row of the channel after `after` is delivered once,
  in order, unless the feed ends with FeedInterrupted — then the client resumes from the last
  sequence it saw and the argument starts again. `tests/realtime/test_protocol.py` drives these
  functions through every interleaving of relay, Redis, subscriber and reconnect steps.

What the argument assumes: a transaction that took a sequence commits within GAP_TIMEOUT (the
relay waits that long for a missing sequence, then treats it as rolled back)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

import orjson
import structlog

from api import clock
from api.i18n import _
from api.regions import path_codes

log = structlog.get_logger("gridgov.realtime")
T = TypeVar("T")

RELAY_LOCK = 4106_0001  # advisory lock: one relay publishes, in order, across all API processes
RELAY_POLL_SECONDS = 0.05
RELAY_BATCH = 500
# On takeover, republish this many rows up to the announced bound: more than one batch, since a
# late commit into a gap of the last batch may have added a row below its top.
TAKEOVER_WINDOW = 2 * RELAY_BATCH
# A sequence number missing for this long belongs to a transaction that rolled back.
GAP_TIMEOUT = timedelta(seconds=3)
WATCHDOG_SECONDS = 0.5


def namespace_of(database_url: str) -> str:
    """The channel prefix of an installation: the name of its database (api.realtime.Hub)."""
    return urlsplit(database_url).path.lstrip("/")


def channel(topic: str, code: str) -> str:
    return f"gridgov:{topic}:{code}"


def ancestor_channels(topic: str, region_code: str) -> list[str]:
    """A change is published once to the channel of every region above and at its place."""
    return [channel(topic, code) for code in path_codes(region_code)]


class FeedInterrupted(Exception):
    """The live feed stopped (Redis lost, or the subscriber fell behind): resume with `after`."""


class Inbox(Generic[T]):
    """The part of asyncio.Queue a subscriber uses (one consumer; bounded), without its three
    deques and their 64-slot blocks (~2.3 KiB) per subscriber: items are held in a deque only
    while there are some, and nothing else is kept while it waits. Ten thousand idle feeds on
    a machine make that the difference (bench_fanout's memory per subscriber)."""

    __slots__ = ("_items", "_waiter", "maxsize")

    def __init__(self, maxsize: int = 0):
        self.maxsize = maxsize  # ≤ 0: unbounded, as asyncio.Queue
        self._items: deque[T] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def put_nowait(self, item: T) -> None:
        items = self._items
        if items is None:
            items = self._items = deque()
        elif 0 < self.maxsize <= len(items):
            raise asyncio.QueueFull
        items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> T:
        items = self._items
        if not items:
            raise asyncio.QueueEmpty
        item = items.popleft()
        if not items:
            self._items = None
        return item

    async def get(self) -> T:
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return self.get_nowait()


@dataclass(eq=False)
class Listener:
    queue: Inbox[dict[str, Any] | FeedInterrupted]
    failed: bool = False
    # Set by a feed only while it waits with nothing in hand (api.feeds.follow): takes a live
    # message synchronously, True when the feed delivered or dropped it by its own rules, so
    # that the message wakes no task. With a message queued the queue keeps the order.
    direct: Callable[[dict[str, Any]], bool] | None = None

    def offer(self, message: dict[str, Any]) -> None:
        if self.failed:
            return
        direct = self.direct
        if direct is not None and self.queue.empty():
            try:
                if direct(message):
                    return
            except Exception as error:  # the ordinary path decides (and reports) instead
                log.warning("direct delivery failed", error=repr(error))
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # Too slow to keep up: rather than grow without bound, end its feed; it resumes
            # from its cursor and catches up from the outbox.
            self.fail(
                FeedInterrupted(_("subscriber too slow; resubscribe with after=<last sequence>"))
            )

    def fail(self, error: FeedInterrupted) -> None:
        if self.failed:
            return
        self.failed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(error)


class SubscriberConnection(Protocol):
    """The hub's end of Redis pub/sub: redis-py's Connection, or a test's fake."""

    async def send_command(self, *args: Any) -> None: ...
    async def read_response(self) -> Any: ...
    async def disconnect(self) -> None: ...


class Publisher(Protocol):
    async def publish(self, channel: str, message: bytes) -> Any: ...
    async def aclose(self) -> None: ...


Connect = Callable[[], Awaitable[tuple[SubscriberConnection, Publisher]]]


def redis_connector(redis_url: str) -> Connect:
    """Two connections per process: one subscribed, one (pooled) for publishing."""

    async def connect() -> tuple[SubscriberConnection, Publisher]:
        from redis.asyncio import ConnectionPool, Redis

        subscriber = ConnectionPool.from_url(redis_url).make_connection()
        await subscriber.connect()
        await subscriber.send_command("PING")
        await subscriber.read_response()
        publisher = Redis.from_url(redis_url)
        await publisher.ping()
        return subscriber, publisher

    return connect


@dataclass(eq=False)
class _Channel:
    confirmed: asyncio.Future[None]
    listeners: set[Listener] = field(default_factory=set)


class Hub:
    """One per process: Redis pub/sub fanned out to bounded in-process queues."""

    def __init__(
        self,
        redis_url: str = "",
        *,
        namespace: str = "",
        queue_size: int = 1000,
        connect: Connect | None = None,
    ):
        # Pub/sub channels ignore Redis's database numbers: installations (or test runs) that
        # share a Redis server keep apart by a prefix, the name of their database, whose outbox
        # numbers the sequences.
        self.namespace = f"{namespace}:" if namespace else ""
        self.queue_size = queue_size
        self._connect_to = connect or redis_connector(redis_url)
        self._subscriber: SubscriberConnection | None = None
        self._publisher: Publisher | None = None
        self._reader: asyncio.Task[None] | None = None
        self._channels: dict[bytes, _Channel] = {}
        # Redis answers SUBSCRIBEs in the order they were sent: the futures waiting for each
        # answer, per channel, in that order (a channel left and taken again has two in flight).
        self._confirming: dict[bytes, deque[asyncio.Future[None]]] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._connected = False

    @property
    def healthy(self) -> bool:
        return self._connected

    async def start(self) -> None:
        self._watchdog = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._watchdog:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        self.lose("the server is shutting down; reconnect with after=<last sequence>")
        await self._close()

    async def publish(self, name: str, message: bytes) -> None:
        if self._publisher is None or not self._connected:
            raise ConnectionError("Redis is not reachable")
        await self._publisher.publish(self.namespace + name, message)

    @contextlib.asynccontextmanager
    async def listen(self, name: str) -> AsyncIterator[Listener]:
        """A queue of the channel's messages, entered once Redis has confirmed the channel's
        subscription: whatever is published from then on reaches it (or it fails)."""
        subscriber = self._subscriber
        if not self._connected or subscriber is None:
            raise FeedInterrupted(_("live feed unavailable (Redis unreachable); retry shortly"))
        name = self.namespace + name
        key = name.encode()
        entry = self._channels.get(key)
        if entry is None:
            entry = _Channel(asyncio.get_running_loop().create_future())
            self._channels[key] = entry
            self._confirming.setdefault(key, deque()).append(entry.confirmed)
            try:
                await subscriber.send_command("SUBSCRIBE", name)
            except Exception as error:
                self.lose(f"live feed interrupted ({type(error).__name__})")
        listener = Listener(Inbox(self.queue_size))
        entry.listeners.add(listener)
        try:
            await asyncio.shield(entry.confirmed)
            yield listener
        finally:
            entry.listeners.discard(listener)
            if not entry.listeners and self._channels.get(key) is entry:
                del self._channels[key]
                if self._connected and self._subscriber is subscriber:
                    with contextlib.suppress(Exception):
                        await subscriber.send_command("UNSUBSCRIBE", name)

    async def _read(self, subscriber: SubscriberConnection) -> None:
        """The process's one reader: decode each message once, hand it to every listener."""
        try:
            while True:
                response = await subscriber.read_response()
                kind = response[0]
                if kind == b"message":
                    entry = self._channels.get(response[1])
                    if entry is not None and entry.listeners:
                        try:
                            message = orjson.loads(response[2])
                        except orjson.JSONDecodeError:  # not ours: ignore it, keep the line
                            log.warning("undecodable live message", channel=response[1])
                            continue
                        for listener in entry.listeners:
                            listener.offer(message)
                elif kind == b"subscribe":
                    waiting = self._confirming.get(response[1])
                    if waiting:
                        confirmed = waiting.popleft()
                        if not waiting:
                            del self._confirming[response[1]]
                        if not confirmed.done():
                            confirmed.set_result(None)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if self._subscriber is subscriber:
                log.warning("live feed connection lost", error=repr(error))
                self.lose(
                    "live feed interrupted (Redis connection lost); resubscribe with after=<last sequence>"
                )

    def lose(self, reason: str) -> None:
        """End every live subscription of this process (synchronously: nothing subscribes to a
        dead connection in between); the watchdog reconnects."""
        self._connected = False
        error = FeedInterrupted(reason)
        for entry in self._channels.values():
            for listener in entry.listeners:
                listener.fail(error)
        pending = [confirmed for waiting in self._confirming.values() for confirmed in waiting]
        pending += [entry.confirmed for entry in self._channels.values()]
        for confirmed in pending:
            if not confirmed.done():
                confirmed.set_exception(error)
                confirmed.exception()  # retrieved here: a lost subscription is no unhandled error
        self._channels.clear()
        self._confirming.clear()

    async def _close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        subscriber, self._subscriber = self._subscriber, None
        publisher, self._publisher = self._publisher, None
        with contextlib.suppress(Exception):
            if subscriber is not None:
                await subscriber.disconnect()
        with contextlib.suppress(Exception):
            if publisher is not None:
                await publisher.aclose()

    async def connect(self) -> None:
        """(Re)connect: a fresh subscriber connection and its reader, then live."""
        await self._close()
        subscriber, publisher = await self._connect_to()
        self._subscriber, self._publisher = subscriber, publisher
        self._reader = asyncio.create_task(self._read(subscriber))
        self._connected = True
        log.info("live feed connected")

    async def _watch(self) -> None:
        delay = WATCHDOG_SECONDS
        while True:
            if not self._connected:
                try:
                    await self.connect()
                    delay = WATCHDOG_SECONDS
                except Exception as error:
                    log.warning("live feed cannot reach Redis", error=repr(error))
                    delay = min(delay * 2, 5.0)
            await asyncio.sleep(delay)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    topic: str
    region_code: str
    user_id: Any
    payload: str  # JSON object text
    created_at: datetime


class RelayStore(Protocol):
    """The relay's view of the outbox (api.outbox.PostgresRelayStore, or a test's fake)."""

    async def announced(self) -> int: ...
    async def announce(self, up_to: int) -> None: ...
    async def rows_after(self, sequence: int, limit: int) -> Sequence[OutboxRow]: ...
    async def takeover_floor(self, announced: int, window: int) -> int: ...


def relay_message(row: OutboxRow) -> tuple[list[str], bytes]:
    """The channels a row goes to, and the message: its payload with sequence, topic, region."""
    head = orjson.dumps({"sequence": row.id, "topic": row.topic, "region_code": row.region_code})
    body = row.payload.strip().encode()
    message = head if body == b"{}" else head[:-1] + b"," + body[1:]
    names = (
        [channel(row.topic, f"user:{row.user_id}")]
        if row.user_id is not None
        else ancestor_channels(row.topic, row.region_code)
    )
    return names, message


class OutboxRelay:
    """Publishes committed outbox rows in sequence order; one process at a time holds the lock."""

    def __init__(self, dsn: str, hub: Hub):
        self.dsn = dsn.replace("postgres://", "postgresql://", 1)
        self.hub = hub
        self._task: asyncio.Task[None] | None = None
        # The last sequence this relay published; None until it has taken over (R2).
        self.published: int | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        import asyncpg

        from api.outbox import PostgresRelayStore

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
                self.published = None  # someone else may have relayed meanwhile: take over
                store = PostgresRelayStore(connection)
                while True:
                    await self.relay_once(store)
                    await asyncio.sleep(RELAY_POLL_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("relay interrupted", error=repr(error))
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()

    async def relay_once(self, store: RelayStore) -> int:
        """Announce, then publish in order what follows; stop at a gap younger than GAP_TIMEOUT."""
        announced = await store.announced()
        if self.published is None or announced < self.published:
            # Taking over (or the outbox was emptied under us): start below the last batches
            # announced, which the previous holder may not have finished publishing (R2).
            self.published = await store.takeover_floor(announced, TAKEOVER_WINDOW)
        if not self.hub.healthy:
            return 0
        rows = await store.rows_after(self.published, RELAY_BATCH)
        batch: list[OutboxRow] = []
        cursor = self.published
        for row in rows:
            if row.id != cursor + 1 and clock.now() - row.created_at < GAP_TIMEOUT:
                break  # an earlier transaction may still commit: wait for it
            batch.append(row)
            cursor = row.id
        if not batch:
            return 0
        if batch[-1].id > announced:
            await store.announce(batch[-1].id)  # R1: committed before any of them is published
        for row in batch:
            names, message = relay_message(row)
            for name in names:
                await self.hub.publish(name, message)
            self.published = row.id
        return len(batch)
