"""Who may see and do what in economic operations: the caller's read scope as a row filter
(out of scope is "not found"), a policy check at a region that names an out-of-area region as
such, and months as the first day of the month."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.auth import Principal
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.query import subtree_filter
from api.regions import Level
from policies.enforcer import authorize, scope_prefixes

M = TypeVar("M", bound=Model)


def readable(actor: Principal, obj: str) -> Q:
    """Rows under the caller's read scope of `obj` (none: no rows)."""
    return subtree_filter(scope_prefixes(actor.assignments, obj, "read"), "region_code")


def region(code: str, *, field: str = "regionCode") -> str:
    if Level.of_code(code) is None:
        raise ValidationFailed(
            _("{field} must be a region code", field=field),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    return code


def check(actor: Principal, obj: str, action: str, *, at: str, field: str = "regionCode") -> None:
    """`action` on `obj` at region `at`: outside the caller's area is a typed OUTSIDE_AREA; in
    it but not allowed at that level is the top-level FORBIDDEN of every policy check."""
    region(at, field=field)
    try:
        authorize(actor.assignments, obj, action, at=at)
    except NotFound as error:
        raise ValidationFailed(
            _("{at} is outside your area", at=at), field=field, code=ErrorCode.OUTSIDE_AREA
        ) from error


def month(day: date, *, field: str = "period") -> date:
    """A month is named by its first day; any other day is a mistake worth saying."""
    if day.day != 1:
        raise ValidationFailed(_("{field} is a month: its first day", field=field), field=field)
    return day


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    found, current = [], first
    while current <= last:
        found.append(current)
        current = next_month(current)
    return found


async def by_id_page(query: QuerySet[M], page: PageRequest) -> Page[M]:
    """A keyset page ordered by id."""
    if page.after is not None:
        try:
            after = uuid.UUID(page.after)
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
        query = query.filter(id__gt=after)
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda row: row.pk)
