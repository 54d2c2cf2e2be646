"""Subscriptions: live feeds that resume from a sequence without gaps or duplicates."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import orjson
import strawberry
from graphql import GraphQLError

from api import metrics
from api.domains.accounts.principals import RolesChanged, StillSignedIn
from api.domains.events.enums import Action, Card, EventStatus, Priority
from api.domains.hierarchy.enums import Level
from api.domains.notices import service as notices
from api.errors import DomainError, ErrorCode, PermissionDenied, Unauthenticated, ValidationFailed
from api.feeds import FeedEnded, FeedSource, follow, wire
from api.feeds import events as feeds_events
from api.feeds import notices as feeds_notices
from api.feeds import positions as feeds_positions
from api.i18n import ENGLISH, _, render
from api.language import SUPPORTED
from api.outbox import announced_bound
from schema.context import Context
from schema.permissions import signed_in
from schema.realtime.sharing import Selection, group_key, share, shared_frame
from schema.types import Info

MAX_SUBSCRIPTIONS_PER_CONNECTION = 20
T = TypeVar("T")


@strawberry.type(description="An event's state right after a change.")
class EventSnapshot:
    uuid: str
    case_number: str
    title: str
    status: EventStatus
    priority: Priority
    category_key: str
    region_code: str
    handling_region_code: str
    handling_level: Level
    card: Card
    due_at: datetime | None
    version: int


@strawberry.type(description="A change of an event, in sequence order.")
class EventChange:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    action: Action
    at: datetime
    actor_label: str
    note: str
    event: EventSnapshot


@strawberry.type(description="A notice to the signed-in user, as it arrives.")
class NoticeMessage:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    id: strawberry.ID
    kind: str
    title: str
    body: str
    event_id: strawberry.ID | None
    region_code: str
    created_at: datetime


@strawberry.type(description="A grid worker's position fix.")
class WorkerPositionMessage:
    user_id: strawberry.ID
    name: str
    region_code: str
    lat: float
    lng: float
    accuracy: float = strawberry.field(description="Metres.")
    at: datetime


def _event_change(message: dict[str, Any]) -> EventChange:
    event = message["event"]
    return EventChange(
        sequence=message["sequence"],
        action=Action(message["action"]),
        at=datetime.fromisoformat(message["at"]),
        actor_label=message["actor"],
        note=message.get("note", ""),
        event=EventSnapshot(
            uuid=event["id"],
            case_number=event["case_number"],
            title=event["title"],
            status=EventStatus(event["status"]),
            priority=Priority(event["priority"]),
            category_key=event["category_key"],
            region_code=event["region_code"],
            handling_region_code=event["handling_region_code"],
            handling_level=Level(event["handling_level"]),
            card=Card(event["card"]),
            due_at=datetime.fromisoformat(event["due_at"]) if event["due_at"] else None,
            version=event["version"],
        ),
    )


def _notice(message: dict[str, Any], language: str) -> NoticeMessage:
    return NoticeMessage(
        sequence=message["sequence"],
        id=strawberry.ID(message["id"]),
        kind=message["kind"],
        title=notices.text(message, "title", language),
        body=notices.text(message, "body", language),
        event_id=strawberry.ID(message["event_id"]) if message["event_id"] else None,
        region_code=message["region_code"],
        created_at=datetime.fromisoformat(message["created_at"]),
    )


# A notice in each connection's language: one converter per language, so a message is still
# converted (and its frame encoded) once per process and language (`_converted`, `Wired`).
_NOTICE_IN = {language: functools.partial(_notice, language=language) for language in SUPPORTED}


def _position(message: dict[str, Any]) -> WorkerPositionMessage:
    return WorkerPositionMessage(
        user_id=strawberry.ID(message["user_id"]),
        name=message["name"],
        region_code=message["region_code"],
        lat=message["lat"],
        lng=message["lng"],
        accuracy=message["accuracy"],
        at=datetime.fromisoformat(message["at"]),
    )


def _converted(message: dict[str, Any], convert: Callable[[dict[str, Any]], T]) -> T:
    """Convert a live message once for every subscriber of the channel in this process: the hub
    hands them all the same dict, so the first one leaves the result there for the others (and
    marks it shared, so it is executed and encoded once per selection too)."""
    cache: dict[Any, Any] = message.setdefault("_converted", {})
    if convert not in cache:
        cache[convert] = share(convert(message))
    return cache[convert]


class Wired:
    """One subscription's fast path (api.feeds.wire). A live message's result for this
    selection is executed and encoded once per process (schema.realtime.sharing), framed once
    per operation id, and written as the same bytes to every socket: by the hub's reader itself
    while the feed waits (`deliver`, through api.feeds.follow), so that the message wakes no
    task, or by the feed's loop when a message came through its queue. What stays per
    subscriber: the feed's sequence check, the caller's sign-in check, one `transport.write`."""

    __slots__ = ("_key", "_prefix", "_selection", "_socket")

    def __init__(self, socket: wire.Wire, info: Info, operation: wire.Operation, language: str):
        raw = info._raw_info
        # the coerced values (graphql-core's VariableValues, or their dict in a resolver's info)
        values: Any = raw.variable_values
        self._selection = Selection(
            schema=raw.schema,
            operation=raw.operation,
            fragments=raw.fragments,
            variables=operation.variables,
            key=group_key(raw.operation, raw.fragments, getattr(values, "coerced", values)),
        )
        self._socket = socket
        # as schema.realtime.sharing.Frames writes a `next` message, byte for byte
        self._prefix = b'{"id":' + orjson.dumps(operation.id) + b',"type":"next","payload":{"data":'
        # and the connection's language: a notice's payload is made per language (`_NOTICE_IN`)
        self._key = (self._selection.key, self._prefix, language)

    @classmethod
    def of(cls, context: Context, info: Info | None) -> Wired | None:
        operation = wire.operation.get()
        if info is None or operation is None:
            return None
        socket = wire.wire_of(context.request.scope)
        return cls(socket, info, operation, context.language) if socket is not None else None

    def send(self, message: dict[str, Any], payload: object) -> bool:
        """Written as a ready frame (True), or left to the ordinary path (False)."""
        ready: dict[Any, bytes] = message.setdefault("_frames", {})
        frame = ready.get(self._key)
        if frame is None:
            data = shared_frame(payload, self._selection)
            if data is None:
                return False
            frame = ready[self._key] = wire.text_frame(self._prefix + data.encode() + b"}}")
            metrics.FEED_READY_FRAMES.inc()
        return self._socket.write(frame)


class TooManySubscriptions(Exception):
    code = ErrorCode.LIMIT_EXCEEDED


def refusal(error: Exception) -> GraphQLError:
    """A subscription's refusal or ending as a coded top-level error. Schema extensions don't see
    errors of a subscription's stream, so the codes are given here."""
    extensions: dict[str, Any]
    if isinstance(error, FeedEnded):
        extensions = {"code": error.code, "lastSequence": error.last_sequence}
    elif isinstance(error, DomainError):
        extensions = {"code": error.code.value}
        if error.field:
            extensions["field"] = error.field
    elif isinstance(error, (PermissionDenied, Unauthenticated, TooManySubscriptions)):
        extensions = {"code": error.code.value}
    else:
        raise error
    # in the connection's language (api/i18n.py)
    return GraphQLError(render(str(error)), extensions=extensions)


async def _feed(
    context: Context,
    open_source: Callable[[], Awaitable[FeedSource] | FeedSource],
    convert: Callable[[dict[str, Any]], T],
    *,
    after: int | None = None,
    info: Info | None = None,
) -> AsyncGenerator[T, None]:
    """Refuse with a code (bad `after`, the 21st subscription, a scope the caller may not read),
    then follow the feed (api.feeds.follow: replay, then live), converting each message once per
    process; end with a coded error carrying `lastSequence` (resume with it). Given `info`, a
    message whose frame is ready is written to the socket directly (`Wired`)."""
    try:
        if after is not None and after < 0:
            raise ValidationFailed(_("after is a sequence (≥ 0)"), field="after")
        if context.subscriptions >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
            raise TooManySubscriptions(
                _(
                    "at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection",
                    MAX_SUBSCRIPTIONS_PER_CONNECTION=MAX_SUBSCRIPTIONS_PER_CONNECTION,
                )
            )
        source = open_source()
        if inspect.isawaitable(source):
            source = await source
        if context.hub is None:
            raise FeedEnded(
                _("live feeds are not available on this server"), last_sequence=after or 0
            )
    except (DomainError, PermissionDenied, TooManySubscriptions, FeedEnded) as error:
        raise refusal(error) from error
    context.subscriptions += 1
    try:
        # With the fast layer off, every subscriber executes its own copy (schema.realtime.sharing
        # shares only marked payloads): a wrong answer is then placed inside or outside the layer.
        shared = context.settings.gridgov_fast_execution
        wired = Wired.of(context, info) if shared else None
        last = after or 0
        check = context.still_signed_in

        def deliver(message: dict[str, Any]) -> bool:
            """In the hub's reader: write the message's ready frame now, unless the caller's
            sign-in is due for a check (the loop below awaits it) or the frame can't be made."""
            nonlocal last
            if wired is None or (check is not None and not check.fresh()):
                return False
            if not wired.send(message, _converted(message, convert)):
                return False
            last = message.get("sequence", last)
            return True

        messages = follow(
            context.hub,
            source,
            after=after,
            announced=announced_bound,
            expires_at=context.principal.token_expires_at,
            deliver=deliver if wired is not None else None,
        )
        async for message in messages:
            if context.still_signed_in is not None:
                # signed out, deactivated or roles changed since: end the feed, coded
                await still_signed_in(context.still_signed_in, last)
            last = message.get("sequence", last)
            if not shared:
                yield convert(message)
                continue
            payload = _converted(message, convert)
            # Ordered with the ordinary path: Strawberry sends a yielded result before it
            # resumes this generator, so an earlier message is on the socket before this one.
            if wired is None or not wired.send(message, payload):
                yield payload
    except FeedEnded as error:
        raise refusal(error) from error
    finally:
        context.subscriptions -= 1


feed = _feed  # for the subscriptions of other domains (schema/imports)


async def still_signed_in(check: StillSignedIn, last: int) -> None:
    """End the feed, coded, when its caller was signed out, deactivated or changed roles."""
    try:
        await check.check()
    except Unauthenticated as error:
        raise GraphQLError(
            _("{error}; sign in again and resume with after={last}", error=error, last=last),
            extensions={"code": "UNAUTHENTICATED", "lastSequence": last},
        ) from None
    except RolesChanged as error:
        raise GraphQLError(
            _("{error} with after={last}", error=error, last=last),
            extensions={"code": "FORBIDDEN", "lastSequence": last},
        ) from None


@strawberry.type
class RealtimeSubscription:
    @strawberry.subscription(
        description="Every change of an event that happened under `scope`. With `after`, what was "
        "missed is replayed first, then the feed goes live: no gap, no duplicate. If the feed "
        "breaks, the subscription ends with an error: resubscribe with the last sequence.",
        extensions=signed_in(),
    )
    async def event_changes(
        self, info: Info, scope: str, after: int | None = None
    ) -> AsyncGenerator[EventChange, None]:
        principal = info.context.principal
        async for change in _feed(
            info.context,
            lambda: feeds_events.event_changes(actor=principal, scope=scope),
            _event_change,
            after=after,
            info=info,
        ):
            yield change

    @strawberry.subscription(
        description="Notices and reminders for you, resumable with `after` like eventChanges.",
        extensions=signed_in(),
    )
    async def notices(
        self, info: Info, after: int | None = None
    ) -> AsyncGenerator[NoticeMessage, None]:
        principal = info.context.principal
        async for notice in _feed(
            info.context,
            lambda: feeds_notices.notices(actor=principal),
            _NOTICE_IN.get(info.context.language, _NOTICE_IN[ENGLISH]),
            after=after,
            info=info,
        ):
            yield notice

    @strawberry.subscription(
        description="Grid workers' positions under `scope`, live (positions are not replayed: "
        "query latestWorkerPositions when (re)connecting).",
        extensions=signed_in(),
    )
    async def worker_positions(
        self, info: Info, scope: str
    ) -> AsyncGenerator[WorkerPositionMessage, None]:
        principal = info.context.principal
        async for position in _feed(
            info.context,
            lambda: feeds_positions.worker_positions(actor=principal, scope=scope),
            _position,
            info=info,
        ):
            yield position
