"""The notices feed: notices and reminders for one signed-in user."""

from __future__ import annotations

from api.auth import Principal
from api.errors import ValidationFailed
from api.feeds import FeedSource
from api.outbox import OutboxMessage, replay
from api.realtime import channel


def notices(*, actor: Principal) -> FeedSource:
    if actor.user_id is None:
        raise ValidationFailed("notices belong to users; sign in as one")
    query = OutboxMessage.filter(topic="notice", user_id=actor.user_id)
    return FeedSource(
        channel("notice", f"user:{actor.user_id}"),
        replay=lambda after, up_to: replay(query, after, up_to),
    )
