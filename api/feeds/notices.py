"""The notices feed: notices and reminders for one signed-in user."""

from __future__ import annotations

from api.auth import Principal
from api.errors import ValidationFailed
from api.feeds import FeedSource
from api.i18n import _
from api.outbox import OutboxMessage, replay
from api.realtime import channel


def notices(*, actor: Principal) -> FeedSource:
    if actor.user_id is None:
        raise ValidationFailed(_("notices belong to users; sign in as one"))
    user_id = actor.user_id  # the query is made when a replay needs it (api.feeds.events)
    return FeedSource(
        channel("notice", f"user:{user_id}"),
        replay=lambda after, up_to: replay(
            OutboxMessage.filter(topic="notice", user_id=user_id), after, up_to
        ),
    )
