"""Relay-style connections over keyset pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from api.pagination import Page, encode_cursor

T = TypeVar("T")


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow this page.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="A row of a page with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this row.")
    node: T = strawberry.field(description="The row.")


@strawberry.type(description="A page of rows.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The rows of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    filtered: strawberry.Private[Any]

    @strawberry.field(description="Rows matching the filters, over all pages (costs a count).")
    async def total_count(self) -> int:
        return int(await self.filtered.count())


def connection(page: Page[Any], filtered: Any, convert: Callable[[Any], T]) -> Connection[T]:
    edges = [
        Edge(cursor=encode_cursor(key), node=convert(item))
        for key, item in zip(page.keys, page.items, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
        ),
        filtered=filtered,
    )
