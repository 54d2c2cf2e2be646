"""Signed-in principals kept between requests, and dropped the moment the database changes them.

Every request needs its principal: its session, user and roles, read from PostgreSQL, a round
trip that was a tenth of a list page's cost. Here a principal is kept for a few seconds, and
only while this process listens to the database's notices. Migration 0016 makes every change to
users, sessions and role assignments notify `CHANNEL` when it commits, by whatever path it is
made (services, imports, an administrator's SQL). A notice empties the cache, so signing out,
revoking a session, deactivating a user or changing roles takes effect on the next request, as
before. Without a listening connection (not yet open, lost, silent) nothing is kept. A read that
began before a notice arrived is not kept (the generation test), so it cannot bring back what the
notice removed. The time limit is the backstop, not the mechanism. API keys are not kept: an
integration calls rarely, and its key's use is recorded as it calls."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from api import clock
from api.auth import Principal, parse_api_key
from api.listening import listen_forever

CHANNEL = "gridgov_principals"

_Entry = tuple[Principal, float, datetime | None]


class PrincipalCache:
    """Principals by access token, for at most `seconds`, while listening to `CHANNEL`."""

    def __init__(self, dsn: str, *, seconds: float, size: int = 10_000):
        self.dsn = dsn.replace("postgres://", "postgresql://", 1)
        self.seconds = seconds
        self.size = size
        self.hits = 0  # served without a database read (tests and diagnostics read it)
        self._entries: dict[str, _Entry] = {}
        self._generation = 0
        self._listening = False
        self._listener_pid: int | None = None
        self._listening_changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listening

    @property
    def generation(self) -> int:
        """Counts the times the cache was emptied (notices, a lost or a new connection)."""
        return self._generation

    @property
    def listener_pid(self) -> int | None:
        """The backend process of the listening connection (tests end it to cut the line)."""
        return self._listener_pid

    async def start(self) -> None:
        if self.seconds > 0:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._set_listening(False)

    async def wait_listening(self, listening: bool = True) -> None:
        while self._listening is not listening:
            await self._listening_changed.wait()

    async def principal(self, token: str, load: Callable[[str], Awaitable[Principal]]) -> Principal:
        """The token's principal: kept, or loaded by `load` (which raises if the token is no
        good; a refusal is never kept)."""
        if parse_api_key(token) is not None:
            return await load(token)  # API keys are not kept (see above)
        started = time.monotonic()
        kept = self.kept(token)
        if kept is not None:
            self.hits += 1
            return kept
        generation = self._generation
        principal = await load(token)
        if self._listening and generation == self._generation:
            if len(self._entries) >= self.size:
                self._entries.clear()  # a burst of distinct tokens: start over, cheaply
            self._entries[token] = (principal, started, _valid_until(principal))
        return principal

    def kept(self, token: str) -> Principal | None:
        """The token's principal if it is kept and still good (what `principal` would return
        without loading), else None."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, kept_at, until = entry
        if time.monotonic() - kept_at < self.seconds and (until is None or clock.now() < until):
            return principal
        del self._entries[token]
        return None

    def drop_all(self) -> None:
        self._generation += 1
        self._entries.clear()

    def _set_listening(self, listening: bool) -> None:
        # whatever changed while nobody listened is unknown: start empty either way
        self.drop_all()
        if listening is not self._listening:
            self._listening = listening
            self._listening_changed.set()
            self._listening_changed = asyncio.Event()

    def _on_notice(self, *_: object) -> None:
        self.drop_all()

    def _line(self, listening: bool, pid: int | None) -> None:
        self._listener_pid = pid if listening else self._listener_pid
        self._set_listening(listening)

    async def _run(self) -> None:
        await listen_forever(
            self.dsn,
            CHANNEL,
            on_notice=self._on_notice,
            on_listening=self._line,
            who="principal cache",
        )


def _valid_until(principal: Principal) -> datetime | None:
    ends = [t for t in (principal.token_expires_at, principal.session_expires_at) if t is not None]
    return min(ends) if ends else None


_RECHECK_SECONDS = 2.0
_RECHECK_UNCHANGED_SECONDS = 60.0


class StillSignedIn:
    """A long-lived connection's check that its caller is still who they were: after any change
    to users, sessions or roles (the cache's notice; or every `seconds` when not listening) the
    principal is loaded again. Deactivation, logout, a password change that ends the session or
    an expired session raise Unauthenticated; changed roles raise RolesChanged."""

    def __init__(
        self,
        cache: PrincipalCache,
        token: str,
        principal: Principal,
        load: Callable[[str], Awaitable[Principal]],
    ):
        self.cache = cache
        self.token = token
        self.principal = principal
        self.load = load
        self.generation = cache.generation
        self.checked_at = time.monotonic()
        # Connections opened together (a reconnect wave after a deploy) would all recheck in
        # the same second every minute, each holding its feed's messages meanwhile: spread out.
        self.recheck_unchanged = _RECHECK_UNCHANGED_SECONDS * random.uniform(0.75, 1.0)  # noqa: S311 - jitter

    def fresh(self) -> bool:
        """Whether `check` would return the principal as it is without waiting for anything
        (the live feeds' fast path asks this synchronously and leaves the rest to `check`): not
        due for a recheck, or due and the cache holds the same principal (as `check` would
        find it there)."""
        now = time.monotonic()
        since = now - self.checked_at
        unchanged = self.cache.listening and self.generation == self.cache.generation
        # Any sign-in anywhere is a notice: a connection reloads at most every few seconds, so
        # ten thousand subscribers do not all read the database after each one.
        if since < _RECHECK_SECONDS or (unchanged and since < self.recheck_unchanged):
            return True
        if parse_api_key(self.token) is not None:
            return False
        generation = self.cache.generation
        kept = self.cache.kept(self.token)
        if kept is None or kept.assignments != self.principal.assignments:
            return False  # `check` loads it, and ends the feed if the roles changed
        self.cache.hits += 1
        self.generation, self.checked_at, self.principal = generation, now, kept
        return True

    async def check(self) -> Principal:
        """The caller's principal, reloaded if anything about callers may have changed."""
        if self.fresh():
            return self.principal
        self.generation = self.cache.generation
        self.checked_at = time.monotonic()
        # through the cache, as every request is signed in: it holds principals only while it
        # hears of every change (a notice empties it), so this is as fresh as a load; and the
        # connections of one token (a command centre's screens) read the database once
        fresh = await self.cache.principal(self.token, self.load)
        if fresh.assignments != self.principal.assignments:
            raise RolesChanged("your roles changed; subscribe again")
        self.principal = fresh
        return fresh


class RolesChanged(Exception):
    """The caller's role assignments changed under an open subscription."""
