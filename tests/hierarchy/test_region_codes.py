"""Region-code arithmetic (api/regions.py): every level, and codes of no level."""

from __future__ import annotations

from api.regions import (
    Level,
    ancestor_at,
    ancestor_codes,
    child_length,
    in_subtree,
    level_of,
    parent_of,
    path_codes,
)

GRID = "410611002005003"


def test_a_code_is_its_path() -> None:
    assert path_codes(GRID) == ["4106", "410611", "410611002", "410611002005", GRID]
    assert ancestor_codes(GRID) == path_codes(GRID)[:-1]
    assert [level_of(code) for code in path_codes(GRID)] == list(Level)
    assert [parent_of(code) for code in path_codes(GRID)] == [None, *path_codes(GRID)[:-1]]
    assert [child_length(code) for code in path_codes(GRID)] == [6, 9, 12, 15, None]
    assert ancestor_at(GRID, Level.DISTRICT) == "410611"
    assert ancestor_at("4106", Level.DISTRICT) == "4106"


def test_codes_of_no_level_have_no_level_parent_or_children() -> None:
    for code in ("", "41", "41061", "4106110020050031", "41O6", "４１０６"):
        assert (level_of(code), parent_of(code), child_length(code)) == (None, None, None)


def test_the_subtree_test_has_no_sibling_trap() -> None:
    assert in_subtree(GRID, "410611") and in_subtree("410611", "410611")
    assert not in_subtree("410612001", "410611")
    assert not in_subtree("4106", "410611")
