"""Lists of supervision records: newest first, resumable by a (created_at, id) cursor."""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.pagination import Page, PageRequest, make_page, split_cursor

M = TypeVar("M", bound=Model)


def _key(row: Any) -> str:
    return f"{row.created_at.isoformat()}|{row.id}"


async def newest_first(query: QuerySet[M], page: PageRequest) -> Page[M]:
    """A keyset page of `query`, newest first."""
    if page.after is not None:
        at, last_id = split_cursor(page.after)
        query = query.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=last_id))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    return make_page(rows, page, _key)
