"""Where events are: the ancestor path columns, the caller's read scope, the policy of a step."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from tortoise.expressions import Q, Subquery

from api.auth import Assignment, Principal
from api.domains.accounts.enums import Role
from api.domains.events.enums import (
    Action,
    CohandlingStatus,
)
from api.domains.events.models import Cohandling, Event
from api.errors import (
    ErrorCode,
    NotAllowed,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from api.i18n import _
from api.query import (
    Parameters,
    path_condition,
    path_filter,
)
from api.regions import PATH_COLUMNS, Level
from policies.enforcer import authorize, scope_prefixes


def ancestor_columns(region_code: str) -> dict[str, str | None]:
    """The ancestor columns of an event that happened at `region_code`."""
    return {
        column: region_code[:length] if len(region_code) >= length else None
        for length, column in PATH_COLUMNS.items()
        if column != "region_code"
    }


def subtree_filter(prefixes: Sequence[str]) -> Q:
    """Events that happened under any of `prefixes`, on the ancestor column of each length."""
    return path_filter(prefixes, PATH_COLUMNS)


def subtree_condition(prefixes: Sequence[str], bind: Parameters) -> str:
    """subtree_filter as a SQL condition."""
    return path_condition(prefixes, PATH_COLUMNS, bind)


def readable_events(actor: Principal) -> Q:
    """Events that happened inside the caller's read scope. That covers the events held inside
    it too: the level holding an event is always an ancestor of where it happened (a CHECK
    constraint), so one path predicate suffices. Department staff read, in their scope, only
    the events dispatched to their department, as the lead or as a co-handler (协办)."""
    full, departmental = _read_scopes(actor)
    condition = subtree_filter(full)
    for prefix, department_id in departmental:
        cohandled = Cohandling.filter(
            Q(reported_at__not_isnull=True) | ~Q(status=CohandlingStatus.WITHDRAWN),
            department_id=department_id,
        ).values("event_id")
        condition |= subtree_filter([prefix]) & (
            Q(assignee_department_id=department_id) | Q(id__in=Subquery(cohandled))
        )
    return condition


def readable_events_sql(actor: Principal, bind: Parameters) -> str:
    """readable_events as a SQL condition."""
    full, departmental = _read_scopes(actor)
    if not departmental:
        return subtree_condition(full, bind)
    branches = [f"({subtree_condition(full, bind)})"] if full else []
    branches += [
        f"({subtree_condition([prefix], bind)} AND {department_condition(department_id, bind)})"
        for prefix, department_id in departmental
    ]
    return "(" + " OR ".join(branches) + ")"


def department_condition(department_id: uuid.UUID, bind: Parameters) -> str:
    """Events a department leads or co-handles (a withdrawn task it never reported aside)."""
    department = bind(department_id)
    return (
        f'("assignee_department_id"={department} OR "id" IN (SELECT "event_id" FROM'
        f' "{Cohandling._meta.db_table}" WHERE "department_id"={department} AND'
        f' ("reported_at" IS NOT NULL OR "status"<>{bind(CohandlingStatus.WITHDRAWN)})))'
    )


def department_staff(assignment: Assignment) -> bool:
    return assignment.role == Role.DEPARTMENT_STAFF and assignment.department_id is not None


def _read_scopes(actor: Principal) -> tuple[list[str], list[tuple[str, uuid.UUID]]]:
    """(prefixes read in full, (prefix, department) read for that department's events only)."""
    staff = [a for a in actor.assignments if department_staff(a)]
    if not staff:
        return scope_prefixes(actor.assignments, "event", "read"), []
    others = [a for a in actor.assignments if not department_staff(a)]
    departmental = [
        (prefix, assignment.department_id)
        for assignment in staff
        if assignment.department_id is not None
        for prefix in scope_prefixes([assignment], "event", "read")
    ]
    return scope_prefixes(others, "event", "read"), departmental


def authorize_step(actor: Principal, action: Action, event: Event) -> None:
    """Policy at the level holding the event; a step the caller can't take is a typed error."""
    try:
        authorize(actor.assignments, "event", action.value, at=event.handling_region_code)
    except (NotFound, PermissionDenied) as error:
        raise NotAllowed(
            _(
                "your roles may not {value} this event while {of_code} level {handling_region_code} holds it",
                value=action.value,
                of_code=Level.of_code(event.handling_region_code),
                handling_region_code=event.handling_region_code,
            )
        ) from error


def level_of(code: str) -> Level:
    level = Level.of_code(code)
    if level is None:
        raise ValidationFailed(
            _("{code} is not a region code", code=code), code=ErrorCode.INVALID_CODE
        )
    return level
