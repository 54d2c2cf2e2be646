"""Escalation (上报上级): which centre above takes an event, and the transition it takes."""

from __future__ import annotations

from api.domains.events.enums import (
    Action,
    EventStatus,
    Priority,
)
from api.domains.events.models import Event
from api.domains.events.scope import level_of
from api.domains.events.workflow import (
    ESCALATE_UNFILED,
    TRANSITIONS,
    Transition,
)
from api.errors import (
    Conflict,
    ErrorCode,
)
from api.i18n import _
from api.regions import Level, ancestor_at, parent_of


def escalation_target(handling_region_code: str, priority: Priority) -> str:
    """One level up; an urgent event goes straight to the district command centre and a major one
    to the city's (DESIGN.md §4)."""
    level = Level.of_code(handling_region_code)
    assert level is not None
    if level is Level.CITY:
        raise Conflict(
            _("the city centre holds it: there is no level above"),
            code=ErrorCode.INVALID_TRANSITION,
        )
    parent = parent_of(handling_region_code)
    assert parent is not None
    if priority is Priority.MAJOR:
        return ancestor_at(handling_region_code, Level.CITY)
    if priority is Priority.URGENT and len(parent) > Level.DISTRICT.code_length:
        return ancestor_at(handling_region_code, Level.DISTRICT)
    return parent


def escalation_of(event: Event) -> Transition:
    """The escalation an event takes: one nobody has filed stays to be filed by the centre above."""
    return (
        ESCALATE_UNFILED if event.status is EventStatus.REPORTED else TRANSITIONS[Action.ESCALATE]
    )


def hand_up(event: Event) -> None:
    """Move the event to the centre above, which dispatches it afresh."""
    event.handling_region_code = escalation_target(event.handling_region_code, event.priority)
    event.handling_level = level_of(event.handling_region_code)
    event.assignee_department_id = event.assignee_user_id = None
    event.escalation_count += 1
