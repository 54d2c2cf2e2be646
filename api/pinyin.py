"""Pinyin search keys (拼音检索): the keys a name is found by, and the forms a query is looked up
in.

A name gives its characters (lower-cased, and folded to simplified characters when written in
traditional ones), its full pinyin and its initials without tones or spaces: 张三 → `张三`,
`zhangsan`, `zs`. A polyphonic character gives every reading (长 → chang, zhang), the most
common first; the combinations of a name are bounded (`MAX_READINGS`), so a name of many
polyphonic characters keeps its likeliest readings. Letters and digits stay as they are.

A query may mix characters and pinyin: its characters are read in full, so `张san`,
`zhang三`, `张s`, `zhangs` and `zs` all find 张三 by prefix. Traditional characters in a query are folded
to simplified ones first (OpenCC's t2s), so `張三` finds 张三 too."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Final

MAX_READINGS: Final = 8  # full-pinyin (and as many initials) combinations kept per name
MAX_CHARACTER_READINGS: Final = 3  # readings of one character considered
MAX_KEY_LENGTH: Final = 120


@cache
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters folded to simplified ones (OpenCC t2s); others unchanged."""
    if text.isascii():
        return text
    return str(_converter().convert(text))  # type: ignore[attr-defined]


def _is_han(character: str) -> bool:
    return "\u3400" <= character <= "\u9fff" or "\uf900" <= character <= "\ufaff"


@cache
def readings(character: str) -> tuple[str, ...]:
    """A character's readings without tones, the most common first (bounded)."""
    from pypinyin import Style, pinyin

    found = pinyin(character, style=Style.NORMAL, heteronym=True, errors="ignore")
    values = [value for value in (found[0] if found else []) if value.isascii() and value]
    return tuple(dict.fromkeys(values))[:MAX_CHARACTER_READINGS] or (character,)


def fold(text: str) -> str:
    """The text as keys and queries are compared: NFKC (full-width letters and digits become
    ASCII), simplified characters, lower case, without spaces and punctuation."""
    normal = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(c for c in normal if c.isalnum())


def _parts(folded: str) -> list[tuple[str, ...]]:
    """Per character: its readings (a Han character) or itself (a letter or digit)."""
    return [readings(c) if _is_han(c) else (c,) for c in folded]


def _combinations(parts: list[tuple[str, ...]], *, initials: bool) -> list[str]:
    choices = [tuple(dict.fromkeys(r[0] for r in part)) if initials else part for part in parts]
    combos = itertools.islice(itertools.product(*choices), MAX_READINGS)
    return list(dict.fromkeys("".join(combo)[:MAX_KEY_LENGTH] for combo in combos))


def keys_of(names: Iterable[str | None]) -> list[str]:
    """The search keys of a record's names: characters, full pinyin, initials (no duplicates)."""
    keys: dict[str, None] = {}
    for name in names:
        if not name:
            continue
        raw = "".join(c for c in unicodedata.normalize("NFKC", name).lower() if c.isalnum())
        folded = fold(name)
        if not folded:
            continue
        keys[raw[:MAX_KEY_LENGTH]] = None
        keys[folded[:MAX_KEY_LENGTH]] = None
        if any(_is_han(c) for c in folded):
            parts = _parts(folded)
            keys.update(dict.fromkeys(_combinations(parts, initials=False)))
            keys.update(dict.fromkeys(_combinations(parts, initials=True)))
    return [key for key in keys if key]


def query_forms(term: str) -> list[str]:
    """The prefixes a query is looked up by: its folded characters, and (when it has Han
    characters) those read as full pinyin, the rest of it kept as typed."""
    folded = fold(term)[:MAX_KEY_LENGTH]
    if not folded:
        return []
    forms = {folded: None}
    if any(_is_han(c) for c in folded):
        # read in full only: its characters' initials would find every namesake by initials
        # (张三 → zs → 赵四)
        forms.update(dict.fromkeys(_combinations(_parts(folded), initials=False)))
    return list(forms)


def prefix_upper(prefix: str) -> str:
    """The least string above every string starting with `prefix` (for a range scan)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
