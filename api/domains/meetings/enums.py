"""Kinds and states of meetings (三会一课 and the others), committee posts, branch warnings."""

from __future__ import annotations

from enum import StrEnum


class MeetingKind(StrEnum):
    BRANCH_ASSEMBLY = "branch_assembly"  # 支部党员大会
    BRANCH_COMMITTEE = "branch_committee"  # 支委会
    GROUP_MEETING = "group_meeting"  # 党小组会
    PARTY_LECTURE = "party_lecture"  # 党课
    THEME_PARTY_DAY = "theme_party_day"  # 主题党日
    ORGANISATIONAL_LIFE = "organisational_life"  # 组织生活会
    JOINT_MEETING = "joint_meeting"  # 联席会议
    PUBLIC_OPINION_ANALYSIS = "public_opinion_analysis"  # 民情分析会


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"  # invitations out; leave and sign-in open
    HELD = "held"  # minutes recorded
    CANCELLED = "cancelled"


class Action(StrEnum):
    SCHEDULE = "schedule"
    RECORD_MINUTES = "record_minutes"
    CANCEL = "cancel"
    # the sweep's own steps (api/flows/sweep.py Marks)
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class Stage(StrEnum):
    MINUTES = "minutes"  # the organiser records the minutes within days of the meeting


class LeaveStatus(StrEnum):
    NONE = "none"
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class CommitteePost(StrEnum):
    """Posts of a party committee (支部委员会)."""

    SECRETARY = "secretary"  # 书记
    DEPUTY_SECRETARY = "deputy_secretary"  # 副书记
    ORGANISATION = "organisation"  # 组织委员
    PUBLICITY = "publicity"  # 宣传委员
    DISCIPLINE = "discipline"  # 纪检委员
    MEMBER = "member"  # 委员


class BranchWarning(StrEnum):
    """The numeric rules of a branch (党支部工作条例), shown on its page, never refused."""

    TOO_FEW_MEMBERS = "too_few_members"  # fewer than 3 formal members
    TOO_MANY_MEMBERS = "too_many_members"  # more than 50 formal members
    COMMITTEE_MISSING = "committee_missing"  # 7+ formal members and no committee of 3
    COMMITTEE_TOO_LARGE = "committee_too_large"  # more than 7 (3–5 as a rule)
    COMMITTEE_TOO_SMALL = "committee_too_small"  # a committee of 1–2 where one is due
    NO_SECRETARY = "no_secretary"
