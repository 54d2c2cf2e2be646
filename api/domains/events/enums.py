"""Event states, actions and the vocabularies of the closed loop (DESIGN.md §4)."""

from __future__ import annotations

from enum import StrEnum

# Units of time limits and cards are every flow's (api/flows/).
from api.flows.calendar import DeadlineUnit as DeadlineUnit
from api.flows.clocks import Card as Card


class EventStatus(StrEnum):
    REPORTED = "reported"  # 上报
    FILED = "filed"  # 立案
    REJECTED = "rejected"  # 不予立案
    ASSIGNED = "assigned"  # 派遣
    IN_PROGRESS = "in_progress"  # 处置中
    HANDLED = "handled"  # 处置反馈
    VERIFIED = "verified"  # 核查通过
    CLOSED = "closed"  # 结案归档
    EVALUATED = "evaluated"  # 回访评价


OPEN_STATUSES = frozenset(
    {
        EventStatus.REPORTED,
        EventStatus.FILED,
        EventStatus.ASSIGNED,
        EventStatus.IN_PROGRESS,
        EventStatus.HANDLED,
        EventStatus.VERIFIED,
    }
)


class Action(StrEnum):
    REPORT = "report"
    FILE = "file"
    REJECT = "reject"
    ASSIGN = "assign"
    ACCEPT = "accept"
    RETURN = "return"
    SUBMIT = "submit"
    VERIFY = "verify"
    CLOSE = "close"
    EVALUATE = "evaluate"
    ESCALATE = "escalate"
    SELF_HANDLE = "self_handle"
    SUPERVISE = "supervise"  # 督办
    COMMENT = "comment"  # 点评
    ATTACH = "attach"
    FOLLOW_UP = "follow_up"  # 补充信息: the caller adds to their own report through a channel
    COHANDLE = "cohandle"  # 协办反馈: a co-handling department reports its part
    VERIFY_ON_SITE = "verify_on_site"  # 现场核查: the grid's leader checks the result on site
    MERGE = "merge"  # 重复件合并: the report is merged into another event (api/domains/triage)
    UNMERGE = "unmerge"  # the merge is undone while the main event is open
    REMIND = "remind"  # the deadline approaches (system)
    YELLOW_CARD = "yellow_card"  # 黄牌: the deadline passed (system)
    RED_CARD = "red_card"  # 红牌: far past the deadline (system)


class Step(StrEnum):
    """The plan's seven steps of the closed loop; an event is at the last one it has reached."""

    REPORT = "report"  # 问题上报
    FILE = "file"  # 案卷建立
    DISPATCH = "dispatch"  # 任务指派
    HANDLE = "handle"  # 调查落实
    FEEDBACK = "feedback"  # 处理反馈
    CLOSE = "close"  # 结案归档
    EVALUATE = "evaluate"  # 跟踪评价


# Where each status stands in the loop, in this one place. A rejection is the filing step's
# outcome; a verified result is still the feedback step's until the case is closed.
STEP_OF_STATUS: dict[EventStatus, Step] = {
    EventStatus.REPORTED: Step.REPORT,
    EventStatus.FILED: Step.FILE,
    EventStatus.REJECTED: Step.FILE,
    EventStatus.ASSIGNED: Step.DISPATCH,
    EventStatus.IN_PROGRESS: Step.HANDLE,
    EventStatus.HANDLED: Step.FEEDBACK,
    EventStatus.VERIFIED: Step.FEEDBACK,
    EventStatus.CLOSED: Step.CLOSE,
    EventStatus.EVALUATED: Step.EVALUATE,
}


class Source(StrEnum):
    GRID_PATROL = "grid_patrol"
    CITIZEN = "citizen"
    WECHAT = "wechat"
    HOTLINE = "hotline"  # 12345
    DEPARTMENT = "department"
    SUPERIOR = "superior"
    VIDEO = "video"


class ContactKind(StrEnum):
    """Who an event's reporter (上报人) or collector (采集人) is."""

    CITIZEN = "citizen"  # a resident: through the app, WeChat, or told to a worker
    HOTLINE_CALLER = "hotline_caller"  # a 12345 caller
    GRID_WORKER = "grid_worker"  # a grid worker or grid leader
    STAFF = "staff"  # anyone else on the staff (centre, department, community)
    INTEGRATION = "integration"  # a system that passed the report on (hotline, Open311)


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    MAJOR = "major"


class Stage(StrEnum):
    """The step whose time limit is running."""

    FILE = "file"  # report → file or reject
    DISPATCH = "dispatch"  # file → assign
    HANDLE = "handle"  # assign → result submitted
    VERIFY = "verify"  # result → verified
    CLOSE = "close"  # verified → closed


class CategoryScheme(StrEnum):
    DISPUTE = "dispute"  # GB/T 31000 §5.56 矛盾纠纷
    CITY = "city"  # 城市管理 大类/小类


class Verification(StrEnum):
    """How a category's results are checked before closing (data per category)."""

    DESK = "desk"  # the centre holding the event checks from its desk
    ON_SITE = "on_site"  # 现场核查: the leader of the event's grid checks on site


class CohandlingStatus(StrEnum):
    """Where a co-handling department's task (协办) is."""

    ASSIGNED = "assigned"  # its clock runs
    REPORTED = "reported"  # its part reported
    LAPSED = "lapsed"  # its time ran out and the lead submitted the result without it
    WITHDRAWN = "withdrawn"  # the dispatch it belonged to ended (returned, escalated)


class CohandlingAction(StrEnum):
    ASSIGN = "assign"
    REPORT = "report"
    LAPSE = "lapse"
    WITHDRAW = "withdraw"
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class CalendarSource(StrEnum):
    """Where a work-calendar day comes from."""

    NATIONAL = (
        "national"  # the State Council's arrangement, seeded (api/domains/events/holidays.py)
    )
    LOCAL = "local"  # the city's own entry: overrides a national one and is never overwritten
