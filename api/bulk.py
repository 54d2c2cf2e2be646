"""Set-based writes: many rows of one model in one statement (INSERT … SELECT FROM unnest, UPDATE
… FROM unnest), for work that touches hundreds of rows at once (the deadline sweep, notices).

Rows are plain mappings of field name to value (building thousands of model instances costs
more than writing them); values are what asyncpg takes, JSON fields are encoded here and
`auto_now` times set, as `save()` would. Inserted rows keep the given order, so a serial key
numbers them in it (the outbox's sequence)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from tortoise import connections, timezone
from tortoise.fields import DatetimeField, Field, JSONField
from tortoise.models import Model


def _array(field: Field[Any], values: list[Any]) -> list[Any]:
    if isinstance(field, JSONField):
        return [None if v is None else orjson.dumps(v, default=str).decode() for v in values]
    if isinstance(field, DatetimeField) and field.auto_now:
        return [timezone.now()] * len(values)
    return values


def _columns(
    model: type[Model], names: Sequence[str], values: Sequence[list[Any]]
) -> tuple[list[str], list[str], list[str], list[list[Any]]]:
    """Per field: its column, its typed array parameter, how to read it, and the array."""
    meta = model._meta
    columns, parameters, reads, arrays = [], [], [], []
    for number, name in enumerate(names, start=1):
        field = meta.fields_map[name]
        column = f'"{meta.fields_db_projection[name]}"'
        columns.append(column)
        # JSON travels as its text and is cast where it lands.
        json = isinstance(field, JSONField)
        sql_type = "TEXT" if json else field.get_for_dialect("postgres", "SQL_TYPE")
        parameters.append(f"${number}::{sql_type}[]")
        reads.append(f"row.{column}::jsonb" if json else f"row.{column}")
        arrays.append(_array(field, values[number - 1]))
    return columns, parameters, reads, arrays


async def insert(model: type[Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Add rows of `model`, in order; a generated key is left to the database."""
    if not rows:
        return
    names = list(rows[0])
    columns, parameters, reads, arrays = _columns(
        model, names, [[row[name] for row in rows] for name in names]
    )
    await connections.get("default").execute_query(
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(reads)} FROM unnest({', '.join(parameters)}) WITH ORDINALITY "
        f"AS row ({', '.join(columns)}, position) ORDER BY position",
        arrays,
    )


async def update(instances: Sequence[Model], names: Sequence[str]) -> None:
    """Write the fields `names` of saved instances of one model back, found by primary key."""
    if not instances:
        return
    model = type(instances[0])
    every = [model._meta.pk_attr, *names]
    columns, parameters, reads, arrays = _columns(
        model, every, [[getattr(row, name) for row in instances] for name in every]
    )
    assignments = ", ".join(
        f"{column} = {read}" for column, read in zip(columns[1:], reads[1:], strict=True)
    )
    await connections.get("default").execute_query(
        f'UPDATE "{model._meta.db_table}" AS target SET {assignments} '
        f"FROM unnest({', '.join(parameters)}) AS row ({', '.join(columns)}) "
        f"WHERE target.{columns[0]} = row.{columns[0]}",
        arrays,
    )
