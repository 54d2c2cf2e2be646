"""Incidents and their tasks declared to the flow kernel (api/flows/): transition tables,
time limits on natural time, change messages to the one `emergency` feed, and who hears of
deadlines. Timelines and cards go to the kernel's shared tables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, TypedDict

from api.domains.emergencies.enums import (
    OPEN_INCIDENT_STATUSES,
    OPEN_TASK_STATUSES,
    IncidentAction,
    IncidentStage,
    IncidentStatus,
    TaskAction,
    TaskStage,
    TaskStatus,
)
from api.domains.emergencies.models import Incident, IncidentTask
from api.flows import Concerned, DeadlineUnit, Flow, Limits, Rule, Transition, register
from api.flows.calendar import LOCAL, calendar_from
from api.flows.clocks import Needs, StageRule
from api.flows.generic import CARDS, TIMELINE
from api.flows.limits import table_limits
from api.flows.records import snapshot_of

TOPIC: Final = "emergency"  # incidents and tasks share the feed a command centre follows

VERIFYING, ACTIVE, RECOVERING = (
    IncidentStatus.VERIFYING,
    IncidentStatus.ACTIVE,
    IncidentStatus.RECOVERING,
)
RUNNING = frozenset({ACTIVE, RECOVERING})

INCIDENT_TRANSITIONS: Final[Mapping[IncidentAction, Transition[IncidentStatus, IncidentStage]]] = {
    IncidentAction.ACTIVATE: Transition(frozenset({VERIFYING}), ACTIVE, IncidentStage.SITUATION),
    IncidentAction.DISMISS: Transition(frozenset({VERIFYING}), IncidentStatus.DISMISSED),
    IncidentAction.CHANGE_LEVEL: Transition(RUNNING, None),
    # a report restarts the clock of the next one while active
    IncidentAction.REPORT_SITUATION: Transition(
        frozenset({ACTIVE}), ACTIVE, IncidentStage.SITUATION
    ),
    IncidentAction.SET_AREA: Transition(OPEN_INCIDENT_STATUSES, None),
    IncidentAction.ISSUE_ALERT: Transition(RUNNING | {IncidentStatus.ENDED}, None),
    IncidentAction.RECOVER: Transition(frozenset({ACTIVE}), RECOVERING, IncidentStage.RECOVERY),
    IncidentAction.END: Transition(RUNNING, IncidentStatus.ENDED),
}
# while recovering, a report leaves the recovery clock running
REPORT_WHILE_RECOVERING: Final = Transition[IncidentStatus, IncidentStage](
    frozenset({RECOVERING}), None
)

INCIDENT_LIMITS: Final = {
    IncidentStage.VERIFY: Rule(1, DeadlineUnit.NATURAL_HOURS),  # 核实 within the hour
    IncidentStage.SITUATION: Rule(4, DeadlineUnit.NATURAL_HOURS),  # 续报 every four hours
    IncidentStage.RECOVERY: Rule(30, DeadlineUnit.NATURAL_DAYS),
}

TASK_TRANSITIONS: Final[Mapping[TaskAction, Transition[TaskStatus, TaskStage]]] = {
    TaskAction.REASSIGN: Transition(OPEN_TASK_STATUSES, None),
    TaskAction.COMPLETE: Transition(OPEN_TASK_STATUSES, TaskStatus.DONE),
    TaskAction.CANCEL: Transition(OPEN_TASK_STATUSES, TaskStatus.CANCELLED),
    TaskAction.CARRY_OVER: Transition(OPEN_TASK_STATUSES, TaskStatus.CARRIED_OVER),
}


class IncidentSnapshot(TypedDict):
    """What a command centre's feed shows of an incident in each change message."""

    id: str
    number: str
    title: str
    type_code: str
    status: str
    level: str | None
    drill: bool
    region_code: str
    commander_id: str | None
    stage: str | None
    due_at: str | None
    card: str
    version: int


class TaskSnapshot(TypedDict):
    """What the feed shows of a task in each change message."""

    id: str
    incident_id: str
    title: str
    department_id: str | None
    team: str | None
    status: str
    region_code: str
    due_at: str | None
    card: str
    version: int


def _incident_entered(incident: Incident, now: datetime) -> None:
    if incident.status == ACTIVE and incident.activated_at is None:
        incident.activated_at = now
    if incident.status in (IncidentStatus.ENDED, IncidentStatus.DISMISSED):
        incident.ended_at = now


def _task_entered(task: IncidentTask, now: datetime) -> None:
    if task.status != TaskStatus.OPEN:
        task.completed_at = now


async def task_limits(needs: Needs, now: datetime) -> Limits:
    """A task's limit is its own (the plan's template or the commander's): its kind is its
    number of natural hours."""
    rules: dict[tuple[str, str], StageRule] = {
        (kind, stage): Rule(int(kind), DeadlineUnit.NATURAL_HOURS) for kind, stage in needs
    }
    return Limits(rules=rules, calendar=await calendar_from(now.astimezone(LOCAL).date()))


def _people(*ids: Any) -> list[Any]:
    return [person for person in ids if person is not None]


INCIDENTS: Final = register(
    Flow(
        name="emergency",
        noun="an incident",
        model=Incident,
        states=IncidentStatus,
        transitions=INCIDENT_TRANSITIONS,  # type: ignore[arg-type]
        open_states=OPEN_INCIDENT_STATUSES,
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda incident: incident.type_code,
        limits=table_limits("emergency", INCIDENT_LIMITS),  # type: ignore[arg-type]
        label=lambda incident: f"{incident.number}: {incident.title}",
        topic=TOPIC,
        subject="incident",
        snapshot=lambda incident: snapshot_of(IncidentSnapshot, incident),
        deadlines=Concerned(
            lambda incident: _people(incident.commander_id or incident.created_by_id)
        ),
        entered=_incident_entered,
    )
)

TASKS: Final = register(
    Flow(
        name="emergency_task",
        noun="an emergency task",
        model=IncidentTask,
        states=TaskStatus,
        transitions=TASK_TRANSITIONS,  # type: ignore[arg-type]
        open_states=OPEN_TASK_STATUSES,
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda task: str(task.hours),
        limits=task_limits,
        label=lambda task: task.title,
        topic=TOPIC,
        subject="task",
        snapshot=lambda task: snapshot_of(TaskSnapshot, task),
        deadlines=Concerned(lambda task: _people(task.commander_id)),
        entered=_task_entered,
    )
)
