"""What the closed loop's codes are called, in Chinese and in English: one table that every
front end reads (the `vocabulary` query) instead of keeping its own translation of each enum.
Codes never change; only these labels do (which is why the vocabulary carries a version)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum

import orjson

from api.domains.accounts.enums import Role
from api.domains.events.enums import (
    Action,
    Card,
    CohandlingAction,
    CohandlingStatus,
    ContactKind,
    EventStatus,
    Priority,
    Source,
    Stage,
    Step,
    Verification,
)
from api.domains.grants.enums import PermissionSource
from api.regions import Level

ZH, EN = "zh-CN", "en"
LANGUAGES = (ZH, EN)

# GraphQL enum name → code → (zh-CN, en). The keys are the codes clients see.
LABELS: dict[str, tuple[type[StrEnum], Mapping[StrEnum, tuple[str, str]]]] = {
    "EventStep": (
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
    ),
    "EventStatus": (
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
    ),
    "EventStage": (
        Stage,
        {
            Stage.FILE: ("立案", "Filing"),
            Stage.DISPATCH: ("派遣", "Dispatch"),
            Stage.HANDLE: ("处置", "Handling"),
            Stage.VERIFY: ("核查", "Verification"),
            Stage.CLOSE: ("结案", "Closing"),
        },
    ),
    "EventAction": (
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
        },
    ),
    "EventVerification": (
        Verification,
        {
            Verification.DESK: ("中心核查", "At the centre's desk"),
            Verification.ON_SITE: ("现场核查", "On site by the grid's leader"),
        },
    ),
    "EventCohandlingStatus": (
        CohandlingStatus,
        {
            CohandlingStatus.ASSIGNED: ("协办中", "Co-handling"),
            CohandlingStatus.REPORTED: ("已反馈", "Reported"),
            CohandlingStatus.LAPSED: ("逾期未反馈", "Lapsed"),
            CohandlingStatus.WITHDRAWN: ("已撤回", "Withdrawn"),
        },
    ),
    "EventCohandlingAction": (
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
    ),
    "EventSource": (
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
    ),
    "EventPriority": (
        Priority,
        {
            Priority.NORMAL: ("一般", "Normal"),
            Priority.URGENT: ("紧急", "Urgent"),
            Priority.MAJOR: ("重大", "Major"),
        },
    ),
    "EventContactKind": (
        ContactKind,
        {
            ContactKind.CITIZEN: ("群众", "Citizen"),
            ContactKind.HOTLINE_CALLER: ("热线来电人", "Hotline caller"),
            ContactKind.GRID_WORKER: ("网格员", "Grid worker"),
            ContactKind.STAFF: ("工作人员", "Staff member"),
            ContactKind.INTEGRATION: ("对接系统", "Integration"),
        },
    ),
    "Card": (
        Card,
        {
            Card.NONE: ("无", "None"),
            Card.YELLOW: ("黄牌", "Yellow card"),
            Card.RED: ("红牌", "Red card"),
        },
    ),
    "Level": (
        Level,
        {
            Level.CITY: ("市", "City"),
            Level.DISTRICT: ("区县", "District or county"),
            Level.TOWNSHIP: ("乡镇（街道）", "Township or street"),
            Level.COMMUNITY: ("社区（村）", "Community or village"),
            Level.GRID: ("网格", "Grid"),
        },
    ),
    "Role": (
        Role,
        {
            Role.GRID_WORKER: ("网格员", "Grid worker"),
            Role.GRID_LEADER: ("网格长", "Grid leader"),
            Role.COMMUNITY_STAFF: ("社区工作人员", "Community staff"),
            Role.TOWNSHIP_CENTRE: ("乡镇（街道）综治中心", "Township centre"),
            Role.DISTRICT_COMMAND: ("区县指挥中心", "District command centre"),
            Role.CITY_COMMAND: ("市指挥中心", "City command centre"),
            Role.DEPARTMENT_STAFF: ("职能部门人员", "Department staff"),
            Role.LEADER: ("领导", "Leader"),
            Role.ADMIN: ("系统管理员", "Administrator"),
            Role.CITIZEN: ("群众", "Citizen"),
            Role.INTEGRATION: ("对接系统", "Integration"),
        },
    ),
    "PermissionSource": (
        PermissionSource,
        {
            PermissionSource.SHIPPED: ("系统默认", "Shipped policy"),
            PermissionSource.GRANTED: ("授权", "Granted"),
            PermissionSource.WITHDRAWN: ("收回", "Withdrawn"),
        },
    ),
}


def terms(language: str) -> dict[str, list[tuple[str, str]]]:
    """Every vocabulary's (code as clients see it, label) in `language`, in the enum's order."""
    index = LANGUAGES.index(language)
    return {
        name: [(member.name, labels[member][index]) for member in enum]
        for name, (enum, labels) in LABELS.items()
    }


def version() -> str:
    """Changes whenever a label or a code does: a client caches the vocabulary by it."""
    content = {language: terms(language) for language in LANGUAGES}
    return hashlib.sha256(orjson.dumps(content)).hexdigest()[:16]


VERSION = version()
