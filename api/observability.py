"""Every request observed once: a request id (echoed as `X-Request-Id` and in GraphQL errors as
`extensions.requestId`), its latency by GraphQL operation, and one log line (JSON in
production) with the id, operation, principal, duration and outcome.

The ASGI middleware times the whole HTTP request as the client sees it; the schema extension
tells it which operation ran (`operation_finished`). Operations over a websocket have no HTTP
request around them: the extension observes and logs each itself.
"""

from __future__ import annotations

import random
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import structlog
from graphql import OperationDefinitionNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from api.request_id import SCOPE_KEY as REQUEST_ID_KEY

log = structlog.get_logger("gridgov.request")

REQUEST_ID_HEADER = b"x-request-id"
# An id given by a proxy in front is kept (one id across the hops) if it is plainly an id.
_GIVEN_ID = re.compile(rb"[A-Za-z0-9._:-]{8,64}")
# REST routes by their first path segment: a bounded set of series, whatever the path.
ROUTES = frozenset(
    {"open311", "attachments", "imports", "graphiql", "healthz", "readyz", "metrics"}
)


@dataclass(slots=True)
class RequestRecord:
    """What one request did, filled in as it runs."""

    id: str
    started: float
    operation: str | None = None
    kind: str | None = None
    principal: str | None = None
    error_codes: list[str] = field(default_factory=list)


current: ContextVar[RequestRecord | None] = ContextVar("gridgov_request", default=None)


def current_request_id() -> str | None:
    record = current.get()
    return record.id if record is not None else None


def new_request_id() -> str:
    # an id to find a request by, not a secret: no system call for it
    return f"{random.getrandbits(64):016x}"


def _given_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode() if _GIVEN_ID.fullmatch(value) else None
    return None


class ObserveRequests:
    """ASGI middleware: request id, latency and the log line of every HTTP request; open
    websocket connections counted."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = RequestRecord(id=_given_id(scope) or new_request_id(), started=time.perf_counter())
        scope[REQUEST_ID_KEY] = record.id  # the same id in masked errors (api.request_id)
        token = current.set(record)
        status = 500
        header = (REQUEST_ID_HEADER, record.id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current.reset(token)
            _finish_http(record, scope, status)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = RequestRecord(id=_given_id(scope) or new_request_id(), started=time.perf_counter())
        scope[REQUEST_ID_KEY] = record.id
        token = current.set(record)
        accepted = False

        async def counted_send(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                metrics.WEBSOCKETS.inc()
            await send(message)

        try:
            await self.app(scope, receive, counted_send)
        finally:
            current.reset(token)
            if accepted:
                metrics.WEBSOCKETS.dec()


def _finish_http(record: RequestRecord, scope: Scope, status: int) -> None:
    seconds = time.perf_counter() - record.started
    if record.kind is None:
        segment = scope["path"].split("/", 2)[1]
        operation, kind = (segment if segment in ROUTES else "other"), "http"
    else:
        operation, kind = record.operation or "anonymous", record.kind
    metrics.observe_request(operation, kind, seconds)
    outcome = (
        record.error_codes[0]
        if record.error_codes
        else ("ok" if status < 400 else f"http_{status}")
    )
    log.info(
        "request",
        request_id=record.id,
        operation=operation,
        type=kind,
        principal=record.principal,
        duration_ms=round(seconds * 1000, 2),
        status=status,
        outcome=outcome,
    )


# --- the schema extension's side -------------------------------------------------------------


class ObservedOperation:
    """One GraphQL operation as the schema extension sees it: made when it starts, told when
    its document is valid (a subscription is then counted under its feed, its root field, for
    as long as it runs) and when its result is final."""

    __slots__ = ("execution", "feed", "started")

    def __init__(self, execution: Any):
        self.execution = execution
        self.started = time.perf_counter()
        self.feed: Any = None

    def validated(self) -> None:
        if _operation_type(self.execution) == "subscription":
            feed = _root_field(self.execution)
            if feed is not None:
                self.feed = metrics.SUBSCRIPTIONS.labels(feed)
                self.feed.inc()

    def finished(self) -> None:
        if self.feed is not None:
            self.feed.dec()
            self.feed = None
        _operation_finished(self.execution, self.started)


def _operation_finished(execution: Any, started: float) -> None:
    """Names the operation for the HTTP request's record, counts its errors and gives each its
    request id. A websocket's operations (and subscriptions, over their whole life) are
    observed and logged here."""
    record = current.get()
    kind = _operation_type(execution)
    name = execution.operation_name or "anonymous"
    context = execution.context
    principal_id = _principal_id(getattr(context, "principal", None))
    result = execution.result
    codes: list[str] = []
    if result is not None and result.errors:
        request_id = record.id if record is not None else None
        for error in result.errors:
            extensions = error.extensions if error.extensions is not None else {}
            code = extensions.get("code")
            codes.append(code if isinstance(code, str) else "INTERNAL_SERVER_ERROR")
            if request_id is not None:
                error.extensions = {**extensions, "requestId": request_id}
        for code in codes:
            metrics.count_error(code)
    if record is not None and record.kind is None and _is_http(context):
        record.operation, record.kind, record.principal = name, kind, principal_id
        record.error_codes = codes
        return
    seconds = time.perf_counter() - started
    metrics.observe_request(name, kind, seconds)
    log.info(
        "operation",
        request_id=record.id if record is not None else None,
        operation=name,
        type=kind,
        principal=principal_id,
        duration_ms=round(seconds * 1000, 2),
        outcome=codes[0] if codes else "ok",
    )


def _operation_type(execution: Any) -> str:
    try:
        operation = execution.operation_type
    except Exception:  # strawberry raises when the document has no (such) operation
        return "unknown"
    return str(operation.value) if operation is not None else "unknown"


def _root_field(execution: Any) -> str | None:
    document = execution.graphql_document
    if document is None:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            execution.operation_name is None
            or (definition.name and definition.name.value == execution.operation_name)
        ):
            for selection in definition.selection_set.selections:
                name = getattr(selection, "name", None)
                if name is not None:
                    return str(name.value)
    return None


def _principal_id(principal: Any) -> str | None:
    if principal is None:
        return None
    if principal.user_id is not None:
        return str(principal.user_id)
    if principal.api_key_id is not None:
        return f"api-key:{principal.api_key_id}"
    return None


def _is_http(context: Any) -> bool:
    request = getattr(context, "request", None)
    scope = getattr(request, "scope", None)
    return scope is not None and scope.get("type") == "http"
