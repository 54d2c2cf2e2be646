"""Live feeds as the domain sees them: what a subscriber may follow (one module per feed:
who may, which channel, which outbox rows replay it) and `follow`, the resume protocol every
feed shares (replay, then live: no gap, no duplicate; the argument is in api.realtime)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api import clock
from api.i18n import _
from api.realtime import FeedInterrupted, Hub

Message = dict[str, Any]
Replay = Callable[[int, int], AsyncIterator[Message]]


@dataclass(frozen=True)
class FeedSource:
    """One feed a subscriber may follow: its channel, how to replay it, and (for a channel that
    several objects share, like a region's import jobs) which messages are its own."""

    channel: str
    replay: Replay | None = None  # None: a live-only feed (positions)
    accept: Callable[[Message], bool] | None = None
    replay_from: int | None = None  # replay at least from here (a job's first message)


class FeedEnded(Exception):
    """The feed stopped after delivering `last_sequence`: the client resumes with after=it."""

    code = "FEED_INTERRUPTED"

    def __init__(self, message: str, *, last_sequence: int):
        super().__init__(
            _(
                "{message} (last sequence delivered: {last_sequence})",
                message=message,
                last_sequence=last_sequence,
            )
        )
        self.last_sequence = last_sequence


class FeedExpired(FeedEnded):
    """The subscriber's access token expired: reconnect with a fresh one, then resume."""

    code = "UNAUTHENTICATED"


async def follow(
    hub: Hub,
    source: FeedSource,
    *,
    after: int | None,
    announced: Callable[[], Awaitable[int]],
    expires_at: datetime | None = None,
    deliver: Callable[[Message], bool] | None = None,
) -> AsyncIterator[Message]:
    """Messages of the feed after `after`, replayed then live, each once and in order.

    S1 of the argument in api.realtime: the replay bound is read only once Redis has confirmed
    the subscription (`hub.listen` returns then), so a row above it is published later and
    arrives live; rows up to it are replayed and their live copies dropped. Ends with FeedEnded
    (FeedInterrupted by Redis or a full queue, or the token's expiry), carrying the last sequence.

    `deliver` (the fast path, schema.realtime.subscriptions) may take a live message at once
    in the hub's reader instead of its being yielded: it gets only what the loop below would
    yield, in the same order (only while the loop waits with an empty queue), and returns
    False to leave a message to the loop."""
    if source.replay_from is not None:
        after = max(after or 0, source.replay_from)
    last = after or 0
    expiry: asyncio.TimerHandle | None = None
    try:
        async with hub.listen(source.channel) as listener:
            if after is not None and source.replay is not None:
                bound = await announced()
                async for message in source.replay(after, bound):
                    last = message["sequence"]
                    if source.accept is None or source.accept(message):
                        yield message
                last = max(last, bound)
            if expires_at is not None:
                # One timer per subscription, not a timeout per message (that cost ~15% of a
                # delivery): on expiry the feed's queue ends like any interrupted feed.
                remaining = (expires_at - clock.now()).total_seconds()
                expiry = asyncio.get_running_loop().call_later(
                    max(remaining, 0), listener.fail, _TokenExpired()
                )

            def take(message: Message) -> bool:
                nonlocal last
                sequence = message["sequence"]
                if sequence <= last:
                    return True  # as below: replayed already, or a takeover's repeat
                if source.accept is not None and not source.accept(message):
                    last = sequence
                    return True
                assert deliver is not None
                if not deliver(message):
                    return False
                last = sequence
                return True

            while True:
                if deliver is not None:
                    listener.direct = take
                try:
                    item = await listener.queue.get()
                finally:
                    listener.direct = None
                if isinstance(item, FeedInterrupted):
                    raise item
                if item["sequence"] <= last:
                    continue  # replayed already, or a takeover's repeat
                last = item["sequence"]
                if source.accept is None or source.accept(item):
                    yield item
    except _TokenExpired as error:
        raise FeedExpired(
            _("access token expired; reconnect with a fresh token and resume"), last_sequence=last
        ) from error
    except FeedInterrupted as error:
        raise FeedEnded(str(error), last_sequence=last) from error
    finally:
        if expiry is not None:
            expiry.cancel()


class _TokenExpired(FeedInterrupted):
    pass
