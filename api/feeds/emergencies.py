"""The emergencies feed: every change of an incident or its tasks under a region the subscriber
may read (a command centre's live situation), replayed and resumed like event changes."""

from __future__ import annotations

from api.auth import Principal
from api.domains.emergencies.flow import TOPIC
from api.feeds import FeedSource
from api.feeds.events import scoped
from api.outbox import OutboxMessage, replay
from api.realtime import channel


def emergencies(*, actor: Principal, scope: str) -> FeedSource:
    scoped(actor, scope, "incident")
    query = OutboxMessage.filter(topic=TOPIC, region_code__startswith=scope)
    return FeedSource(
        channel(TOPIC, scope), replay=lambda after, up_to: replay(query, after, up_to)
    )
