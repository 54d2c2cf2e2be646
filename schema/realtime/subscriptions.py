"""Subscriptions: live feeds that resume from a sequence without gaps or duplicates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError

from api import clock
from api.domains.events.enums import Action, Card, EventStatus, Priority
from api.domains.hierarchy.enums import Level
from api.errors import ValidationFailed
from api.outbox import OutboxMessage
from api.realtime import FeedInterrupted, channel, published_cursor
from policies.enforcer import authorize
from schema.permissions import signed_in
from schema.types import Info

MAX_SUBSCRIPTIONS_PER_CONNECTION = 20
REPLAY_BATCH = 500


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


def _change(message: dict) -> EventChange:
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


async def _replay(scope: str, after: int, up_to: int) -> AsyncGenerator[dict, None]:
    """Committed changes in (after, up_to] under scope, from the outbox, in order."""
    cursor = after
    while cursor < up_to:
        rows = (
            await OutboxMessage.filter(
                topic="event", id__gt=cursor, id__lte=up_to, region_code__startswith=scope
            )
            .order_by("id")
            .limit(REPLAY_BATCH)
        )
        if not rows:
            return
        for row in rows:
            yield {"sequence": row.id, **row.payload}
        cursor = rows[-1].id


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
        context = info.context
        principal = context.principal
        if Level.of_code(scope) is None:
            raise ValidationFailed("scope must be a region code", field="scope")
        authorize(principal.assignments, "event", "read", at=scope)
        if after is not None and after < 0:
            raise ValidationFailed("after is a sequence (≥ 0)", field="after")
        if context.subscriptions >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
            raise ValidationFailed(
                f"at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection",
                field="scope",
            )
        hub = context.hub
        if hub is None:
            raise FeedInterrupted("live feeds are not available on this server")
        context.subscriptions += 1
        try:
            async with hub.listen(channel("event", scope)) as listener:
                last = after or 0
                if after is not None:
                    async for message in _replay(scope, after, await published_cursor()):
                        last = message["sequence"]
                        yield _change(message)
                while True:
                    timeout = None
                    if principal.token_expires_at is not None:
                        timeout = (principal.token_expires_at - clock.now()).total_seconds()
                        if timeout <= 0:
                            raise GraphQLError(
                                "access token expired; reconnect with a fresh token and "
                                f"after={last}",
                                extensions={"code": "UNAUTHENTICATED", "lastSequence": last},
                            )
                    try:
                        item = await asyncio.wait_for(listener.queue.get(), timeout=timeout)
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
                    last = item["sequence"]
                    yield _change(item)
        finally:
            context.subscriptions -= 1
