"""What the services domain's three parts share: the caller as a user, regions by level, and
time-ordered keyset pages."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api.auth import Principal
from api.domains.hierarchy.models import Region
from api.errors import ErrorCode, NotFound, Unauthenticated, ValidationFailed
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level

M = TypeVar("M")


def user_of(actor: Principal) -> uuid.UUID:
    """The signed-in user (an API key books and requests nothing)."""
    if actor.user_id is None:
        raise Unauthenticated("sign in as a user first")
    return actor.user_id


async def region_at(code: str, levels: set[Level], *, field: str = "regionCode") -> str:
    """An active region of one of `levels` (else a typed error naming the field)."""
    level = Level.of_code(code)
    if level is None or level not in levels:
        names = " or ".join(sorted(level.value for level in levels))
        raise ValidationFailed(
            f"{field} must be a {names} code", field=field, code=ErrorCode.INVALID_CODE
        )
    if not await Region.exists(code=code, is_active=True):
        raise NotFound("region", code, field=field)
    return code


async def public_region(code: str) -> str:
    """A region a public listing is asked for: any level, existing."""
    return await region_at(code, set(Level))


async def newest_first(
    query: QuerySet[Any], page: PageRequest, column: str = "created_at"
) -> Page[Any]:
    """A page of `query` newest first by `column`, ties by id (cursor `time|id`)."""
    if page.after is not None:
        at, after_id = split_cursor(page.after)
        query = query.filter(Q(**{f"{column}__lt": at}) | Q(**{column: at, "id__lt": after_id}))
    rows = await query.order_by(f"-{column}", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda row: f"{getattr(row, column).isoformat()}|{row.id}")


async def soonest_first(query: QuerySet[Any], page: PageRequest, column: str) -> Page[Any]:
    """A page of `query` earliest first by `column`, ties by id (cursor `time|id`)."""
    if page.after is not None:
        at, after_id = split_cursor(page.after)
        query = query.filter(Q(**{f"{column}__gt": at}) | Q(**{column: at, "id__gt": after_id}))
    rows = await query.order_by(column, "id").limit(page.first + 1)
    return make_page(rows, page, lambda row: f"{getattr(row, column).isoformat()}|{row.id}")


def text(value: str, max_length: int, *, field: str, required: bool = False) -> str:
    """Trimmed text within its column (stored as given: never rendered, so markup stays inert)."""
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationFailed(f"{field} is required", field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(f"{field} is at most {max_length} characters", field=field)
    if "\x00" in cleaned:
        raise ValidationFailed(f"{field} holds a NUL character", field=field)
    return cleaned
