"""What the services domain's three parts share: the caller as a user, regions by level, and
time-ordered keyset pages."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.auth import Principal
from api.domains.hierarchy.models import Region
from api.errors import Conflict, ErrorCode, NotFound, Unauthenticated, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level
from policies.enforcer import authorize


def user_of(actor: Principal) -> uuid.UUID:
    """The signed-in user (an API key books and requests nothing)."""
    if actor.user_id is None:
        raise Unauthenticated(_("sign in as a user first"))
    return actor.user_id


async def region_at(code: str, levels: set[Level], *, field: str = "regionCode") -> str:
    """An active region of one of `levels` (else a typed error naming the field)."""
    level = Level.of_code(code)
    if level is None or level not in levels:
        names = " or ".join(sorted(level.value for level in levels))
        raise ValidationFailed(
            _("{field} must be a {names} code", field=field, names=names),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    if not await Region.exists(code=code, is_active=True):
        raise NotFound("region", code, field=field)
    return code


async def _keyset(
    query: QuerySet[Any], page: PageRequest, column: str, *, descending: bool
) -> Page[Any]:
    """A page of `query` ordered by `column`, ties by id (cursor `time|id`)."""
    direction = "lt" if descending else "gt"
    if page.after is not None:
        at, after_id = split_cursor(page.after)
        past: dict[str, Any] = {f"{column}__{direction}": at}
        tie: dict[str, Any] = {column: at, f"id__{direction}": after_id}
        query = query.filter(Q(**past) | Q(**tie))
    sign = "-" if descending else ""
    rows = await query.order_by(f"{sign}{column}", f"{sign}id").limit(page.first + 1)
    return make_page(rows, page, lambda row: f"{getattr(row, column).isoformat()}|{row.id}")


async def newest_first(
    query: QuerySet[Any], page: PageRequest, column: str = "created_at"
) -> Page[Any]:
    """A page of `query` newest first by `column`, ties by id."""
    return await _keyset(query, page, column, descending=True)


async def soonest_first(query: QuerySet[Any], page: PageRequest, column: str) -> Page[Any]:
    """A page of `query` earliest first by `column`, ties by id."""
    return await _keyset(query, page, column, descending=False)


def text(value: str, max_length: int, *, field: str, required: bool = False) -> str:
    """Trimmed text within its column (stored as given: never rendered, so markup stays inert)."""
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationFailed(_("{field} is required", field=field), field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(
            _("{field} is at most {max_length} characters", field=field, max_length=max_length),
            field=field,
        )
    if "\x00" in cleaned:
        raise ValidationFailed(_("{field} holds a NUL character", field=field), field=field)
    return cleaned


async def in_region(
    actor: Principal, model: type[Model], obj: str, region_code: str
) -> QuerySet[Any]:
    """The rows of `model` in a region's subtree, once the caller may read `obj` there."""
    await region_at(region_code, set(Level))
    authorize(actor.assignments, obj, "read", at=region_code)
    return model.filter(region_code__startswith=region_code)


async def name_free(
    model: type[Model], region_code: str, name: str, *, other_than: uuid.UUID | None = None
) -> None:
    """No other row of `model` in the region bears the name (else ALREADY_EXISTS)."""
    taken = model.filter(region_code=region_code, name=name)
    if other_than is not None:
        taken = taken.exclude(id=other_than)
    if await taken.exists():
        raise Conflict(
            _("the region has one of that name already"),
            field="name",
            code=ErrorCode.ALREADY_EXISTS,
        )
