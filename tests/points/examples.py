"""The dual-post points records graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from api import clock
from api.auth import Assignment, Principal
from api.domains.accounts.models import User
from api.domains.points import assessment, ledger, pledges, posts
from api.domains.points.enums import MemberKind, MemberStatus, PledgeStatus, SourceKind
from api.domains.points.models import Pledge, PointsMember
from api.domains.points.periods import current_period, ends_at, previous
from tests import factories
from tests.points.helpers import COMMUNITY


async def _member(user_id: uuid.UUID, name: str, *, consents: bool) -> PointsMember:
    return await PointsMember.create(
        id=uuid.uuid4(),
        user_id=user_id,
        kind=MemberKind.PARTY_MEMBER,
        status=MemberStatus.LINKED,
        name=name,
        region_code=COMMUNITY,
        employer_organisation="淇滨区人民医院党委",
        consents_to_publish=consents,
        created_at=clock.now(),
    )


async def points_fixtures() -> dict[str, str]:
    """The fixtures' citizen (8613912345678) as a member of 410611001001 holding a claim, another
    member whose claim awaits verification, an open post, and last quarter frozen."""
    citizen = await User.get(username="8613912345678")
    mine = await _member(citizen.id, "王建国", consents=True)
    other_account = await factories.user("citizen", "4106", username="8613900001111")
    other = await _member(other_account.id, "李红", consents=False)
    staff = Principal(
        user_id=uuid.uuid4(),
        username="points.staff",
        assignments=(Assignment("community_staff", COMMUNITY),),
    )
    now = clock.now()

    def post_input(title: str, slots: int) -> posts.PostInput:
        return posts.PostInput(
            region_code=COMMUNITY,
            title=title,
            description="周末早上在小区垃圾站督导分类",
            place="金山社区3号垃圾站",
            starts_at=now,
            ends_at=now + timedelta(days=2),
            slots=slots,
            points=Decimal(5),
            hours=Decimal("2.5"),
            skills=["垃圾分类"],
            lat=35.7471,
            lng=114.2973,
        )

    open_post = await posts.publish(actor=staff, data=post_input("社区垃圾分类督导", 5))
    held = await posts.publish(actor=staff, data=post_input("助老送餐", 3))

    def as_member(member: PointsMember, account: User) -> Principal:
        return Principal(
            user_id=account.id,
            username=account.username,
            assignments=(Assignment("citizen", "4106"),),
        )

    my_claim = await posts.claim(actor=as_member(mine, citizen), post_id=held.id)
    done = await posts.claim(actor=as_member(other, other_account), post_id=held.id)
    await posts.complete(
        actor=as_member(other, other_account), claim_id=done.id, evidence="送餐6户, 照片已附"
    )
    for member, points in ((mine, Decimal(12)), (other, Decimal(7))):
        await ledger.credit(
            member_id=member.id,
            source=SourceKind.MANUAL,
            key=str(uuid.uuid4()),
            points=points,
            verifier=staff,
            reason="上季度志愿服务",
            period_key=previous(current_period()),
        )
    last = previous(current_period())
    # last quarter's pledge of the member, rated (published); this quarter's of the other
    kept = await Pledge.create(
        id=uuid.uuid4(),
        member_id=mine.id,
        user_id=citizen.id,
        region_code=COMMUNITY,
        period_key=last,
        text="为3号楼加装楼道扶手",
        keep_until=ends_at(last),
        status=PledgeStatus.MADE,
        created_at=clock.now(),
    )
    await pledges.rate(actor=staff, pledge_id=kept.id, branch_score=5, note="已完成")
    open_pledge = await pledges.make(
        actor=as_member(other, other_account), text="每月探访两户空巢老人"
    )
    pending_account = await factories.user("citizen", "4106", username="8613900002222")
    pending = await PointsMember.create(
        id=uuid.uuid4(),
        user_id=pending_account.id,
        kind=MemberKind.PARTY_MEMBER,
        status=MemberStatus.PENDING,
        name="赵新",
        region_code=COMMUNITY,
        employer_organisation="鹤壁市第一中学党总支",
        created_at=clock.now(),
    )
    await assessment.freeze_due()
    return {
        "<pledge_id>": str(open_pledge.id),
        "<pending_points_member_id>": str(pending.id),
        "<welfare_post_id>": str(open_post.id),
        "<my_claim_id>": str(my_claim.id),
        "<done_claim_id>": str(done.id),
        "<points_member_id>": str(other.id),
        "<last_period>": last,
        "<this_period>": current_period(),
        "<request_id>": str(uuid.uuid4()),
    }
