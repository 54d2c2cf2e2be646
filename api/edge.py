"""ASGI middleware at the outer edge: the last-resort mask of unexpected errors, and the
headers every response carries."""

from __future__ import annotations

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.request_id import request_id

log = structlog.get_logger("gridgov.app")


class UnexpectedErrors:
    """Whatever escapes a route (a bug) becomes `INTERNAL_SERVER_ERROR` with the request's id,
    logged with its trace; in production without a word of Python, in development with the
    exception's type and text. A websocket is closed with 1011."""

    def __init__(self, app: ASGIApp, *, production: bool):
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as error:
            request = request_id(scope)
            log.error(
                "unexpected error", request_id=request, path=scope.get("path"), exc_info=error
            )
            if started:
                raise  # the answer is under way: the server ends the connection
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1011, "reason": "unexpected error"})
                return
            start, body = _internal_error(request, None if self.production else error)
            await send(start)
            await send(body)


def _internal_error(request: str, error: Exception | None) -> tuple[Message, Message]:
    extensions: dict[str, str] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request}
    if error is not None:
        extensions["exception"] = f"{type(error).__name__}: {error}"[:500]
    body = orjson.dumps(
        {
            "errors": [
                {"message": f"Unexpected error (request {request}).", "extensions": extensions}
            ]
        }
    )
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return (
        {"type": "http.response.start", "status": 500, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


class NoSniff:
    """`X-Content-Type-Options: nosniff` on every response: a JSON answer holding user text is
    never read by a browser as HTML or script."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)
