"""Free-text addresses to regions (api/domains/hierarchy/addresses.py): pure matching."""

from __future__ import annotations

from api.domains.hierarchy.addresses import Matcher, Outcome

REGIONS = [
    ("4106", "鹤壁市", []),
    ("410611", "淇滨区", []),
    ("410611001", "金山街道", []),
    ("410611001001", "金山社区", []),
    ("410611001010", "桃园社区", ["桃园"]),
    ("410611002", "九州路街道", []),
    ("410611002001", "九州社区", []),
    ("410611002002", "金山社区", []),
]


def test_the_deepest_region_named_along_its_path_is_placed() -> None:
    placed = Matcher(REGIONS).place("河南省鹤壁市淇滨区金山街道金山社区5号楼2单元")
    assert (placed.outcome, placed.region_code, placed.confidence) == (
        Outcome.PLACED,
        "410611001001",
        1.0,
    )
    short = Matcher(REGIONS).place("鹤壁淇滨金山街道桃园社区")  # short names count less
    assert (short.outcome, short.region_code) == (Outcome.PLACED, "410611001010")
    assert 0.5 <= short.confidence < 1.0


def test_traditional_characters_and_aliases_are_matched() -> None:
    placed = Matcher(REGIONS).place("鶴壁市淇濱區金山街道桃園3號")
    assert (placed.outcome, placed.region_code) == (Outcome.PLACED, "410611001010")


def test_two_regions_named_equally_are_ambiguous() -> None:
    placed = Matcher(REGIONS).place("淇滨区金山社区8号")
    assert placed.outcome is Outcome.AMBIGUOUS
    assert set(placed.candidates) == {"410611001001", "410611002002"}


def test_a_thin_match_is_uncertain_and_none_is_unmatched() -> None:
    thin = Matcher(REGIONS).place("九州社区12号")
    assert (thin.outcome, thin.region_code, thin.confidence) == (
        Outcome.UNCERTAIN,
        "410611002001",
        0.25,
    )
    assert Matcher(REGIONS).place("火星路1号").outcome is Outcome.UNMATCHED
    assert Matcher(REGIONS).place("").outcome is Outcome.UNMATCHED
