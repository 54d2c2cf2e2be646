"""Every process's enforcer follows the stored rules: loaded when the line to PostgreSQL opens
(whatever changed while nobody listened), and again on each notice of `CHANNEL`, which
migration 0031 sends when a change to `permission_rules` commits (by whatever path it is made).
A notice arrives within milliseconds of the commit; the reload is one small query."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from api.domains.grants.service import reload
from api.listening import RETRY_SECONDS, listen_forever
from policies.enforcer import PolicyEnforcer

log = structlog.get_logger("gridgov.permissions")

CHANNEL = "gridgov_permissions"


class PermissionWatcher:
    def __init__(self, dsn: str, enforcer: PolicyEnforcer):
        self.dsn = dsn
        self.enforcer = enforcer
        self.reloads = 0  # tests and diagnostics read it
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(
                listen_forever(
                    self.dsn,
                    CHANNEL,
                    on_notice=self._on_notice,
                    on_listening=self._on_listening,
                    who="permission watcher",
                )
            ),
            asyncio.create_task(self._reload_forever()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def _on_notice(self, *_: object) -> None:
        self._changed.set()

    def _on_listening(self, listening: bool, _pid: int | None) -> None:
        if listening:
            self._changed.set()

    async def _reload_forever(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            try:
                await reload(self.enforcer)
                self.reloads += 1
            except Exception as error:  # the database is away: try again, the rules stay
                log.warning("permission rules not reloaded", error=repr(error))
                self._changed.set()
                await asyncio.sleep(RETRY_SECONDS)
