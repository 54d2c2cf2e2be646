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
    node: T = strawberry.field(description="The row.")
    page: strawberry.Private[Page[Any]]
    row: strawberry.Private[Any]

    @strawberry.field(description="Opaque position of this row.")
    def cursor(self) -> str:
        return encode_cursor(self.page.key(self.row))


@strawberry.type(description="A page of rows.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The rows of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    filtered: strawberry.Private[Any]

    @strawberry.field(description="Rows matching the filters, over all pages (costs a count).")
    async def total_count(self) -> int:
        return int(await self.filtered.count())


class Counted:
    """The `filtered` of a connection whose rows were counted already (a list in memory, a
    cached page)."""

    def __init__(self, rows: int):
        self.rows = rows

    async def count(self) -> int:
        return self.rows


def connection(page: Page[Any], filtered: Any, convert: Callable[[Any], T]) -> Connection[T]:
    edges = [Edge(node=convert(item), page=page, row=item) for item in page.items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            end_cursor=encode_cursor(page.key(page.items[-1])) if page.items else None,
        ),
        filtered=filtered,
    )
