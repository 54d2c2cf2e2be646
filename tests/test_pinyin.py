"""The pinyin keys of a name and the forms of a query (api/pinyin.py): pure functions."""

from __future__ import annotations

from api import pinyin


def test_a_name_gives_its_characters_full_pinyin_and_initials() -> None:
    keys = pinyin.keys_of(["张三"])
    assert keys[0] == "张三"
    assert {"zhangsan", "zs"} <= set(keys)


def test_a_polyphonic_character_gives_every_reading_bounded() -> None:
    keys = set(pinyin.keys_of(["长乐"]))
    assert {"changle", "zhangle", "cl", "zl"} <= keys
    many = pinyin.keys_of(["长长长长长长长长长"])
    assert len(many) <= 2 + 2 * pinyin.MAX_READINGS


def test_traditional_characters_fold_to_simplified() -> None:
    assert pinyin.fold("張三") == "张三"
    assert "张三" in pinyin.query_forms("張三")
    assert "鹤壁" in pinyin.keys_of(["鶴壁"])


def test_a_query_may_mix_characters_and_pinyin() -> None:
    keys = pinyin.keys_of(["张三"])
    for query in ("张san", "zhang三", "张s", "zs", "zhangs", "ＺＳ", "Zhang San"):
        forms = pinyin.query_forms(query)
        assert any(key.startswith(form) for key in keys for form in forms), query


def test_letters_and_digits_stay_as_typed() -> None:
    assert set(pinyin.keys_of(["王某17"])) >= {"王某17", "wangmou17", "wm17"}
    assert pinyin.query_forms("  ") == []
    assert pinyin.keys_of([None, ""]) == []
