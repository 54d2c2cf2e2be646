"""The event-changes feed: every change of an event under a region the subscriber may read."""

from __future__ import annotations

from api.auth import Principal
from api.domains.hierarchy.enums import Level
from api.errors import ValidationFailed
from api.feeds import FeedSource
from api.i18n import _
from api.outbox import OutboxMessage, replay
from api.realtime import channel
from policies.enforcer import authorize


def scoped(actor: Principal, scope: str, obj: str) -> None:
    """A region code the actor may read `obj` under: INVALID if it is no region code, NOT_FOUND
    outside the actor's regions (no existence oracle), FORBIDDEN if the roles there may not."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    authorize(actor.assignments, obj, "read", at=scope)


def event_changes(*, actor: Principal, scope: str) -> FeedSource:
    scoped(actor, scope, "event")
    # the query is made when a replay needs it: a queryset kept by every idle subscription
    # would cost each ~1.5 KiB (bench_fanout's memory per subscriber)
    return FeedSource(
        channel("event", scope),
        replay=lambda after, up_to: replay(
            OutboxMessage.filter(topic="event", region_code__startswith=scope), after, up_to
        ),
    )
