"""The messages feed: each message of the threads one signed-in user takes part in."""

from __future__ import annotations

from api.auth import Principal
from api.errors import ValidationFailed
from api.feeds import FeedSource
from api.i18n import _
from api.outbox import OutboxMessage, replay
from api.realtime import channel


def messages(*, actor: Principal) -> FeedSource:
    if actor.user_id is None:
        raise ValidationFailed(_("messages belong to users; sign in as one"))
    user_id = actor.user_id
    return FeedSource(
        channel("message", f"user:{user_id}"),
        replay=lambda after, up_to: replay(
            OutboxMessage.filter(topic="message", user_id=user_id), after, up_to
        ),
    )
