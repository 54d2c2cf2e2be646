"""Region codes (DESIGN.md §2): the five levels below the province and the arithmetic of codes.

A code is its own path: the national division code trimmed to its level, a grid's 15 digits
extending its community's 12. Every level has a fixed length, so a code's level, its parent,
its ancestors and "X lies under S" (a prefix test, `LIKE S || '%'` in SQL) follow from the digits
alone. Policies, live feeds and every domain take them from here; this module belongs to no
domain and imports none."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Level(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def code_length(self) -> int:
        return CODE_LENGTHS[self]

    @property
    def parent(self) -> Level | None:
        index = ORDER.index(self)
        return ORDER[index - 1] if index else None

    @property
    def child(self) -> Level | None:
        index = ORDER.index(self)
        return ORDER[index + 1] if index + 1 < len(ORDER) else None

    @classmethod
    def of_code(cls, code: str) -> Level | None:
        """The level a code of this length denotes, or None for an impossible length."""
        return LEVEL_BY_LENGTH.get(len(code)) if code.isdigit() and code.isascii() else None


ORDER: Final = (Level.CITY, Level.DISTRICT, Level.TOWNSHIP, Level.COMMUNITY, Level.GRID)
CODE_LENGTHS: Final = {
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.TOWNSHIP: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}
LEVEL_BY_LENGTH: Final = {length: level for level, length in CODE_LENGTHS.items()}

# Tables that keep each ancestor of a row's place in a column of its own (events, the stats
# rollup) name those columns by level, so "under S" is an equality on the column of S's length.
PATH_COLUMNS: Final = {
    4: "city_code",
    6: "district_code",
    9: "township_code",
    12: "community_code",
    15: "region_code",
}


def level_of(code: str) -> Level | None:
    """The level of a code, or None when it is not a region code."""
    return Level.of_code(code)


def parent_of(code: str) -> str | None:
    """The code of the region directly above; None for a city (or a code of no level)."""
    level = Level.of_code(code)
    above = level.parent if level is not None else None
    return code[: above.code_length] if above is not None else None


def ancestor_codes(code: str) -> list[str]:
    """Codes of every region above `code`, city first (a code is its own path)."""
    return [code[:length] for length in CODE_LENGTHS.values() if length < len(code)]


def ancestor_at(code: str, level: Level) -> str:
    """The code of the region at `level` on the path of `code` (`code` itself if it lies above
    that level): `ancestor_at("410611002005003", Level.DISTRICT)` is "410611"."""
    return code[: level.code_length]


def path_codes(code: str) -> list[str]:
    """The ancestors of `code` and `code` itself, city first."""
    return [code[:length] for length in CODE_LENGTHS.values() if length <= len(code)]


def child_length(code: str) -> int | None:
    """The code length of the regions directly below `code`; None below a grid."""
    level = Level.of_code(code)
    below = level.child if level is not None else None
    return below.code_length if below is not None else None


def in_subtree(code: str, scope: str) -> bool:
    """Whether `code` lies in the subtree rooted at `scope` (fixed lengths: no sibling trap)."""
    return code.startswith(scope)


def subtree_sql(column: str, scope_parameter: str) -> str:
    """`in_subtree` as a SQL condition on a code column against a bound scope (`$1`): served by
    the column's `varchar_pattern_ops` index. Codes are digits, so the scope needs no escaping."""
    return f"{column} LIKE {scope_parameter} || '%'"
