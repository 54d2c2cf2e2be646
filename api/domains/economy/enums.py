"""Vocabularies of economic operations (经济运行): projects, their milestones and monthly
progress, indicators and their values signed off level by level."""

from __future__ import annotations

from enum import StrEnum


class ProjectStatus(StrEnum):
    PLANNED = "planned"  # 谋划/签约
    UNDER_CONSTRUCTION = "under_construction"  # 在建
    COMPLETED = "completed"  # 竣工
    SUSPENDED = "suspended"  # 停缓建


class MilestoneStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"


class MilestoneAction(StrEnum):
    PLAN = "plan"
    COMPLETE = "complete"


class MilestoneStage(StrEnum):
    DUE = "due"


class ProgressStatus(StrEnum):
    """A month's progress report (项目月报), signed off by the level above the project's."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class ProgressAction(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    RESUBMIT = "resubmit"


class ProgressStage(StrEnum):
    REVIEW = "review"


class Aggregation(StrEnum):
    """How an indicator's values add up over regions and over time: a sum (revenue), an
    average (a rate), or the last value of the period (a stock: people registered at month end,
    summed over regions)."""

    SUM = "sum"
    AVERAGE = "average"
    LAST = "last"


class ValueStatus(StrEnum):
    """An indicator value's sign-off (the DHIS2 data-approval pattern): entered and submitted by
    the reporting region, accepted by the level above, then locked; only the level above
    returns or reopens it."""

    OPEN = "open"  # to be entered
    SUBMITTED = "submitted"  # entered, awaiting the level above
    ACCEPTED = "accepted"  # signed off by the level above: it counts
    LOCKED = "locked"  # closed for the period: it counts, nothing changes until reopened


class ValueAction(StrEnum):
    OPEN = "open"
    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    LOCK = "lock"
    REOPEN = "reopen"


class ValueStage(StrEnum):
    REPORT = "report"  # the reporting region's deadline
    ACCEPT = "accept"  # the level above's time to sign off
