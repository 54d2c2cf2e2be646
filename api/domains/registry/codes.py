"""Code tables of the registry as live data: GB/T 31000-2015 §5 (keys "5.11" …) and the
national standards its person fields refer to (keys "sex", "ethnicity" …), loaded from the
files below into `registry_codes`, plus the city's local codes and its regions' extensions
(api/domains/registry/code_tables.py changes them).

Validation is synchronous, so each process keeps a copy of the tables, read again by `refresh()`
whenever the table's state (version, rows, last change) differs from the copy's: a service awaits
`refresh()` before it validates, one small query when nothing changed."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise import connections

from api.regions import in_subtree

DATA = Path(__file__).resolve().parent / "data"
TABLE = "registry_codes"


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    is_national: bool = True
    region_code: str | None = None  # a region's extension, used in its subtree only
    is_active: bool = True
    version: int = 0

    def usable_at(self, region_code: str | None) -> bool:
        """Active, and national or local to the city, or an extension of a region above."""
        return self.is_active and (
            self.region_code is None
            or (region_code is not None and in_subtree(region_code, self.region_code))
        )


@dataclass(frozen=True, slots=True)
class CodeTable:
    key: str
    name: str
    standard: str
    codes: dict[str, Code] = field(default_factory=dict)  # in the standard's order, then added

    @property
    def names(self) -> dict[str, str]:
        """Code → name of every code, retired ones included (old records still show them)."""
        return {code: entry.name for code, entry in self.codes.items()}

    @property
    def version(self) -> int:
        return max((entry.version for entry in self.codes.values()), default=0)

    def __contains__(self, code: object) -> bool:
        return code in self.codes


@functools.cache
def standard_tables() -> dict[str, CodeTable]:
    """The tables as the standards' files give them (what `registry_codes` is seeded with)."""
    found: dict[str, CodeTable] = {}
    gbt = json.loads((DATA / "gbt31000_codes.json").read_text(encoding="utf-8"))
    national = json.loads((DATA / "national_codes.json").read_text(encoding="utf-8"))
    sources = [(gbt["tables"], "GB/T 31000-2015"), (national["tables"], None)]
    for tables_of_file, standard in sources:
        for key, table in tables_of_file.items():
            found[key] = CodeTable(
                key=key,
                name=table["name"],
                standard=standard or table["standard"],
                codes={
                    entry["code"]: Code(entry["code"], entry["name"]) for entry in table["codes"]
                },
            )
    return found


@dataclass(slots=True)
class _Copy:
    state: tuple[Any, ...] = ()
    tables: dict[str, CodeTable] | None = None


_COPY = _Copy()


def tables() -> dict[str, CodeTable]:
    """The process's copy of the live tables (the standards' files until first refreshed)."""
    return _COPY.tables if _COPY.tables is not None else standard_tables()


def table(key: str) -> CodeTable:
    return tables()[key]


async def _state() -> tuple[Any, ...]:
    rows = await connections.get("default").execute_query_dict(
        f"SELECT coalesce(max(version), 0) AS version, count(*) AS rows,"
        f" max(changed_at) AS changed_at FROM {TABLE}"
    )
    return (rows[0]["version"], rows[0]["rows"], rows[0]["changed_at"])


async def refresh() -> dict[str, CodeTable]:
    """The live tables, read again when they changed since the copy was made."""
    state = await _state()
    if _COPY.tables is not None and state == _COPY.state:
        return _COPY.tables
    rows = await connections.get("default").execute_query_dict(
        f"SELECT table_key, code, name, is_national, region_code, is_active, version"
        f" FROM {TABLE} ORDER BY id"
    )
    standard = standard_tables()
    found = {
        key: CodeTable(key=key, name=table.name, standard=table.standard)
        for key, table in standard.items()
    }
    for row in rows:
        table = found.get(row["table_key"])
        if table is None:
            continue
        table.codes[row["code"]] = Code(
            code=row["code"],
            name=row["name"],
            is_national=row["is_national"],
            region_code=row["region_code"],
            is_active=row["is_active"],
            version=row["version"],
        )
    if not rows:  # not yet seeded (a database before its reference data): the files
        found = standard
    _COPY.state, _COPY.tables = state, found
    return found


async def ensure_reference_data() -> None:
    """The standards' codes, once each (idempotent; a code the files gain later is added)."""
    values = [
        (key, code.code, code.name)
        for key, table in standard_tables().items()
        for code in table.codes.values()
    ]
    connection = connections.get("default")
    await connection.execute_query(
        f"""INSERT INTO {TABLE} (table_key, code, name, is_national, is_active, version, changed_at)
        SELECT t.table_key, t.code, t.name, true, true, 0, now()
        FROM unnest($1::text[], $2::text[], $3::text[]) AS t(table_key, code, name)
        ON CONFLICT (table_key, code) DO NOTHING""",
        [[v[0] for v in values], [v[1] for v in values], [v[2] for v in values]],
    )
