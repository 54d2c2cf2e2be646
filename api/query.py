"""Query building blocks shared by every domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import asyncpg
from asyncpg import Record
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError
from tortoise.expressions import Q
from tortoise.filters import escape_like
from tortoise.models import Model
from tortoise.queryset import QuerySet


def subtree_filter(prefixes: Sequence[str], column: str = "code") -> Q:
    """`column` lies under one of the prefixes; no prefixes matches nothing (deny all)."""
    if not prefixes:
        nothing: dict[str, Any] = {f"{column}__in": []}
        return Q(**nothing)
    branches = [Q(**{f"{column}__startswith": prefix}) for prefix in prefixes]
    return Q(*branches, join_type="OR")


def path_branches(prefixes: Sequence[str], columns: dict[int, str]) -> list[tuple[str, str]]:
    """(column, code) pairs, one per prefix: a row lies under the prefix when its column holds
    the code. The one place both forms below (Q and SQL) take their branches from."""
    return [(columns[len(prefix)], prefix) for prefix in prefixes]


def path_filter(prefixes: Sequence[str], columns: dict[int, str]) -> Q:
    """Like subtree_filter, on a table that stores each ancestor code in its own column
    (`columns` maps a code length to the column holding the ancestor of that length)."""
    branches = path_branches(prefixes, columns)
    if not branches:
        nothing: dict[str, Any] = {f"{columns[max(columns)]}__in": []}
        return Q(**nothing)
    return Q(*(Q(**{column: code}) for column, code in branches), join_type="OR")


# ---------------------------------------------------------------- statements as text
#
# For the hottest lists: tortoise and pypika spent ~300 µs of CPU building a list page's SELECT
# (copying the query builder per clause, quoting each name), and tortoise's execute wrapper more.
# These write the same conditions as text with numbered parameters; the text depends only on the
# shape of the filters (which are set, how many values), so asyncpg's statement cache serves it.


class Parameters:
    """The values of a statement being written: `bind(value)` keeps one and returns its `$n`."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"

    def each(self, values: Iterable[Any]) -> str:
        """A placeholder per value, for an IN list (as tortoise writes `__in`)."""
        return ",".join(self(value) for value in values)


def path_condition(prefixes: Sequence[str], columns: dict[int, str], bind: Parameters) -> str:
    """path_filter as a SQL condition; no prefixes matches nothing (deny all)."""
    branches = path_branches(prefixes, columns)
    if not branches:
        return "false"
    return "(" + " OR ".join(f'"{column}"={bind(code)}' for column, code in branches) + ")"


def starts_with(column: str, prefix: str, bind: Parameters) -> str:
    """tortoise's `__startswith`: LIKE on the prefix with its wildcards escaped."""
    return f"CAST(\"{column}\" AS VARCHAR) LIKE {bind(escape_like(prefix) + '%')} ESCAPE '\\'"


def subtree_sql(prefixes: Sequence[str], column: str, bind: Parameters) -> str:
    """subtree_filter as a SQL condition; no prefixes matches nothing (deny all)."""
    if not prefixes:
        return "false"
    return "(" + " OR ".join(starts_with(column, prefix, bind) for prefix in prefixes) + ")"


def contains_any_case(column: str, text: str, bind: Parameters) -> str:
    """tortoise's `__icontains`: LIKE of both sides in upper case, wildcards escaped."""
    pattern = bind(f"%{escape_like(text)}%")
    return f"UPPER(CAST(\"{column}\" AS VARCHAR)) LIKE UPPER({pattern}) ESCAPE '\\'"


def aware(value: datetime) -> datetime:
    """A timestamp parameter as tortoise passes it: a naive one taken as UTC (our configured
    zone), where asyncpg would take it in the server process's local time."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def fetch(model: type[Model], sql: str, values: Sequence[Any]) -> list[Record]:
    """The rows of a SELECT as the driver returns them, without building models.

    For list pages: building a tortoise model per row (field by field conversion, enum and JSON
    decoding) cost a quarter of a 50-row page, and the page only reads the values. Columns come
    as PostgreSQL gives them: enums as their text, JSON as text, timestamps in UTC. Runs on the
    connection tortoise would use for `model` (inside `in_transaction`, the transaction's);
    database errors become tortoise's exceptions, as when tortoise runs a query."""
    client = model._meta.db
    try:
        async with client.acquire_connection() as connection:
            return cast("list[Record]", await connection.fetch(sql, *values))
    # the translation AsyncpgDBClient._translate_exceptions does
    except (asyncpg.SyntaxOrAccessError, asyncpg.exceptions.DataError) as exc:
        raise OperationalError(exc) from exc
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(exc) from exc
    except asyncpg.InvalidTransactionStateError as exc:
        raise TransactionManagementError(exc) from exc


class Filtered:
    """The rows a WHERE clause selects, counted only if asked (a connection's totalCount)."""

    __slots__ = ("model", "values", "where")

    def __init__(self, model: type[Model], where: str, values: Sequence[Any]) -> None:
        self.model = model
        self.where = where
        self.values = tuple(values)

    async def count(self) -> int:
        sql = f'SELECT COUNT(*) FROM "{self.model._meta.db_table}" WHERE {self.where}'
        rows = await fetch(self.model, sql, self.values)
        return int(rows[0][0])


M = TypeVar("M", bound=Model)


async def rows_by_record(
    query: QuerySet[M], keys: Sequence[uuid.UUID], column: str
) -> dict[uuid.UUID, list[M]]:
    """The rows of `query` grouped by the record each names in `column`, every key present
    (an empty list where none), in the query's order: what a per-request loader returns."""
    grouped: dict[uuid.UUID, list[M]] = {key: [] for key in keys}
    for row in await query.filter(**{f"{column}__in": list(keys)}):
        grouped.setdefault(uuid.UUID(str(getattr(row, column))), []).append(row)
    return grouped
