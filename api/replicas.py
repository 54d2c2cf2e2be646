"""Reads that tolerate staleness (lists, statistics, rankings) served by streaming replicas.

`DATABASE_REPLICA_URL` names one or more replicas (comma-separated); each gets a pool of its own
(`api.db.replica_client`). An operation the schema marks as stale-tolerant runs with Tortoise's
`default` connection swapped for a replica's pool in its task's context (the mechanism Tortoise's
transactions use), so every ORM and raw query of it reads the replica and nothing else changes.
What keeps that safe:

- A checker asks each replica every second whether it is a standby and how far its replay is
  behind; one that does not answer, is not a standby, or is more than
  `GRIDGOV_REPLICA_MAX_LAG_SECONDS` behind is left out until it recovers (a warning when it goes,
  an info line when it is back), and its reads go to the primary.
- A caller who wrote within `GRIDGOV_READ_YOUR_WRITES_SECONDS` reads from the primary, so a
  client reads its own writes. The mark is kept in Redis, so every API process honours it; if
  Redis cannot say, the read goes to the primary.
- An operation that failed on a replica (it went away between two checks, or the operation
  tried to write) is run again on the primary: it is read-only, so running it twice is safe,
  and the client sees no error.

Lag is measured on the replica: zero while it has replayed all it received, else the time
since the last transaction it replayed (PostgreSQL's usual formula)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from api import db

log = structlog.get_logger("gridgov.replicas")

CHECK_SECONDS = 1.0
LAG_SQL = (
    "SELECT pg_is_in_recovery() AS standby,"
    " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS lag"
)


def urls(setting: str | None) -> list[str]:
    """The replica URLs of `DATABASE_REPLICA_URL` (comma-separated, blanks ignored)."""
    return [url.strip() for url in (setting or "").split(",") if url.strip()]


@dataclass
class Replica:
    alias: str  # how logs name it: replica1, replica2 …
    client: BaseDBAsyncClient
    healthy: bool = False
    reason: str = "not checked yet"


@dataclass
class Replicas:
    """The process's replicas, their health, and the read-your-writes marks."""

    urls: Sequence[str]
    redis: Redis | None
    pool_size: int = 10
    max_lag_seconds: float = 30.0
    read_your_writes_seconds: float = 10.0
    namespace: str = "gridgov"
    members: list[Replica] = field(init=False)
    _turn: itertools.count[int] = field(init=False, default_factory=itertools.count)
    _task: asyncio.Task[None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.members = [
            Replica(f"replica{index}", db.replica_client(url, pool_size=self.pool_size))
            for index, url in enumerate(self.urls, start=1)
        ]

    @property
    def configured(self) -> bool:
        return bool(self.members)

    def pick(self) -> str | None:
        """A healthy replica's alias, in turn; None when none is (read the primary)."""
        healthy = [member for member in self.members if member.healthy]
        if not healthy:
            return None
        return healthy[next(self._turn) % len(healthy)].alias

    def _set(self, member: Replica, healthy: bool, reason: str) -> None:
        if healthy and not member.healthy:
            log.info("replica serving reads", replica=member.alias)
        elif not healthy and (member.healthy or _kind(member.reason) != _kind(reason)):
            # once per change of kind: a replica 15 s behind, then 16 s, is one line, not two
            log.warning(
                "replica left out: its reads go to the primary",
                replica=member.alias,
                reason=reason,
            )
        member.healthy, member.reason = healthy, reason

    def failed(self, alias: str, error: BaseException) -> None:
        """An operation could not read the replica: leave it out until a check finds it back."""
        for member in self.members:
            if member.alias == alias:
                self._set(member, False, f"a read failed: {type(error).__name__}")

    async def check(self) -> None:
        """Ask every replica once how it is."""
        for member in self.members:
            try:
                async with asyncio.timeout(2):
                    rows = await member.client.execute_query_dict(LAG_SQL)
            except Exception as error:
                self._set(member, False, f"unreachable: {type(error).__name__}")
                continue
            standby, lag = rows[0]["standby"], float(rows[0]["lag"] or 0)
            if not standby:
                self._set(member, False, "not a standby (it accepts writes)")
            elif lag > self.max_lag_seconds:
                self._set(member, False, f"{lag:.0f} s behind")
            else:
                self._set(member, True, "")

    async def _check_forever(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(CHECK_SECONDS)

    async def start(self) -> None:
        if self.configured and self._task is None:
            await self.check()
            self._task = asyncio.create_task(self._check_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for member in self.members:
            with contextlib.suppress(Exception):  # a replica that went away closes as it can
                await member.client.close()

    def _mark(self, user_id: uuid.UUID) -> str:
        return f"{self.namespace}:wrote:{user_id}"

    async def wrote(self, user_id: uuid.UUID) -> None:
        """The caller wrote: their reads go to the primary for the read-your-writes window."""
        if not self.configured or self.redis is None:
            return
        try:
            await self.redis.set(
                self._mark(user_id), b"1", px=int(self.read_your_writes_seconds * 1000)
            )
        except RedisError as error:
            log.warning("read-your-writes mark not kept", error=repr(error))

    async def may_read_stale(self, user_id: uuid.UUID | None) -> bool:
        """False while the caller's own recent write might be missing from a replica."""
        if user_id is None:
            return True
        if self.redis is None:
            return False
        try:
            return not await self.redis.exists(self._mark(user_id))
        except RedisError:
            return False

    @contextlib.asynccontextmanager
    async def reading(self, alias: str) -> AsyncIterator[None]:
        """Run the block with `default` meaning the replica `alias` (this task and its
        children only)."""
        client = next(member.client for member in self.members if member.alias == alias)
        token = connections.set("default", client)
        try:
            yield
        finally:
            connections.reset(token)


def _kind(reason: str) -> str:
    """What a reason says without its figures ("15 s behind" and "16 s behind" alike)."""
    return "".join(character for character in reason if not character.isdigit())


def failure(error: BaseException | None) -> Literal["gone", "write"] | None:
    """Why an operation failed on a replica: "gone" (it went away: leave it out), "write" (the
    operation tried to write, which a standby refuses: only run it on the primary), or None
    (an ordinary error). Walks the causes: Tortoise wraps asyncpg's errors."""
    seen = 0
    while error is not None and seen < 10:
        name = type(error).__name__
        if name == "ReadOnlySQLTransactionError":
            return "write"
        if isinstance(error, ConnectionError | OSError | asyncio.TimeoutError) or name in GONE:
            return "gone"
        error = error.__cause__ or error.__context__
        seen += 1
    return None


GONE = frozenset(
    {
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "CannotConnectNowError",
        "AdminShutdownError",
        "CrashShutdownError",
        "PostgresConnectionError",
        "ConnectionFailureError",
        "DBConnectionError",
    }
)
