"""Query building blocks shared by every domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from asyncpg import Record
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.expressions import Q
from tortoise.queryset import QuerySet


def subtree_filter(prefixes: Sequence[str], column: str = "code") -> Q:
    """`column` lies under one of the prefixes; no prefixes matches nothing (deny all)."""
    if not prefixes:
        nothing: dict[str, Any] = {f"{column}__in": []}
        return Q(**nothing)
    branches = [Q(**{f"{column}__startswith": prefix}) for prefix in prefixes]
    return Q(*branches, join_type="OR")


def path_filter(prefixes: Sequence[str], columns: dict[int, str]) -> Q:
    """Like subtree_filter, on a table that stores each ancestor code in its own column
    (`columns` maps a code length to the column holding the ancestor of that length)."""
    if not prefixes:
        nothing: dict[str, Any] = {f"{columns[max(columns)]}__in": []}
        return Q(**nothing)
    branches = [Q(**{columns[len(prefix)]: prefix}) for prefix in prefixes]
    return Q(*branches, join_type="OR")


async def fetch_records(queryset: QuerySet[Any]) -> list[Record]:
    """The rows of a queryset as the driver returns them, without building models.

    For list pages: building a tortoise model per row (field by field conversion, enum and JSON
    decoding) cost a quarter of a 50-row page, and the page only reads the values. Columns come
    as PostgreSQL gives them: enums as their text, JSON as text, timestamps in UTC."""
    # what QuerySet._execute does before it builds models: choose the connection (the
    # transaction's, inside one), build the query once (`sql()` would build it twice)
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    sql, params = queryset.query.get_parameterized_sql()
    _, rows = await queryset._db.execute_query(sql, params)
    return cast("list[Record]", rows)


async def fetch_row(sql: str, *params: Any) -> Record | None:
    """The first row of a raw statement: on the transaction's connection inside one, else
    straight from the pool.

    For statements every request runs (the sign-in lookup): tortoise's wrapper around the driver
    (exception translation, a dict per row, its own pool wrapper) cost ~5 µs of each. Its
    exception translation only matters to callers that catch tortoise's errors, which these
    don't."""
    client: Any = connections.get("default")
    pool = None if isinstance(client, TransactionalDBClient) else client._pool
    if pool is None:  # in a transaction, or the pool not opened yet: tortoise knows how
        _, rows = await client.execute_query(sql, list(params))
        return cast("Record", rows[0]) if rows else None
    return cast("Record | None", await pool.fetchrow(sql, *params))
