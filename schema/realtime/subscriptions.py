"""Subscriptions: live feeds that resume from a sequence without gaps or duplicates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from api import clock
from api.auth import Principal
from api.domains.accounts.principals import RolesChanged, StillSignedIn
from api.domains.events.enums import Action, Card, EventStatus, Priority
from api.domains.hierarchy.enums import Level
from api.errors import Unauthenticated, ValidationFailed
from api.outbox import OutboxMessage
from api.realtime import FeedInterrupted, channel, published_cursor
from policies.enforcer import authorize
from schema.context import Context
from schema.permissions import signed_in
from schema.realtime.sharing import share
from schema.types import Info

MAX_SUBSCRIPTIONS_PER_CONNECTION = 20
REPLAY_BATCH = 500
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


def _notice(message: dict[str, Any]) -> NoticeMessage:
    return NoticeMessage(
        sequence=message["sequence"],
        id=strawberry.ID(message["id"]),
        kind=message["kind"],
        title=message["title"],
        body=message["body"],
        event_id=strawberry.ID(message["event_id"]) if message["event_id"] else None,
        region_code=message["region_code"],
        created_at=datetime.fromisoformat(message["created_at"]),
    )


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


async def _replay(query: Any, after: int, up_to: int) -> AsyncIterator[dict[str, Any]]:
    """Committed outbox rows of `query` in (after, up_to], in order, in batches."""
    cursor = after
    while cursor < up_to:
        rows = await query.filter(id__gt=cursor, id__lte=up_to).order_by("id").limit(REPLAY_BATCH)
        if not rows:
            return
        for row in rows:
            yield {"sequence": row.id, **row.payload}
        cursor = rows[-1].id


def _scope(principal: Principal, scope: str, obj: str) -> None:
    if Level.of_code(scope) is None:
        raise ValidationFailed("scope must be a region code", field="scope")
    authorize(principal.assignments, obj, "read", at=scope)


async def _feed(
    context: Context,
    name: str,
    convert: Callable[[dict[str, Any]], T],
    *,
    after: int | None = None,
    replay: Any = None,
    accept: Callable[[dict[str, Any]], bool] | None = None,
) -> AsyncGenerator[T, None]:
    """Listen first, replay what was missed, then go live, skipping what was replayed; end with a
    coded error when the feed breaks or the token expires (resume with the last sequence).
    `accept` narrows a channel shared by several objects (one import job of a region's)."""
    if after is not None and after < 0:
        raise ValidationFailed("after is a sequence (≥ 0)", field="after")
    if context.subscriptions >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
        raise ValidationFailed(
            f"at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection"
        )
    if context.hub is None:
        raise FeedInterrupted("live feeds are not available on this server")
    expires = context.principal.token_expires_at
    context.subscriptions += 1
    try:
        async with context.hub.listen(name) as listener:
            last = after or 0
            if after is not None and replay is not None:
                async for message in _replay(replay, after, await published_cursor()):
                    last = message["sequence"]
                    if accept is None or accept(message):
                        yield convert(message)
            loop = asyncio.get_running_loop()
            while True:
                deadline = None
                if expires is not None:
                    remaining = (expires - clock.now()).total_seconds()
                    if remaining <= 0:
                        raise GraphQLError(
                            f"access token expired; reconnect with a fresh token and after={last}",
                            extensions={"code": "UNAUTHENTICATED", "lastSequence": last},
                        )
                    deadline = loop.time() + remaining
                try:
                    # asyncio.timeout_at, unlike wait_for, creates no task per message
                    async with asyncio.timeout_at(deadline):
                        item = await listener.queue.get()
                except TimeoutError:
                    continue  # the loop head ends the feed on expiry
                if isinstance(item, FeedInterrupted):
                    # Schema extensions don't see errors raised mid-stream: code it here.
                    raise GraphQLError(
                        f"{item} (last sequence delivered: {last})",
                        extensions={"code": "FEED_INTERRUPTED", "lastSequence": last},
                    )
                if item["sequence"] <= last:
                    continue  # already replayed
                if context.still_signed_in is not None:
                    await still_signed_in(context.still_signed_in, last)  # hardening's hook
                last = item["sequence"]
                if accept is None or accept(item):
                    yield _converted(item, convert)
    finally:
        context.subscriptions -= 1


feed = _feed  # for the subscriptions of other domains (schema/imports)


async def still_signed_in(check: StillSignedIn, last: int) -> None:
    """End the feed, coded, when its caller was signed out, deactivated or changed roles."""
    try:
        await check.check()
    except Unauthenticated as error:
        raise GraphQLError(
            f"{error}; sign in again and resume with after={last}",
            extensions={"code": "UNAUTHENTICATED", "lastSequence": last},
        ) from None
    except RolesChanged as error:
        raise GraphQLError(
            f"{error} with after={last}", extensions={"code": "FORBIDDEN", "lastSequence": last}
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
        _scope(info.context.principal, scope, "event")
        replay = OutboxMessage.filter(topic="event", region_code__startswith=scope)
        async for change in _feed(
            info.context, channel("event", scope), _event_change, after=after, replay=replay
        ):
            yield change

    @strawberry.subscription(
        description="Notices and reminders for you, resumable with `after` like eventChanges.",
        extensions=signed_in(),
    )
    async def notices(
        self, info: Info, after: int | None = None
    ) -> AsyncGenerator[NoticeMessage, None]:
        user_id = info.context.principal.user_id
        if user_id is None:
            raise ValidationFailed("notices belong to users; sign in as one")
        replay = OutboxMessage.filter(topic="notice", user_id=user_id)
        async for notice in _feed(
            info.context, channel("notice", f"user:{user_id}"), _notice, after=after, replay=replay
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
        _scope(info.context.principal, scope, "position")
        async for position in _feed(info.context, channel("position", scope), _position):
            yield position
