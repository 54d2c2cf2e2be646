"""The five levels below the province and their fixed code lengths (DESIGN.md §2)."""

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


class UrbanRural(StrEnum):
    """城乡分类: a community (社区) or a village (村)."""

    URBAN = "urban"
    RURAL = "rural"


ORDER: Final = (Level.CITY, Level.DISTRICT, Level.TOWNSHIP, Level.COMMUNITY, Level.GRID)
CODE_LENGTHS: Final = {
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.TOWNSHIP: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}
LEVEL_BY_LENGTH: Final = {length: level for level, length in CODE_LENGTHS.items()}


def ancestor_codes(code: str) -> list[str]:
    """Codes of every region above `code`, city first (a code is its own path)."""
    return [code[:length] for length in CODE_LENGTHS.values() if length < len(code)]


def in_subtree(code: str, scope: str) -> bool:
    """Whether `code` lies in the subtree rooted at `scope` (fixed lengths: no sibling trap)."""
    return code.startswith(scope)
