"""The socket end of the live-feed fast path: one encoded frame written as the same bytes to
every subscriber's socket.

Why: with a change reaching thousands of subscribers of one process, the work done per
subscriber decides when the last one has it. Through Strawberry each delivery woke the
subscriber's task and its chain of eight async generators, executed the selection, encoded the
JSON, passed three middlewares' `send` wrappers and had wsproto frame the message again
(py-spy, RESULTS.md 2026-12-07: the per-event pipeline ~36%, framing each send ~35%). A feed's
frame depends only on the message, the subscription's selection and its operation id
(schema.realtime.sharing), so it is made once per process, and per subscriber there is left
the feed's own checks and a `transport.write` of the same bytes — done by the hub's reader
itself while the feed waits (api.feeds.follow's `deliver`), so a message wakes no task.

How: `gridgov serve` (and the tests' servers) run uvicorn's wsproto protocol as
`FeedWSProtocol`, which offers itself in the websocket scope's extensions under `WIRE`. The
feed (schema.realtime.subscriptions.Wired) asks it to `write` a frame; it refuses (returns
False) whenever the ordinary path must decide (socket not open, closing, or paused by flow
control: then the ordinary path's send waits for it), and the message goes through Strawberry
as before, in order. Writing beside wsproto is sound because a server's unfragmented data
frame changes none of wsproto's state (no masking, no fragmentation, no compression:
per-message deflate is off). A server without this protocol (another ASGI server, uvicorn's own
`--ws wsproto`) offers no extension and every message takes the ordinary path;
tests/realtime/test_ready_frames.py holds the two paths' bytes equal."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, cast

from uvicorn.protocols.websockets.wsproto_impl import WSProtocol

from api.realtime import Inbox

WIRE = "gridgov.wire"


@dataclass(frozen=True)
class Operation:
    """A graphql-transport-ws `subscribe` as the client sent it: the id its frames carry, the
    variables its selection is executed with."""

    id: str
    variables: dict[str, Any] | None


# The operation a task runs (set by the websocket handler when it starts the operation's task,
# which copies the context).
operation: ContextVar[Operation | None] = ContextVar("gridgov_operation", default=None)


class Wire(Protocol):
    def write(self, frame: bytes) -> bool: ...


def text_frame(payload: bytes) -> bytes:
    """A final, unmasked text frame (RFC 6455 §5.2), as a server sends it."""
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = b"\x81\x7e" + size.to_bytes(2, "big")
    else:
        head = b"\x81\x7f" + size.to_bytes(8, "big")
    return head + payload


def wire_of(scope: Mapping[str, Any]) -> Wire | None:
    """The socket's fast path, where its server offers one."""
    return cast("Wire | None", (scope.get("extensions") or {}).get(WIRE))


class _Flag:
    """asyncio.Event as uvicorn's protocol uses it (`writable`), without a deque per socket."""

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        await waiter
        return True


class FeedWSProtocol(WSProtocol):
    """uvicorn's wsproto protocol that also writes ready-made frames (`write`), and keeps an
    idle connection smaller: its receive queue and its flow-control flag without asyncio's
    deques (~3 KiB of the ~45 an idle subscriber cost, bench_fanout)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = _Flag()  # type: ignore[assignment]
        self.writable.set()

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        # the same dict the ASGI task receives (it reads self.scope when it starts)
        extensions = cast("dict[str, object]", self.scope["extensions"])
        extensions[WIRE] = self

    def write(self, frame: bytes) -> bool:
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.response_started
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
