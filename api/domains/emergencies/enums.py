"""Emergency states, actions, stages and vocabularies (issue 19: 应急管理)."""

from __future__ import annotations

from enum import StrEnum


class IncidentStatus(StrEnum):
    VERIFYING = "verifying"  # 核实: a report taken, not yet confirmed
    ACTIVE = "active"  # 启动预案: plan running, commander named
    RECOVERING = "recovering"  # 恢复重建
    ENDED = "ended"  # 应急结束
    DISMISSED = "dismissed"  # 核实不属实 or below the emergency threshold


OPEN_INCIDENT_STATUSES = frozenset(
    {IncidentStatus.VERIFYING, IncidentStatus.ACTIVE, IncidentStatus.RECOVERING}
)


class IncidentAction(StrEnum):
    OPEN = "open"
    ACTIVATE = "activate"
    DISMISS = "dismiss"
    CHANGE_LEVEL = "change_level"
    REPORT_SITUATION = "report_situation"
    SET_AREA = "set_area"
    ISSUE_ALERT = "issue_alert"
    RECOVER = "recover"
    END = "end"


class IncidentStage(StrEnum):
    """The step whose time limit is running."""

    VERIFY = "verify"  # report → activated or dismissed
    SITUATION = "situation"  # activation or the last situation report → the next report
    RECOVERY = "recovery"  # recovering → ended


class IncidentSource(StrEnum):
    PHONE = "phone"  # a call the centre recorded itself
    HOTLINE = "hotline"  # a 12345 work order
    EVENT = "event"  # an URGENT/MAJOR event
    CENTRE = "centre"  # opened by a command centre directly


class ResponseLevel(StrEnum):
    """The four statutory response levels; Ⅰ is the gravest."""

    I = "I"  # noqa: E741 - the statute's own numeral: 特别重大
    II = "II"  # 重大
    III = "III"  # 较大
    IV = "IV"  # 一般

    @property
    def rank(self) -> int:
        """1 for Ⅰ … 4 for Ⅳ: a smaller rank is graver."""
        return list(ResponseLevel).index(self) + 1


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"  # closed unfinished when the incident ended
    CARRIED_OVER = "carried_over"  # handed to recovery work beyond the incident


OPEN_TASK_STATUSES = frozenset({TaskStatus.OPEN})


class TaskAction(StrEnum):
    ASSIGN = "assign"
    REASSIGN = "reassign"
    COMPLETE = "complete"
    CANCEL = "cancel"
    CARRY_OVER = "carry_over"


class TaskStage(StrEnum):
    DO = "do"


class OpenTasksOnEnd(StrEnum):
    """What ending an incident does with its open tasks."""

    CANCEL = "cancel"
    CARRY_OVER = "carry_over"


class DepartmentRole(StrEnum):
    RESPONSIBLE = "responsible"  # 牵头
    SUPPORTING = "supporting"  # 配合


class CapMessageType(StrEnum):
    """CAP 1.2 msgType of an incident's public warning."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
