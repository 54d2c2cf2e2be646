"""The positions feed: grid workers' fixes under a region, live only (not in the outbox)."""

from __future__ import annotations

from api.auth import Principal
from api.feeds import FeedSource
from api.feeds.events import scoped
from api.realtime import channel


def worker_positions(*, actor: Principal, scope: str) -> FeedSource:
    scoped(actor, scope, "position")
    return FeedSource(channel("position", scope))
