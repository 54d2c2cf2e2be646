"""States and kinds of dual-post points (双岗双争)."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


class MemberKind(StrEnum):
    PARTY_MEMBER = "party_member"  # 在职党员
    VOLUNTEER = "volunteer"  # 志愿者


class MemberStatus(StrEnum):
    LINKED = "linked"  # tied to an existing registry record by ID number
    PENDING = "pending"  # no record matched: the community confirms them
    CONFIRMED = "confirmed"  # confirmed by the community without a registry record


class PostStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"
    VERIFIED = "verified"
    RETURNED = "returned"


class ClaimAction(StrEnum):
    CLAIM = "claim"
    COMPLETE = "complete"
    VERIFY = "verify"
    RETURN = "return"


class ClaimStage(StrEnum):
    DO = "do"  # until the post's period ends
    VERIFY = "verify"  # the community checks the evidence


class PledgeStatus(StrEnum):
    MADE = "made"
    RATED = "rated"


class PledgeAction(StrEnum):
    MAKE = "make"
    FOLLOW_UP = "follow_up"
    RATE = "rate"


class PledgeStage(StrEnum):
    KEEP = "keep"  # until its period ends


class RaterKind(StrEnum):
    RESIDENT = "resident"
    BRANCH = "branch"


class SourceKind(StrEnum):
    """What a ledger entry is for; with its key, it is credited at most once."""

    POST_COMPLETION = "post_completion"
    EVENT_REPORTED = "event_reported"
    MEETING_ATTENDED = "meeting_attended"
    PLEDGE_RATED = "pledge_rated"
    MANUAL = "manual"
    OPENING = "opening"  # a volunteer's service hours kept before the ledger


register(
    "PointsMemberKind",
    MemberKind,
    {
        MemberKind.PARTY_MEMBER: ("在职党员", "In-service party member"),
        MemberKind.VOLUNTEER: ("志愿者", "Volunteer"),
    },
)
register(
    "PointsMemberStatus",
    MemberStatus,
    {
        MemberStatus.LINKED: ("已关联档案", "Linked to their record"),
        MemberStatus.PENDING: ("待社区确认", "Awaiting the community"),
        MemberStatus.CONFIRMED: ("社区已确认", "Confirmed by the community"),
    },
)
register(
    "PostClaimStatus",
    ClaimStatus,
    {
        ClaimStatus.CLAIMED: ("已认领", "Claimed"),
        ClaimStatus.DONE: ("已完成待审核", "Done, awaiting verification"),
        ClaimStatus.VERIFIED: ("审核通过", "Verified"),
        ClaimStatus.RETURNED: ("已退回", "Returned"),
    },
)
register(
    "PledgeStatus",
    PledgeStatus,
    {
        PledgeStatus.MADE: ("已承诺", "Pledged"),
        PledgeStatus.RATED: ("已评诺", "Rated"),
    },
)
register(
    "PointsSourceKind",
    SourceKind,
    {
        SourceKind.POST_COMPLETION: ("公益岗位", "Welfare post completed"),
        SourceKind.EVENT_REPORTED: ("随手拍", "Event reported"),
        SourceKind.MEETING_ATTENDED: ("参加会议", "Meeting attended"),
        SourceKind.PLEDGE_RATED: ("践诺评议", "Pledge kept"),
        SourceKind.MANUAL: ("人工调整", "Manual adjustment"),
        SourceKind.OPENING: ("期初服务时长", "Opening service hours"),
    },
)
