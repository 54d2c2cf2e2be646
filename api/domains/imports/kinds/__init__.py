"""What each kind of file holds: its columns (with Chinese and English header aliases), how a
row is checked in Python, which checks run in SQL over the staged rows, and the one upsert.

A kind declares; the pipeline (api/domains/imports/pipeline.py) runs. Adding a kind is a module
here and a line in KINDS."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import asyncpg

from api.domains.hierarchy.addresses import Placement
from api.domains.imports.enums import ImportKind, RowErrorCode
from api.i18n import _
from api.regions import Level

# (column, code, reason, value) of one problem of a row; column None = the row as a whole
Problem = tuple[str | None, str, str, str | None]


class Invalid(ValueError):
    """A cell that cannot be taken: a stable code and the reason, for the errors file."""

    def __init__(self, reason: str, code: RowErrorCode = RowErrorCode.INVALID):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def header_key(text: str) -> str:
    """Headers compare case-, space- and marker-insensitively: ' ID Number* ' = 'id_number'."""
    cleaned = text.replace("\ufeff", "").strip().strip("*＊").strip().lower()
    return re.sub(r"[\s\-]+", "_", cleaned)


@dataclass(frozen=True)
class Column:
    """One field of a kind: its staging column, the headers that mean it, and its parser."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int = 100
    parse: Callable[[str], Any] | None = None
    sql_type: str = "text"
    # Not written on update when the file lacks the column (a file that leaves a column out
    # leaves that field as it is); `False` for key and bookkeeping columns.
    updatable: bool = True
    # the target table's column; None: only looked at (a reference's code)
    target: str | None = ""

    @property
    def written_as(self) -> str | None:
        return self.name if self.target == "" else self.target

    def header_keys(self) -> set[str]:
        return {header_key(self.name), *(header_key(alias) for alias in self.aliases)}


@dataclass(frozen=True)
class Derived:
    """A staging column computed from a row (a region's parent and level, a person's birth date)."""

    name: str
    sql_type: str = "text"
    # updated only when the file has this column (or one of these); None: never
    source: str | tuple[str, ...] | None = None

    def updated_by(self, present: Sequence[str]) -> bool:
        sources = (self.source,) if isinstance(self.source, str) else self.source or ()
        return any(source in present for source in sources)


@dataclass(frozen=True)
class Reference:
    """A cell naming another record by its natural key (a person's household number): it must
    exist inside the import's region; its id goes into `into`."""

    column: str
    table: str
    key: str
    into: str
    label: str
    # the code of a record that exists outside the import's region; None: it is not found there
    outside: RowErrorCode | None = None
    # a deregistered record cannot be pointed at
    active: bool = False
    # columns of the record copied into the same staging columns (a membership's grid)
    copies: tuple[str, ...] = ()


@dataclass
class RowContext:
    """What a row check needs to know about the run (computed once per job)."""

    scope: str
    may_assign: Callable[[str, Level], bool] = field(default=lambda role, level: True)
    # whether the importer may take (object, action) at a region, by the policy (none unless
    # the pipeline says so)
    may: Callable[[str, str, str], bool] = field(default=lambda obj, action, at: False)
    # a free-text address to the region it names (api/domains/hierarchy/addresses.py)
    place: Callable[[str], Placement] | None = None


@dataclass(frozen=True)
class Writer:
    """Who writes, for what job, inside which region (for history rows)."""

    scope: str
    job_id: str
    actor_id: Any
    actor_label: str


@dataclass
class Written:
    inserted: int = 0
    updated: int = 0


class Kind:
    """Base of every kind: subclasses set the class attributes and may override the hooks."""

    kind: ClassVar[ImportKind]
    table: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    derived: ClassVar[tuple[Derived, ...]] = ()
    key: ClassVar[tuple[str, ...]]  # natural key: one row per key in a file
    # the column checked against the import's region as a row is read; None: the row's region
    # is known only in SQL (a membership lives in its person's grid)
    scope_column: ClassVar[str | None] = "region_code"
    # a region the row must point at (checked in SQL: exists and is active)
    region_column: ClassVar[str | None] = "region_code"
    references: ClassVar[tuple[Reference, ...]] = ()
    # staging column → the registry code table its values are checked against, live: an active
    # code, national or local, or an extension of a region above the row's (region_column)
    code_columns: ClassVar[dict[str, str]] = {}
    # a free-text address placing a row that has no region code (地址匹配), if the kind has one
    address_column: ClassVar[str | None] = None

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        """Cross-field checks and derived values of one row (after each cell parsed)."""
        return []

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        """Checks that need the database, over every staged row at once (`scope`: the import's
        region)."""

    async def check_scope(self, reject: Rejecter, scope: str) -> None:
        """Scope checks beyond the row's own region (done per row, in Python)."""

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        raise NotImplementedError


# reject(select, *args) runs a SELECT of (row_number, column, code, reason, value), records
# those problems and drops their rows from the staging table; it returns how many it found.
Rejecter = Callable[..., Awaitable[int]]


def staging_columns(kind: Kind) -> list[tuple[str, str]]:
    return [(c.name, c.sql_type) for c in kind.columns] + [
        (d.name, d.sql_type) for d in kind.derived
    ]


def upsert(
    *,
    table: str,
    key: Sequence[str],
    insert: Sequence[tuple[str, str]],
    update: Sequence[str],
    also: Sequence[str] = ("updated_at = now()",),
    returning: Sequence[str] = (),
    before: str = "",
    after: str = "",
    order: Sequence[str] | None = None,
    key_where: str = "",
    merged: Mapping[str, str] | None = None,
) -> str:
    """One INSERT … ON CONFLICT (key) DO UPDATE … WHERE (changed), counting inserted and updated
    rows (xmax = 0 marks a fresh insert); unchanged rows are neither returned nor rewritten.
    `before` and `after` add common table expressions around it (`written`), which all see the
    table as it was before the statement. `order` names the staging columns of the key (default:
    the key), `key_where` the predicate of a partial unique index, `merged` the new value of a
    column that combines the old one with the file's (instead of `EXCLUDED.column`)."""
    targets = ", ".join(name for name, _unused in insert)
    sources = ", ".join(expression for _unused2, expression in insert)
    new = {c: (merged or {}).get(c, f"EXCLUDED.{c}") for c in update}
    if update:
        assignments = ", ".join([*(f"{c} = {new[c]}" for c in update), *also])
        current = ", ".join(f"{table}.{c}" for c in update)
        proposed = ", ".join(new[c] for c in update)
        action = (
            f"DO UPDATE SET {assignments} WHERE ROW({current}) IS DISTINCT FROM ROW({proposed})"
        )
    else:
        action = "DO NOTHING"
    # In key order: the unique index is then written page by page instead of at random, which
    # measured ~20% faster for a million rows (and puts a region's parent before its children).
    ordered = ", ".join(f"s.{column}" for column in order or key)
    returned = ", ".join([*returning, "(xmax = 0) AS inserted"])
    conflict = f"({', '.join(key)}){f' WHERE {key_where}' if key_where else ''}"
    return (
        f"WITH {before}written AS (INSERT INTO {table} ({targets}) SELECT {sources} "
        f"FROM import_staging s ORDER BY {ordered} ON CONFLICT {conflict} {action} "
        f"RETURNING {returned}){after} "
        "SELECT count(*) FILTER (WHERE inserted) AS inserted, "
        "count(*) FILTER (WHERE NOT inserted) AS updated FROM written"
    )


# ---------------------------------------------------------------- shared parsers


@functools.lru_cache(maxsize=4096)  # a file names a few hundred regions a million times
def region_code(raw: str) -> str:
    code = raw.replace(" ", "")
    if Level.of_code(code) is None:
        raise Invalid(
            _("a region code has 4, 6, 9, 12 or 15 digits (city … grid)"), RowErrorCode.INVALID_CODE
        )
    return code


@functools.lru_cache(maxsize=4096)
def grid_code(raw: str) -> str:
    code = region_code(raw)
    if Level.of_code(code) is not Level.GRID:
        raise Invalid(_("must be a grid's 15-digit code"), RowErrorCode.INVALID_CODE)
    return code


def phone(raw: str) -> str:
    cleaned = raw.replace(" ", "").replace("-", "")
    if not re.fullmatch(r"\+?\d{5,15}", cleaned):
        raise Invalid(_("5–15 digits, optionally with a leading +"))
    return cleaned


def integer(minimum: int = 0, maximum: int = 10_000_000) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.replace(",", ""))
        except ValueError:
            raise Invalid(_("a whole number")) from None
        if not minimum <= value <= maximum:
            raise Invalid(_("between {minimum} and {maximum}", minimum=minimum, maximum=maximum))
        return value

    return parse


def decimal(minimum: float, maximum: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise Invalid(_("a number")) from None
        if not minimum <= value <= maximum:
            raise Invalid(_("between {minimum} and {maximum}", minimum=minimum, maximum=maximum))
        return value

    return parse


def choice(options: dict[str, str], label: str) -> Callable[[str], str]:
    lookup = {header_key(key): value for key, value in options.items()} | options

    def parse(raw: str) -> str:
        value = lookup.get(raw) or lookup.get(header_key(raw))
        if value is None:
            raise Invalid(_("one of: {label}", label=label))
        return value

    return parse
