"""Who may see and do what on diaries, patrols, visits and rounds: the policies per level, and
the subtree of the caller's assignments as a row filter (out of scope is "not found")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level
from policies import terms
from policies.enforcer import authorize, scope_prefixes

M = TypeVar("M", bound=Model)


def local_today() -> date:
    return clock.now().astimezone(LOCAL).date()


def subtree(prefixes: Sequence[str], column: str = "region_code") -> Q:
    """Rows under any of the region codes (none: no rows)."""
    if not prefixes:
        return _q(f"{column}__in", [])
    condition = _q(f"{column}__startswith", prefixes[0])
    for prefix in prefixes[1:]:
        condition |= _q(f"{column}__startswith", prefix)
    return condition


def _q(lookup: str, value: Any) -> Q:
    """A filter on a column named at run time."""
    condition: dict[str, Any] = {lookup: value}
    return Q(**condition)


def readable(actor: Principal, obj: str, *, own_column: str | None = None) -> Q:
    """What the caller reads of `obj`: its read scope, and its own rows (`own_column`)."""
    condition = subtree(scope_prefixes(actor.assignments, obj, "read"))
    if own_column is not None and actor.user_id is not None:
        condition |= _q(own_column, actor.user_id)
    return condition


def check(actor: Principal, obj: str, action: str, *, at: str, what: str) -> None:
    """`action` on `obj` at region `at`: out of the caller's area is a typed OUTSIDE_AREA; in
    it but not allowed at that level is the top-level FORBIDDEN of every policy check."""
    if Level.of_code(at) is None:
        raise ValidationFailed(_("{at!r} is not a region code", at=at), field="scope")
    try:
        authorize(actor.assignments, obj, action, at=at)
    except NotFound as error:
        raise ValidationFailed(
            _("{what} is outside your area ({at})", what=what, at=at),
            field="id",
            code=ErrorCode.OUTSIDE_AREA,
        ) from error


def home_grid(actor: Principal, obj: str, action: str) -> str:
    """The region of the caller's first assignment allowed `action` on `obj` at its own level
    (a grid worker's grid)."""
    for assignment in actor.assignments:
        try:
            authorize([assignment], obj, action, at=assignment.region_code)
        except (NotFound, PermissionDenied):
            continue
        return assignment.region_code
    raise NotAllowed(
        _(
            "your roles may not {action} {replace}s",
            action=terms.action(action),
            replace=obj.replace("_", " "),
        )
    )


def signed_in_user(actor: Principal) -> Any:
    if actor.user_id is None:
        raise NotAllowed(_("only a signed-in person may do this"))
    return actor.user_id


async def retried(
    model: type[M], record_id: Any, *, owner_id: Any, noun: str, owner_column: str = "user_id"
) -> M | None:
    """The record a retried create names by its client-chosen id (offline phones): the caller's
    own, else ALREADY_EXISTS; none without an id."""
    if record_id is None:
        return None
    earlier = await model.get_or_none(id=record_id)
    if earlier is not None and getattr(earlier, owner_column) != owner_id:
        raise Conflict(
            _("a {noun} with this id exists", noun=noun),
            field="clientId",
            code=ErrorCode.ALREADY_EXISTS,
        )
    return earlier


async def newest_first(
    query: QuerySet[M], page: PageRequest, *, column: str = "created_at"
) -> tuple[Page[M], QuerySet[M]]:
    """A keyset page of `query`, newest first (ties by id), and `query` (for a total count)."""
    filtered = query
    if page.after is not None:
        at, last_id = split_cursor(page.after)
        query = query.filter(_q(f"{column}__lt", at) | (_q(column, at) & Q(id__lt=last_id)))
    rows = await query.order_by(f"-{column}", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda row: f"{_iso(getattr(row, column))}|{row.pk}"), filtered


def _iso(value: datetime | date) -> str:
    return value.isoformat()
