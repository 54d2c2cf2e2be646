"""The flows of economic operations, declared for the kernel (api/flows/): a project's
milestones (due dates the sweep cards when passed), its monthly progress reports (signed off by
the level above) and indicator values (reported by their region by a deadline, accepted by the
level above, locked, reopened). Timeline, clocks, reminders, cards, notices and live changes
are the kernel's; the states, transitions, limits and who hears are ours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final, TypedDict

from api.domains.accounts.enums import Role
from api.domains.economy.enums import (
    MilestoneAction,
    MilestoneStage,
    MilestoneStatus,
    ProgressAction,
    ProgressStage,
    ProgressStatus,
    ValueAction,
    ValueStage,
    ValueStatus,
)
from api.domains.economy.models import IndicatorValue, Milestone, ProgressReport
from api.flows import Flow, Rule, Store, Transition, register, snapshot_of, table_limits
from api.flows.calendar import LOCAL, DeadlineUnit
from api.flows.holders import Place, RoleHolders
from api.flows.models import FlowCard, FlowStep
from api.regions import Level, parent_of

TIMELINE = Store(FlowStep, record_column="record_id", flow_column="flow")
CARDS = Store(FlowCard, record_column="record_id", flow_column="flow")

# Who answers for a region's figures and projects: the centre (or staff) of its level.
CENTRE_ROLE: Final = {
    Level.CITY: Role.CITY_COMMAND,
    Level.DISTRICT: Role.DISTRICT_COMMAND,
    Level.TOWNSHIP: Role.TOWNSHIP_CENTRE,
    Level.COMMUNITY: Role.COMMUNITY_STAFF,
    Level.GRID: Role.GRID_LEADER,
}


def centre_of(region_code: str) -> Place:
    level = Level.of_code(region_code)
    assert level is not None
    return (CENTRE_ROLE[level].value, region_code)


def centre_above(region_code: str) -> list[Place]:
    """The level above, which signs off what the region reports (none above the city)."""
    parent = parent_of(region_code)
    return [centre_of(parent)] if parent else []


def end_of_day(day: date) -> datetime:
    """The end of a China-time day, as the instant the next one starts."""
    return datetime.combine(day, time(0), tzinfo=LOCAL) + timedelta(days=1)


class MilestoneSnapshot(TypedDict):
    id: str
    project_id: str
    title: str
    region_code: str
    status: str
    due_at: str | None
    card: str
    done_late: bool
    version: int


def _milestone_deadline(milestone: Milestone, stage: StrEnum) -> datetime | None:
    return end_of_day(milestone.due_on) if stage == MilestoneStage.DUE else None


MILESTONES: Flow[Milestone] = register(
    Flow(
        name="project_milestone",
        noun="a milestone",
        model=Milestone,
        states=MilestoneStatus,
        transitions={
            MilestoneAction.COMPLETE: Transition(
                frozenset({MilestoneStatus.PENDING}), MilestoneStatus.DONE
            ),
        },
        open_states=frozenset({MilestoneStatus.PENDING}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda milestone: milestone.category_code,
        # the clock runs to the milestone's own due date: remind at 90% of the time given,
        # red card a quarter of it past the due date
        limits=table_limits(
            "project_milestone",
            {MilestoneStage.DUE.value: Rule(1, DeadlineUnit.NATURAL_DAYS, 0.9, 1.25)},
        ),
        label=lambda milestone: f"项目节点 {milestone.title}",
        topic="project",
        subject="milestone",
        snapshot=lambda milestone: snapshot_of(MilestoneSnapshot, milestone),
        deadlines=RoleHolders(lambda m: [centre_of(m.region_code), *centre_above(m.region_code)]),
        deadline=_milestone_deadline,
    )
)


class ProgressSnapshot(TypedDict):
    id: str
    project_id: str
    region_code: str
    status: str
    due_at: str | None
    card: str
    version: int


PROGRESS: Flow[ProgressReport] = register(
    Flow(
        name="project_progress",
        noun="a progress report",
        model=ProgressReport,
        states=ProgressStatus,
        transitions={
            ProgressAction.ACCEPT: Transition(
                frozenset({ProgressStatus.SUBMITTED}), ProgressStatus.ACCEPTED
            ),
            ProgressAction.RETURN: Transition(
                frozenset({ProgressStatus.SUBMITTED}), ProgressStatus.RETURNED
            ),
            ProgressAction.RESUBMIT: Transition(
                frozenset({ProgressStatus.RETURNED}), ProgressStatus.SUBMITTED, ProgressStage.REVIEW
            ),
        },
        open_states=frozenset({ProgressStatus.SUBMITTED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda report: report.category_code,
        # signed off within five working days (a city sets its own in flow_limits)
        limits=table_limits(
            "project_progress", {ProgressStage.REVIEW.value: Rule(5, DeadlineUnit.WORKING_DAYS)}
        ),
        label=lambda report: f"项目月报 {report.month:%Y-%m}",
        topic="project",
        subject="progress",
        snapshot=lambda report: snapshot_of(ProgressSnapshot, report),
        deadlines=RoleHolders(lambda report: centre_above(report.region_code)),
    )
)


class ValueSnapshot(TypedDict):
    id: str
    indicator_code: str
    region_code: str
    status: str
    due_at: str | None
    card: str
    submitted_late: bool
    version: int


def _value_deadline(value: IndicatorValue, stage: StrEnum) -> datetime | None:
    return value.report_by if stage == ValueStage.REPORT else None


# Reporting runs to the indicator's own due day (remind at 80% of the time given, red card a
# quarter of it late); the level above signs off within five working days.
VALUE_LIMITS: Final[dict[str, Rule]] = {
    ValueStage.REPORT.value: Rule(1, DeadlineUnit.NATURAL_DAYS, 0.8, 1.25),
    ValueStage.ACCEPT.value: Rule(5, DeadlineUnit.WORKING_DAYS),
}


def _value_people(value: IndicatorValue) -> Sequence[Place]:
    """Who hears of a value's deadline: the region that reports it and the level above."""
    return [centre_of(value.region_code), *centre_above(value.region_code)]


INDICATOR_VALUES: Flow[IndicatorValue] = register(
    Flow(
        name="indicator_value",
        noun="an indicator value",
        model=IndicatorValue,
        states=ValueStatus,
        transitions={
            ValueAction.SUBMIT: Transition(
                frozenset({ValueStatus.OPEN, ValueStatus.SUBMITTED}),
                ValueStatus.SUBMITTED,
                ValueStage.ACCEPT,
            ),
            ValueAction.ACCEPT: Transition(
                frozenset({ValueStatus.SUBMITTED}), ValueStatus.ACCEPTED
            ),
            ValueAction.RETURN: Transition(
                frozenset({ValueStatus.SUBMITTED}), ValueStatus.OPEN, ValueStage.REPORT
            ),
            ValueAction.LOCK: Transition(frozenset({ValueStatus.ACCEPTED}), ValueStatus.LOCKED),
            ValueAction.REOPEN: Transition(
                frozenset({ValueStatus.ACCEPTED, ValueStatus.LOCKED}),
                ValueStatus.OPEN,
                ValueStage.REPORT,
            ),
        },
        open_states=frozenset({ValueStatus.OPEN, ValueStatus.SUBMITTED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda value: value.indicator_code,
        limits=table_limits("indicator_value", VALUE_LIMITS),
        label=lambda value: f"{value.indicator_code} {value.period:%Y-%m} {value.region_code}",
        topic="indicator",
        subject="value",
        snapshot=lambda value: snapshot_of(ValueSnapshot, value),
        deadlines=RoleHolders(_value_people),
        deadline=_value_deadline,
    )
)
