"""Pinyin search (拼音检索) of regions and departments: each row carries its names' keys
(api/pinyin.py) in one column, `name⇥ key key …`, matched by `LIKE '% prefix%'`. A city's
regions and departments number in the thousands, so that scan stays small; the name before the
tab says what the keys were made of, so rows written without them (bulk loads, imports, rows
older than the column) are found and keyed by `backfill`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from tortoise import connections
from tortoise.expressions import Case, Q, When

from api import pinyin
from api.domains.hierarchy.models import Department, Region

SEPARATOR: Final = "\t"


def source_of(names: Iterable[str | None]) -> str:
    return "|".join(name or "" for name in names)


def keys_column(names: list[str | None]) -> str:
    """The column's value for these names (the first is the record's name, then aliases)."""
    return f"{source_of(names)}{SEPARATOR} {' '.join(pinyin.keys_of(names))} "


def region_names(region: Any) -> list[str | None]:
    return [region.name, *(region.aliases or [])]


async def backfill() -> int:
    """Key every region and department whose keys are missing or stale (idempotent)."""
    connection = connections.get("default")
    done = 0
    stale_regions = await connection.execute_query_dict(
        "SELECT code, name, aliases FROM regions WHERE search_keys IS NULL"
        " OR split_part(search_keys, E'\\t', 1)"
        " <> array_to_string(ARRAY[name]::text[] || aliases::text[], '|')"
    )
    for row in stale_regions:
        names = [row["name"], *(row["aliases"] or [])]
        await Region.filter(code=row["code"]).update(search_keys=keys_column(names))
        done += 1
    stale_departments = await connection.execute_query_dict(
        "SELECT id, name FROM departments WHERE search_keys IS NULL"
        " OR split_part(search_keys, E'\\t', 1) <> name"
    )
    for row in stale_departments:
        await Department.filter(id=row["id"]).update(search_keys=keys_column([row["name"]]))
        done += 1
    return done


def matching(term: str, *, column: str = "search_keys") -> Q:
    """Rows one of whose keys starts with one of the query's forms."""
    forms = pinyin.query_forms(term)
    found = Q(pk__in=[])
    for form in forms:
        found |= Q(**{f"{column}__contains": f" {form}"})
    return found


def rank(term: str) -> Case:
    """0: the name is the query's characters; 1: it starts with them; 2: found by pinyin."""
    return Case(When(Q(name=term), then="0"), When(Q(name__startswith=term), then="1"), default="2")
