"""Event states, actions and the vocabularies of the closed loop (DESIGN.md §4)."""

from __future__ import annotations

from enum import StrEnum

# Units of time limits and cards are every flow's (api/flows/).
from api.flows.calendar import DeadlineUnit as DeadlineUnit
from api.flows.clocks import Card as Card
from api.vocabulary import register


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
    MAIN_PROGRESS = "main_progress"  # 主件进展: the event a report is merged into moved on (system)
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


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "EventStep",
    Step,
    {
        Step.REPORT: ("问题上报", "Report"),
        Step.FILE: ("案卷建立", "File a case"),
        Step.DISPATCH: ("任务指派", "Assign"),
        Step.HANDLE: ("调查落实", "Investigate"),
        Step.FEEDBACK: ("处理反馈", "Handle and feed back"),
        Step.CLOSE: ("结案归档", "Close and archive"),
        Step.EVALUATE: ("跟踪评价", "Follow-up evaluation"),
    },
)


register(
    "EventStatus",
    EventStatus,
    {
        EventStatus.REPORTED: ("已上报", "Reported"),
        EventStatus.FILED: ("已立案", "Filed"),
        EventStatus.REJECTED: ("不予立案", "Rejected"),
        EventStatus.ASSIGNED: ("已派遣", "Assigned"),
        EventStatus.IN_PROGRESS: ("处置中", "In progress"),
        EventStatus.HANDLED: ("已反馈", "Handled"),
        EventStatus.VERIFIED: ("核查通过", "Verified"),
        EventStatus.CLOSED: ("已结案", "Closed"),
        EventStatus.EVALUATED: ("已评价", "Evaluated"),
    },
)


register(
    "EventStage",
    Stage,
    {
        Stage.FILE: ("立案", "Filing"),
        Stage.DISPATCH: ("派遣", "Dispatch"),
        Stage.HANDLE: ("处置", "Handling"),
        Stage.VERIFY: ("核查", "Verification"),
        Stage.CLOSE: ("结案", "Closing"),
    },
)


register(
    "EventAction",
    Action,
    {
        Action.REPORT: ("上报", "Report"),
        Action.FILE: ("立案", "File"),
        Action.REJECT: ("不予立案", "Reject"),
        Action.ASSIGN: ("派遣", "Assign"),
        Action.ACCEPT: ("受理", "Accept"),
        Action.RETURN: ("退回", "Return"),
        Action.SUBMIT: ("反馈结果", "Submit the result"),
        Action.VERIFY: ("核查", "Verify"),
        Action.CLOSE: ("结案", "Close"),
        Action.EVALUATE: ("评价", "Evaluate"),
        Action.ESCALATE: ("上报上级", "Escalate"),
        Action.SELF_HANDLE: ("自行处置", "Handle on the spot"),
        Action.SUPERVISE: ("督办", "Supervise"),
        Action.COMMENT: ("点评", "Comment"),
        Action.ATTACH: ("添加附件", "Attach a file"),
        Action.FOLLOW_UP: ("补充信息", "Follow up"),
        Action.COHANDLE: ("协办反馈", "Co-handler's report"),
        Action.VERIFY_ON_SITE: ("现场核查", "On-site verification"),
        Action.REMIND: ("临期提醒", "Reminder"),
        Action.YELLOW_CARD: ("黄牌", "Yellow card"),
        Action.RED_CARD: ("红牌", "Red card"),
        Action.MERGE: ("合并重复件", "Merge as a repeat"),
        Action.UNMERGE: ("撤销合并", "Unmerge"),
        Action.MAIN_PROGRESS: ("主件进展", "Main event's progress"),
    },
)


register(
    "EventVerification",
    Verification,
    {
        Verification.DESK: ("中心核查", "At the centre's desk"),
        Verification.ON_SITE: ("现场核查", "On site by the grid's leader"),
    },
)


register(
    "EventCohandlingStatus",
    CohandlingStatus,
    {
        CohandlingStatus.ASSIGNED: ("协办中", "Co-handling"),
        CohandlingStatus.REPORTED: ("已反馈", "Reported"),
        CohandlingStatus.LAPSED: ("逾期未反馈", "Lapsed"),
        CohandlingStatus.WITHDRAWN: ("已撤回", "Withdrawn"),
    },
)


register(
    "EventCohandlingAction",
    CohandlingAction,
    {
        CohandlingAction.ASSIGN: ("派发协办", "Assign"),
        CohandlingAction.REPORT: ("协办反馈", "Report"),
        CohandlingAction.LAPSE: ("逾期结束", "Lapse"),
        CohandlingAction.WITHDRAW: ("撤回协办", "Withdraw"),
        CohandlingAction.REMIND: ("临期提醒", "Reminder"),
        CohandlingAction.YELLOW_CARD: ("黄牌", "Yellow card"),
        CohandlingAction.RED_CARD: ("红牌", "Red card"),
    },
)


register(
    "EventSource",
    Source,
    {
        Source.GRID_PATROL: ("网格巡查", "Grid patrol"),
        Source.CITIZEN: ("群众反映", "Citizen"),
        Source.WECHAT: ("微信", "WeChat"),
        Source.HOTLINE: ("12345热线", "12345 hotline"),
        Source.DEPARTMENT: ("部门上报", "Department"),
        Source.SUPERIOR: ("上级交办", "Assigned by a superior"),
        Source.VIDEO: ("视频监控", "Video surveillance"),
    },
)


register(
    "EventPriority",
    Priority,
    {
        Priority.NORMAL: ("一般", "Normal"),
        Priority.URGENT: ("紧急", "Urgent"),
        Priority.MAJOR: ("重大", "Major"),
    },
)


register(
    "EventContactKind",
    ContactKind,
    {
        ContactKind.CITIZEN: ("群众", "Citizen"),
        ContactKind.HOTLINE_CALLER: ("热线来电人", "Hotline caller"),
        ContactKind.GRID_WORKER: ("网格员", "Grid worker"),
        ContactKind.STAFF: ("工作人员", "Staff member"),
        ContactKind.INTEGRATION: ("对接系统", "Integration"),
    },
)


register(
    "Card",
    Card,
    {
        Card.NONE: ("无", "None"),
        Card.YELLOW: ("黄牌", "Yellow card"),
        Card.RED: ("红牌", "Red card"),
    },
)
