"""会议积分: members' sign-ins to held meetings (api/domains/meetings) credited to the ledger by
the worker. The meetings domain lies below this one and knows nothing of points, so points
reads its attendance instead of being told."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import Q

from api.domains.hierarchy.models import Region
from api.domains.meetings import service as meetings
from api.domains.points import ledger
from api.domains.points.enums import MemberStatus
from api.domains.points.models import PointsMember
from api.domains.points.periods import period_of
from api.regions import Level

# A meeting counts once its minutes make it held, up to a week after it; the window is wider
# than that, and a credit already booked is never booked again (one key per meeting and member).
LOOK_BACK = timedelta(days=40)
ACTIVE = (MemberStatus.LINKED, MemberStatus.CONFIRMED)


async def credit_attended_meetings(*, now: datetime) -> int:
    """Credit every sign-in to a held meeting that started in the last 40 days to the member
    it belongs to (by account, else by party-member record); returns the entries booked."""
    booked = 0
    cities = await Region.filter(level=Level.CITY, is_active=True).only("code")
    for city in cities:
        rows = await meetings.attendance(since=now - LOOK_BACK, until=now, region_code=city.code)
        users = {row.user_id for row in rows if row.user_id}
        records = {row.party_member_id for row in rows if row.party_member_id}
        members = await PointsMember.filter(
            Q(user_id__in=list(users)) | Q(party_member_id__in=list(records)), status__in=ACTIVE
        )
        by_user = {m.user_id: m for m in members if m.user_id}
        by_record = {m.party_member_id: m for m in members if m.party_member_id}
        for row in rows:
            member = (by_user.get(row.user_id) if row.user_id else None) or (
                by_record.get(row.party_member_id) if row.party_member_id else None
            )
            if member is None:
                continue
            entry = await ledger.credit_meeting_attendance(
                meeting_id=row.meeting_id,
                member_id=member.id,
                verifier=None,
                held_on=period_of(row.starts_at),
            )
            booked += entry is not None
    return booked
