"""The people search as rows (`people` in GraphQL): the statements of `people.search_people`
written as SQL text and run on the driver, the rows returned as asyncpg records without
building tortoise models — as the event lists do (api/domains/events/lists.py, api/query.py).

Building a Person model per row (41 fields converted one by one) and the query through
tortoise and pypika were most of a search's time in the API process. The conditions, their
order, the ranking and the cursors are `search_people`'s (a side-by-side test holds the pages
equal); `search_people` stays for the export, which filters its query further."""

from __future__ import annotations

import uuid
from typing import Any, Final

from asyncpg import Record
from redis.asyncio import Redis

from api import pinyin
from api.auth import Principal
from api.domains.registry.enums import RecordKind, RecordStatus
from api.domains.registry.models import Enrolment, Person, SearchKey, SpecialGroupRecord
from api.domains.registry.people import PersonFilter, age_bounds, searched_text
from api.domains.registry.records import one_subtree, subtree_column, valid_region_code
from api.errors import ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.query import Filtered, Parameters, fetch, starts_with, subtree_sql
from policies.enforcer import scope_prefixes

# Every column of a person, as tortoise selects them: a row carries what PersonNode shows.
# (the relations' columns named here: tortoise names them only once the models are initialised)
PERSON_COLUMNS: Final = (*Person._meta.fields_db_projection.values(), "household_id", "house_id")
_SELECT: Final = (
    "SELECT "
    + ",".join(f'"{column}"' for column in PERSON_COLUMNS)
    + f' FROM "{Person._meta.db_table}"'
)

# the rows found by pinyin only, ranked after every name that starts with the query
_REST_HEAD: Final = _SELECT.replace(" FROM ", ",'2' \"search_rank\" FROM ", 1)


def _readable(actor: Principal, obj: str, bind: Parameters) -> str:
    """records.readable as SQL: the region under one of the caller's read prefixes."""
    return subtree_sql(scope_prefixes(actor.assignments, obj, "read"), "region_code", bind)


def _null_safe_starts(column: str, term: str, bind: Parameters) -> str:
    return f'(NOT "{column}" IS NULL AND {starts_with(column, term, bind)})'


async def list_people(
    *, actor: Principal, page: PageRequest, filters: PersonFilter, redis: Redis
) -> tuple[Page[Record], Filtered]:
    """`search_people`'s page as rows of PERSON_COLUMNS (plus `search_rank` when ranked by a
    text), and the rows the filters select over all pages, for a count."""
    bind = Parameters()
    prefixes = scope_prefixes(actor.assignments, "registry", "read")
    code = valid_region_code(filters.region_code) if filters.region_code else None
    subtree = one_subtree(prefixes, code, Person._meta.db_table)
    if subtree is not None:  # the ancestor-code index's range (records.in_subtree's form)
        where = [f"{subtree_column(subtree)}={bind(subtree)}"]
    else:
        where = [subtree_sql(prefixes, "region_code", bind)]
        if code:
            where.append(starts_with("region_code", code, bind))
    if not filters.include_deregistered:
        where.append(f'"status"={bind(RecordStatus.ACTIVE.value)}')
    if filters.person_type:
        where.append(f'"person_type"={bind(filters.person_type.value)}')
    if filters.left_behind_type:
        where.append(f'"left_behind_type"={bind(filters.left_behind_type)}')
    for obj, model, column, value in (
        ("special_group", SpecialGroupRecord, "group", filters.special_group),
        ("enrolment", Enrolment, "programme", filters.programme),
    ):
        if value:
            # membership is itself sensitive: only inside its own read scope
            where.append(
                f'"id" IN (SELECT "person_id" FROM "{model._meta.db_table}" WHERE'
                f' {_readable(actor, obj, bind)} AND "{column}"={bind(value.value)}'
                f' AND "status"={bind(RecordStatus.ACTIVE.value)})'
            )
    for bound, date in age_bounds(filters):
        where.append(f'"birth_date"{"<=" if bound == "lte" else ">"}{bind(date)}')
    term, number = await searched_text(actor, filters, redis)
    ranked = ""
    if number:
        where.append(f'"id_number"={bind(number)}')
    elif term:
        forms = pinyin.query_forms(term)
        if not forms:
            where.append("false")
        else:
            keys = " OR ".join(
                f'("key">={bind(form)} AND "key"<{bind(pinyin.prefix_upper(form))})'
                for form in forms
            )
            where.append(
                f'"id" IN (SELECT "record_id" FROM "{SearchKey._meta.db_table}"'
                f' WHERE ({keys}) AND "record_kind"={bind(RecordKind.PERSON.value)})'
            )
            ranked = pinyin.to_simplified(term)
    if filters.tags:
        where.append(f'"tags"@>CAST({bind(list(filters.tags))} AS VARCHAR(40)[])')
    if filters.household_id:
        where.append(f'"household_id"={bind(filters.household_id)}')
    if filters.house_id:
        where.append(f'"house_id"={bind(filters.house_id)}')
    filtered = Filtered(Person, " AND ".join(where), bind.values)
    if ranked:
        return await _ranked_page(bind, where, page, ranked), filtered
    return await _keyset_page(bind, where, page), filtered


async def _keyset_page(bind: Parameters, where: list[str], page: PageRequest) -> Page[Record]:
    """records.keyset_page: by id."""
    conditions = list(where)
    if page.after is not None:
        conditions.append(f'"id">{bind(_cursor_id(page.after))}')
    sql = f'{_SELECT} WHERE {" AND ".join(conditions)} ORDER BY "id" LIMIT {bind(page.first + 1)}'
    rows = await fetch(Person, sql, bind.values)
    return make_page(rows, page, lambda row: row["id"])


async def _ranked_page(
    bind: Parameters, where: list[str], page: PageRequest, term: str
) -> Page[Record]:
    """records.ranked_page: the names equal to the query's characters (rank 0), starting with
    them (1), then the other pinyin matches (2) by id; the cursor is `rank|id`."""
    after_rank, after_id = "", None
    if page.after is not None:
        after_rank, _unused, id_text = page.after.partition("|")
        after_id = _cursor_id(id_text)
        if after_rank not in {"0", "1", "2"}:
            raise ValidationFailed(_("malformed cursor"), field="after")
    wanted = page.first + 1
    rows: list[Any] = []
    # the conditions' parameters are shared by both statements: each gets its own copy
    base = list(bind.values)
    exact = " OR ".join(f'"{column}"={{t}}' for column in ("name", "former_name"))
    if after_rank != "2":
        named = Parameters()
        named.values = list(base)
        rank = (
            "CASE WHEN " + exact.format(t=named(term)) + f" THEN {named('0')} ELSE {named('1')} END"
        )
        conditions = [*where, _starts(term, named)]
        if after_id is not None:
            conditions.append(
                f"({rank}>{named(after_rank)} OR ({rank}={named(after_rank)}"
                f' AND "id">{named(after_id)}))'
            )
        head = _SELECT.replace(" FROM ", f',{rank} "search_rank" FROM ', 1)
        sql = (
            f"{head} WHERE {' AND '.join(conditions)}"
            f' ORDER BY "search_rank" ASC,"id" ASC LIMIT {named(wanted)}'
        )
        rows = list(await fetch(Person, sql, named.values))
    if len(rows) < wanted:
        rest = Parameters()
        rest.values = list(base)
        conditions = [*where, "NOT " + _starts(term, rest)]
        if after_rank == "2":
            conditions.append(f'"id">{rest(after_id)}')
        sql = (
            f"{_REST_HEAD} WHERE {' AND '.join(conditions)}"
            f' ORDER BY "id" ASC LIMIT {rest(wanted - len(rows))}'
        )
        rows.extend(await fetch(Person, sql, rest.values))
    return make_page(rows, page, lambda row: f"{row['search_rank']}|{row['id']}")


def _starts(term: str, bind: Parameters) -> str:
    """search.ranking's `starts`: a name or former name beginning with the term."""
    return (
        f"({_null_safe_starts('name', term, bind)}"
        f" OR {_null_safe_starts('former_name', term, bind)})"
    )


def _cursor_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise ValidationFailed(_("malformed cursor"), field="after") from error
