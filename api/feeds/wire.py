"""The socket end of the live-feed fast path: one encoded frame written as the same bytes to
every subscriber's socket.

Why: with a change reaching thousands of subscribers of one process, the work done per
subscriber decides the latency of the last one. Through the ASGI stack each delivery costs an
execution of the selection, a JSON encoding, three middlewares' `send` wrappers and wsproto
framing the message again (py-spy: together ~70% of a delivery). A feed's frame depends only
on the message, the subscription's selection and its operation id (schema.realtime.sharing),
so it is encoded and framed once and the per-subscriber part is a `transport.write` of bytes.

How: `gridgov serve` (and the tests' servers) run uvicorn's wsproto protocol as
`FeedWSProtocol`, which offers itself in the websocket scope's extensions under `WIRE`. The
feed (schema.realtime.subscriptions) asks it to `write` a frame; it refuses (returns False)
whenever the ordinary path must decide (socket not open, closing, or paused by flow control:
then the ordinary path's send waits for it), and the feed sends through Strawberry as before.
Writing beside wsproto is sound because a server's unfragmented data frame changes none of
wsproto's state (no masking, no fragmentation, no compression: per-message deflate is off).
A server without this protocol (another ASGI server, uvicorn's own `--ws wsproto`) offers no
extension and every message takes the ordinary path."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Protocol, cast

from uvicorn.protocols.websockets.wsproto_impl import WSProtocol

WIRE = "gridgov.wire"

# The graphql-transport-ws operation id of the subscription a task runs (set by the websocket
# handler when it starts the operation's task, which copies the context).
operation_id: ContextVar[str | None] = ContextVar("gridgov_operation_id", default=None)


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


class FeedWSProtocol(WSProtocol):
    """uvicorn's wsproto protocol that also writes ready-made frames (`write`)."""

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
