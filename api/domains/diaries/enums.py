"""Vocabularies of work diaries, patrols, household visits and investigation rounds."""

from __future__ import annotations

from enum import StrEnum


class DiaryKind(StrEnum):
    """What a diary entry is (民情日记)."""

    NOTES = "notes"  # 心得: work notes
    RESIDENTS_NEWS = "residents_news"  # 民生动态: what is happening among residents
    VISIT = "visit"  # 走访


class ProblemType(StrEnum):
    """Problems a diary counts (排查发现), each of which may become an event."""

    DISPUTE = "dispute"  # 矛盾纠纷
    APPEAL = "appeal"  # 群众诉求
    SUGGESTION = "suggestion"  # 意见建议
    SECURITY_HAZARD = "security_hazard"  # 治安隐患
    FIRE_HAZARD = "fire_hazard"  # 消防隐患
    SANITATION = "sanitation"  # 环境卫生
    OTHER = "other"


class DiaryStatus(StrEnum):
    SUBMITTED = "submitted"  # awaiting a leader's review
    APPROVED = "approved"
    RETURNED = "returned"  # sent back with a remark (点评); the author may revise and resubmit


class DiaryAction(StrEnum):
    WRITE = "write"
    APPROVE = "approve"
    RETURN = "return"
    RESUBMIT = "resubmit"
    RAISE_EVENT = "raise_event"  # a problem noted in it became an event (the state stays)


class DiaryStage(StrEnum):
    REVIEW = "review"


class QuotaPeriod(StrEnum):
    """The period a quota counts over (ISO weeks, calendar months; China time)."""

    WEEK = "week"
    MONTH = "month"


class PatrolStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class RoundKind(StrEnum):
    """Dispute investigation rounds (矛盾纠纷排查): weekly for communities (周排查周报告), twice a
    month for townships (半月一排查一上报)."""

    COMMUNITY = "community"
    TOWNSHIP = "township"


class RoundStatus(StrEnum):
    OPEN = "open"  # to be filled in and submitted
    SUBMITTED = "submitted"


class RoundAction(StrEnum):
    OPEN = "open"
    SUBMIT = "submit"


class RoundStage(StrEnum):
    REPORT = "report"
