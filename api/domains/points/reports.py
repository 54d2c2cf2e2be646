"""随手拍积分: events a member reported from their account (the citizens' channel: an appeal,
WeChat) credited to the ledger by the worker once the event was verified and closed, once per
event. The events domain lies below this one and knows nothing of points, so points reads the
closed events instead of being told (as it reads meetings' sign-ins)."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.domains.events.enums import EventStatus
from api.domains.events.models import Event
from api.domains.points import ledger
from api.domains.points.enums import MemberStatus
from api.domains.points.models import PointsMember
from api.domains.points.periods import period_of

# An event counts once closed (verified first: a rejected or open report earns nothing); the
# window reaches back far enough for a worker that was down for weeks, and a credit already
# booked is never booked again (one key per event).
LOOK_BACK = timedelta(days=40)
CLOSED = (EventStatus.CLOSED, EventStatus.EVALUATED)
ACTIVE = (MemberStatus.LINKED, MemberStatus.CONFIRMED)
BATCH = 1000


async def credit_reported_events(*, now: datetime) -> int:
    """Credit every event closed in the last 40 days that a linked or confirmed member reported
    after joining (a duplicate merged into another is not a report of its own), in the period
    it was reported in; returns the entries booked."""
    booked = 0
    after = None
    while True:
        query = PointsMember.filter(user_id__isnull=False, status__in=ACTIVE)
        if after is not None:
            query = query.filter(id__gt=after)
        members = await query.order_by("id").limit(BATCH)
        if not members:
            return booked
        after = members[-1].id
        by_user = {m.user_id: m for m in members}
        reports = await Event.filter(
            reporter_id__in=list(by_user),
            status__in=CLOSED,
            merged_into_id__isnull=True,
            closed_at__gte=now - LOOK_BACK,
            closed_at__lte=now,
        ).values_list("id", "reporter_id", "reported_at")
        for event_id, reporter_id, reported_at in reports:
            member = by_user[reporter_id]
            if reported_at < member.created_at:
                continue  # reported before they joined: not earned as a member
            entry = await ledger.credit_event_reported(
                event_id=event_id,
                member_id=member.id,
                verifier=None,
                reported_in=period_of(reported_at),
            )
            booked += entry is not None
