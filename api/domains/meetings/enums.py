"""Kinds and states of meetings (三会一课 and the others), committee posts, branch warnings."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


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


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "MeetingKind",
    MeetingKind,
    {
        MeetingKind.BRANCH_ASSEMBLY: ("支部党员大会", "Branch assembly"),
        MeetingKind.BRANCH_COMMITTEE: ("支委会", "Branch committee"),
        MeetingKind.GROUP_MEETING: ("党小组会", "Party group meeting"),
        MeetingKind.PARTY_LECTURE: ("党课", "Party lecture"),
        MeetingKind.THEME_PARTY_DAY: ("主题党日", "Theme party day"),
        MeetingKind.ORGANISATIONAL_LIFE: ("组织生活会", "Organisational life meeting"),
        MeetingKind.JOINT_MEETING: ("联席会议", "Joint meeting"),
        MeetingKind.PUBLIC_OPINION_ANALYSIS: ("民情分析会", "Public-opinion analysis"),
    },
)
register(
    "MeetingStatus",
    MeetingStatus,
    {
        MeetingStatus.SCHEDULED: ("已安排", "Scheduled"),
        MeetingStatus.HELD: ("已召开", "Held"),
        MeetingStatus.CANCELLED: ("已取消", "Cancelled"),
    },
)
register(
    "MeetingLeaveStatus",
    LeaveStatus,
    {
        LeaveStatus.NONE: ("未请假", "None"),
        LeaveStatus.REQUESTED: ("已请假待批", "Requested"),
        LeaveStatus.APPROVED: ("准假", "Approved"),
        LeaveStatus.REFUSED: ("不准假", "Refused"),
    },
)
register(
    "CommitteePost",
    CommitteePost,
    {
        CommitteePost.SECRETARY: ("书记", "Secretary"),
        CommitteePost.DEPUTY_SECRETARY: ("副书记", "Deputy secretary"),
        CommitteePost.ORGANISATION: ("组织委员", "Organisation member"),
        CommitteePost.PUBLICITY: ("宣传委员", "Publicity member"),
        CommitteePost.DISCIPLINE: ("纪检委员", "Discipline member"),
        CommitteePost.MEMBER: ("委员", "Committee member"),
    },
)
register(
    "BranchWarning",
    BranchWarning,
    {
        BranchWarning.TOO_FEW_MEMBERS: ("正式党员不足3人", "Fewer than 3 formal members"),
        BranchWarning.TOO_MANY_MEMBERS: ("正式党员超过50人", "More than 50 formal members"),
        BranchWarning.COMMITTEE_MISSING: ("应设支委会而未设", "No committee where one is due"),
        BranchWarning.COMMITTEE_TOO_LARGE: ("支委会超过7人", "Committee of more than 7"),
        BranchWarning.COMMITTEE_TOO_SMALL: ("支委会不足3人", "Committee of fewer than 3"),
        BranchWarning.NO_SECRETARY: ("未设书记", "No secretary"),
    },
)
