"""What codes are called, in Chinese and in English: one table that every front end reads (the
`vocabulary` query) instead of keeping its own translation of each enum. Codes never change;
only labels do, which is why the vocabulary carries a version.

Each domain registers the labels of its own enums (`register`, at import, beside the enums), so
a domain above the events domain labels its codes without the events domain importing it; the
schema imports every domain, so the query serves them all. An enum registered with a member
unlabelled fails at import: a missing label is found by the first test, not by a user."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum
from functools import cache

import orjson

ZH, EN = "zh-CN", "en"
LANGUAGES = (ZH, EN)

# GraphQL enum name → (enum, code → (zh-CN, en)). The keys are the codes clients see.
LABELS: dict[str, tuple[type[StrEnum], Mapping[StrEnum, tuple[str, str]]]] = {}


def register(name: str, enum: type[StrEnum], labels: Mapping[StrEnum, tuple[str, str]]) -> None:
    """Label every member of `enum`, served as the vocabulary list `name` (its GraphQL name)."""
    if name in LABELS and LABELS[name][0] is not enum:
        raise ValueError(f"vocabulary {name} is registered twice")
    missing = [member.name for member in enum if member not in labels]
    extra = [member for member in labels if member not in set(enum)]
    if missing or extra:
        raise ValueError(f"vocabulary {name}: unlabelled {missing}, not members {extra}")
    for member, (chinese, english) in labels.items():
        if not any("\u4e00" <= ch <= "\u9fff" for ch in chinese):
            raise ValueError(f"vocabulary {name}.{member.name}: {chinese!r} is not Chinese")
        if not (english.isascii() and english.strip()):
            raise ValueError(f"vocabulary {name}.{member.name}: {english!r} is not English")
    LABELS[name] = (enum, labels)
    version.cache_clear()


def terms(language: str) -> dict[str, list[tuple[str, str]]]:
    """Every vocabulary's (code as clients see it, label) in `language`, by name, each in its
    enum's order (the same order in every process, whatever imported what first)."""
    index = LANGUAGES.index(language)
    return {
        name: [(member.name, labels[member][index]) for member in enum]
        for name, (enum, labels) in sorted(LABELS.items())
    }


def label(name: str, code: str, language: str = ZH) -> str:
    """The label of one code (its value, as stored) in `language`; the code itself if unknown."""
    enum, labels = LABELS[name]
    try:
        return labels[enum(code)][LANGUAGES.index(language)]
    except ValueError:
        return code


@cache
def version() -> str:
    """Changes whenever a label or a code does: a client caches the vocabulary by it."""
    content = {language: terms(language) for language in LANGUAGES}
    return hashlib.sha256(orjson.dumps(content)).hexdigest()[:16]
