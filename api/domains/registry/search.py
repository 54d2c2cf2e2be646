"""Pinyin search (拼音检索) of people, buildings and organisations: their names' keys
(api/pinyin.py) in `registry_search_keys`, kept in step with the names, and the filter and
rank a search by text uses.

Keys are written with every create or rename through the services, after every import, and
for whatever rows lack them (rows written before this table existed, or by SQL) by `backfill`,
which `gridgov migrate` and `gridgov search-keys` run. A record's keys remember the names they
were made from, so a stale or missing set is found by comparing a batch of records with
their stored keys (`index`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from tortoise import connections
from tortoise.expressions import Case, Q, Subquery, When

from api import bulk, pinyin
from api.domains.registry.enums import RecordKind
from api.domains.registry.models import SearchKey

# kind → (table, the name columns found by pinyin)
NAMED: Final[dict[RecordKind, tuple[str, tuple[str, ...]]]] = {
    RecordKind.PERSON: ("registry_people", ("name", "former_name")),
    RecordKind.BUILDING: ("registry_buildings", ("name",)),
    RecordKind.ORGANISATION: ("registry_organisations", ("name",)),
}
BATCH: Final = 5000


def indexed_from(names: Iterable[str | None]) -> str:
    return "|".join(name or "" for name in names)[:120]


async def index(
    kind: RecordKind,
    *,
    ids: Iterable[uuid.UUID] | None = None,
    since: dt.datetime | None = None,
) -> int:
    """Make the keys of the records of `kind` (those of `ids`, or changed since `since`, or
    all) whose keys are missing or made from other names; returns how many were keyed."""
    table, columns = NAMED[kind]
    connection = connections.get("default")
    # Walk the records in id order a batch at a time and compare each batch's names with its
    # stored keys (by the record_id index): linear in the records, whatever the planner knows
    # of the keys table. (An anti-join per batch was quadratic after a large import, when the
    # keys table had not been analysed yet: 300k people took hours.)
    conditions = ["TRUE"]
    arguments: list[Any] = []
    if ids is not None:
        arguments.append(list(ids))
        conditions.append(f"r.id = ANY(${len(arguments)}::uuid[])")
    if since is not None:
        arguments.append(since)
        conditions.append(f"r.updated_at >= ${len(arguments)}")
    done = 0
    last = uuid.UUID(int=0)
    while True:
        rows = await connection.execute_query_dict(
            f"SELECT r.id, {', '.join(f'r.{c}' for c in columns)} FROM {table} r"
            f" WHERE {' AND '.join(conditions)} AND r.id > ${len(arguments) + 1}"
            f" ORDER BY r.id LIMIT {BATCH}",
            [*arguments, last],
        )
        if not rows:
            return done
        last = rows[-1]["id"]
        names = {row["id"]: [row[c] for c in columns] for row in rows}
        kept = await connection.execute_query_dict(
            "SELECT DISTINCT record_id, indexed_from FROM registry_search_keys"
            " WHERE record_kind = $1 AND record_id = ANY($2::uuid[])",
            [kind.value, list(names)],
        )
        current = {(row["record_id"], row["indexed_from"]) for row in kept}
        stale = [
            (record_id, made)
            for record_id, made in names.items()
            if (record_id, indexed_from(made)) not in current
        ]
        await replace(kind, stale)
        done += len(stale)


async def replace(kind: RecordKind, records: list[tuple[uuid.UUID, list[str | None]]]) -> None:
    """Write the keys of these records (id, names), dropping their old ones."""
    if not records:
        return
    await SearchKey.filter(record_kind=kind, record_id__in=[r for r, _ in records]).delete()
    await bulk.insert(
        SearchKey,
        [
            {"record_kind": kind.value, "record_id": record_id, "key": key, "indexed_from": made}
            for record_id, names in records
            for made in (indexed_from(names),)
            for key in pinyin.keys_of(names) or [""]
        ],
    )


async def keep(kind: RecordKind, record: Any) -> None:
    """After a create or update of one record: its keys, if its names changed."""
    _, columns = NAMED[kind]
    names = [getattr(record, column) for column in columns]
    made = indexed_from(names)
    if not await SearchKey.exists(record_kind=kind, record_id=record.id, indexed_from=made):
        await replace(kind, [(record.id, names)])


async def backfill() -> None:
    """Key every record lacking its keys (run at every migrate; idempotent)."""
    for kind in NAMED:
        await index(kind)


async def index_changed(*, since: dt.datetime | None) -> None:
    """Key the records written since `since` (by an import's SQL) whose keys are stale."""
    for kind in NAMED:
        await index(kind, since=since)


def matching(kind: RecordKind, term: str) -> Q:
    """Records one of whose keys starts with one of the query's forms (characters, full pinyin,
    initials; traditional characters folded)."""
    forms = pinyin.query_forms(term)
    if not forms:
        return Q(id__in=[])
    found = Q()
    for form in forms:
        found |= Q(key__gte=form, key__lt=pinyin.prefix_upper(form))
    keys = SearchKey.filter(found, record_kind=kind).values("record_id")
    return Q(id__in=Subquery(keys))


@dataclass(frozen=True, slots=True)
class Ranking:
    """How a search's results are ordered: `starts` holds the names that begin with the query's
    characters, `rank` is '0' for a name that is them, '1' for the rest of `starts`."""

    starts: Q
    rank: Case


def ranking(term: str, *columns: str) -> Ranking:
    """The ranking of a query (folded to simplified characters) over these name columns."""
    term = pinyin.to_simplified(term)
    exact = Q()
    starts = Q()
    for column in columns:
        exact |= Q(**{column: term})
        # null-safe: NOT (a LIKE … OR NULL) would drop the row from the rest
        present: dict[str, Any] = {f"{column}__isnull": False, f"{column}__startswith": term}
        starts |= Q(**present)
    return Ranking(starts=starts, rank=Case(When(exact, then="0"), default="1"))
