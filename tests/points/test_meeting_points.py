"""会议积分: the worker credits members' sign-ins to held meetings, once per meeting and member,
and nothing for a meeting not held or a member the community has not confirmed."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api import clock
from api.domains.meetings.enums import MeetingKind, MeetingStatus
from api.domains.meetings.models import Meeting, MeetingInvitee
from api.domains.points.enums import SourceKind
from api.domains.points.models import LedgerEntry, PointsMember
from api.domains.points.periods import period_of
from tests import factories
from tests.meetings.helpers import GRID, branch
from workers.points import credit_meeting_points


async def _meeting(status: MeetingStatus, days_ago: int) -> Meeting:
    starts = clock.now() - timedelta(days=days_ago)
    return await Meeting.create(
        id=uuid.uuid4(),
        kind=MeetingKind.BRANCH_ASSEMBLY,
        title="支部党员大会",
        region_code=GRID,
        organiser_id=uuid.uuid4(),
        organiser_label="社区",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        place="党群服务中心",
        agenda="学习",
        sign_in_from=starts - timedelta(minutes=30),
        sign_in_until=starts + timedelta(minutes=30),
        status=status,
        created_at=starts - timedelta(days=3),
    )


async def _present(meeting: Meeting, *, user_id: uuid.UUID | None, record: uuid.UUID) -> None:
    await MeetingInvitee.create(
        meeting_id=meeting.id,
        user_id=user_id,
        party_member_id=record,
        name="党员",
        region_code=GRID,
        signed_in_at=meeting.starts_at,
        created_at=meeting.created_at,
    )


async def test_sign_ins_to_held_meetings_are_credited_once(db: None) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强", "郑丽", "王芳"])
    liu, zheng, wang = organisation.members
    account = await factories.user("citizen", "4106")
    by_account = await PointsMember.create(
        id=uuid.uuid4(),
        kind="party_member",
        status="linked",
        name="刘强",
        region_code=GRID[:12],
        user_id=account.id,
        created_at=clock.now(),
    )
    by_record = await PointsMember.create(
        id=uuid.uuid4(),
        kind="party_member",
        status="confirmed",
        name="郑丽",
        region_code=GRID[:12],
        party_member_id=zheng.id,
        created_at=clock.now(),
    )
    await PointsMember.create(  # not confirmed yet: earns nothing
        id=uuid.uuid4(),
        kind="party_member",
        status="pending",
        name="王芳",
        region_code=GRID[:12],
        party_member_id=wang.id,
        created_at=clock.now(),
    )
    held = await _meeting(MeetingStatus.HELD, days_ago=2)
    scheduled = await _meeting(MeetingStatus.SCHEDULED, days_ago=1)  # minutes not recorded
    long_ago = await _meeting(MeetingStatus.HELD, days_ago=90)  # outside the look-back
    for meeting in (held, scheduled, long_ago):
        await _present(meeting, user_id=account.id, record=liu.id)
        await _present(meeting, user_id=None, record=zheng.id)
        await _present(meeting, user_id=None, record=wang.id)

    first = await credit_meeting_points({})
    again = await credit_meeting_points({})

    assert (first, again) == (2, 0)
    entries = await LedgerEntry.filter(source_kind=SourceKind.MEETING_ATTENDED).order_by("id")
    assert sorted(e.member_id for e in entries) == sorted([by_account.id, by_record.id])
    assert {e.source_key for e in entries} == {
        f"{held.id}:{by_account.id}",
        f"{held.id}:{by_record.id}",
    }
    assert {e.period_key for e in entries} == {period_of(held.starts_at)}
