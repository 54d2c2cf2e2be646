"""Vocabularies of assessment and decision support (考核督办 / 辅助决策)."""

from __future__ import annotations

from enum import StrEnum


class GroupBy(StrEnum):
    """A dimension of the event statistics: at most one breakdown and one time bucket."""

    CATEGORY = "category"
    STATUS = "status"
    SOURCE = "source"
    CHILD_REGION = "child_region"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


BREAKDOWNS = frozenset({GroupBy.CATEGORY, GroupBy.STATUS, GroupBy.SOURCE, GroupBy.CHILD_REGION})
TIME_BUCKETS = frozenset({GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH})


class SubjectKind(StrEnum):
    """What a ranking ranks."""

    DEPARTMENT = "department"  # 职能部门, by the events assigned to it
    WORKER = "worker"  # grid workers and handlers, by the events assigned to them in person
    REGION = "region"  # the children of a region, by the events that happened there


class Metric(StrEnum):
    """What a ranking orders by; every metric but the rework rate is better when higher."""

    POINTS = "points"
    CLOSURE_RATE = "closure_rate"
    ON_TIME_HANDLING_RATE = "on_time_handling_rate"
    ON_TIME_CLOSURE_RATE = "on_time_closure_rate"
    REWORK_RATE = "rework_rate"
    ACCURATE_DISPATCH_RATE = "accurate_dispatch_rate"
    SATISFACTION = "satisfaction"
    COHANDLED = "cohandled"  # 协办数: events a department co-handled (departments only)
    # counts (higher is more work done; OVERDUE: lower is better)
    REPORTED = "reported"  # 上报数: events a person reported (workers only)
    FILED = "filed"  # 立案数: the period's cases
    CLOSED = "closed"  # 结案数
    ON_TIME = "on_time"  # 按期结案数: closed with no counted card
    OVERDUE = "overdue"  # 超期数: cases with a counted card in any stage


LOWER_IS_BETTER = frozenset({Metric.REWORK_RATE, Metric.OVERDUE})


class PeriodKind(StrEnum):
    """The period of a frozen ranking (local days, ISO weeks, calendar months; China time)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Fact(StrEnum):
    """Facts the points rules price; each rule is points per occurrence (negative: deduction)."""

    REPORTED = "reported"  # an event the worker reported (grid patrol diligence)
    CLOSED_ON_TIME = "closed_on_time"
    CLOSED_LATE = "closed_late"
    REWORKED = "reworked"
    RETURNED = "returned"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"
    DIARY_WRITTEN = "diary_written"  # a work diary kept (not returned)
    HOUSEHOLD_VISITED = "household_visited"  # a household visit recorded
    QUOTA_SHORTFALL = "quota_shortfall"  # a minimum of a diary quota missed in a period
