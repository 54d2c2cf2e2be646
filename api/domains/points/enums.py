"""States and kinds of dual-post points (双岗双争)."""

from __future__ import annotations

from enum import StrEnum


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
