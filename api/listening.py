"""One connection listening to a PostgreSQL notice channel, for as long as the process runs.

Whoever keeps something the database can change (signed-in principals, the runtime permission
rules) listens here: `on_notice` for each notice, `on_listening(True, pid)` once the line is
open (anything changed while nobody listened is unknown then), `on_listening(False, None)` when
it is lost. A lost or silent line (a half-open socket, found by a ping) is opened again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
import structlog

log = structlog.get_logger("gridgov.listening")

PING_SECONDS = 5.0  # a silent connection (a half-open socket) is found within this
RETRY_SECONDS = 1.0


async def listen_forever(
    dsn: str,
    channel: str,
    *,
    on_notice: Callable[..., None],
    on_listening: Callable[[bool, int | None], None],
    who: str,
) -> None:
    """Listen to `channel` until cancelled, reconnecting after every loss."""
    dsn = dsn.replace("postgres://", "postgresql://", 1)
    while True:
        try:
            connection = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning(f"{who} cannot reach PostgreSQL", error=repr(error))
            await asyncio.sleep(RETRY_SECONDS)
            continue
        try:
            await _listen(connection, channel, on_notice, on_listening)
        except Exception as error:  # whatever broke the line: listen again
            log.warning(f"{who} stopped listening", error=repr(error))
        finally:
            on_listening(False, None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), PING_SECONDS)
        await asyncio.sleep(RETRY_SECONDS)


async def _listen(
    connection: asyncpg.Connection,
    channel: str,
    on_notice: Callable[..., None],
    on_listening: Callable[[bool, int | None], None],
) -> None:
    """Until the connection is lost, or stays silent to a ping."""
    lost = asyncio.Event()
    connection.add_termination_listener(lambda _: lost.set())
    await connection.add_listener(channel, on_notice)
    on_listening(True, connection.get_server_pid())
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), PING_SECONDS)
            return
        await connection.fetchval("SELECT 1", timeout=PING_SECONDS)
