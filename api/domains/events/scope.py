"""Where events are: the ancestor path columns, the caller's read scope, the policy of a step."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q

from api.auth import Principal
from api.domains.events.enums import (
    Action,
)
from api.domains.events.models import Event
from api.errors import (
    ErrorCode,
    NotAllowed,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
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
    constraint), so one path predicate suffices."""
    return subtree_filter(scope_prefixes(actor.assignments, "event", "read"))


def readable_events_sql(actor: Principal, bind: Parameters) -> str:
    """readable_events as a SQL condition."""
    return subtree_condition(scope_prefixes(actor.assignments, "event", "read"), bind)


def authorize_step(actor: Principal, action: Action, event: Event) -> None:
    """Policy at the level holding the event; a step the caller can't take is a typed error."""
    try:
        authorize(actor.assignments, "event", action.value, at=event.handling_region_code)
    except (NotFound, PermissionDenied) as error:
        raise NotAllowed(
            f"your roles may not {action.value} this event while "
            f"{Level.of_code(event.handling_region_code)} level {event.handling_region_code} holds it"
        ) from error


def level_of(code: str) -> Level:
    level = Level.of_code(code)
    if level is None:
        raise ValidationFailed(f"{code} is not a region code", code=ErrorCode.INVALID_CODE)
    return level
