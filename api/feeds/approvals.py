"""The approval feeds: every change of an application made, or a risk assessment kept, under a
region the subscriber may read them in (the kernel writes one change message per step)."""

from __future__ import annotations

from api.auth import Principal
from api.feeds import FeedSource
from api.feeds.events import scoped
from api.outbox import OutboxMessage, replay
from api.realtime import channel


def application_changes(*, actor: Principal, scope: str) -> FeedSource:
    scoped(actor, scope, "application")
    query = OutboxMessage.filter(topic="approval", region_code__startswith=scope)
    return FeedSource(
        channel("approval", scope), replay=lambda after, up_to: replay(query, after, up_to)
    )


def assessment_changes(*, actor: Principal, scope: str) -> FeedSource:
    scoped(actor, scope, "risk_assessment")
    query = OutboxMessage.filter(topic="risk_assessment", region_code__startswith=scope)
    return FeedSource(
        channel("risk_assessment", scope), replay=lambda after, up_to: replay(query, after, up_to)
    )
