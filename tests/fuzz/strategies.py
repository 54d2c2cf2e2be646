"""Hostile values for the fuzzers: what a careless or malicious client sends."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st
from hypothesis_graphql import nodes

# Strings that hurt somewhere: NUL and control characters, XML-forbidden characters, very long
# text, odd Unicode, SQL and path fragments, numbers where text is expected.
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x01\x08\x0b\x0c\x1f",
        "\ufffe\uffff",
        "x" * 43,
        "x" * 92,
        "k" * 300,
        "长" * 5000,
        "'; DROP TABLE events; --",
        "../../etc/passwd",
        "%00",
        "1e20",
        "-1",
        "null",
        "\u202e\u200b",
    ]
)
TEXT = st.one_of(NASTY_TEXT, st.text(max_size=80))

DATES = st.one_of(
    st.sampled_from(["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01", "2026-02-30", "x"]),
    st.dates().map(lambda day: day.isoformat()),
)
DATETIMES = st.one_of(
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-12:00",
            "2026-01-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "2026-01-01",
            "x",
        ]
    ),
    st.datetimes().map(lambda moment: moment.isoformat()),
)
UUIDS = st.one_of(st.uuids().map(str), TEXT)
DECIMALS = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-1e400", "1e400", "0.1", "x"]),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)

CUSTOM_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Date": DATES.map(nodes.String),
    "DateTime": DATETIMES.map(nodes.String),
    "UUID": UUIDS.map(nodes.String),
    "Decimal": DECIMALS.map(nodes.String),
    "JSON": st.one_of(TEXT.map(nodes.String), st.integers().map(nodes.Int)),
}

# What no production error message may contain: Python's own words.
PYTHON_TEXT = re.compile(
    r"Traceback|NoneType|object has no attribute|has no len\(\)|not subscriptable|"
    r"unexpected keyword|positional argument|maximum recursion|"
    r"\b(?:KeyError|ValueError|TypeError|AttributeError|IndexError|RecursionError|"
    r"OverflowError|UnicodeError|ValidationError|IntegrityError|OperationalError)\b|"
    r"asyncpg|tortoise|strawberry|\.py\b|Did you mean"
)


def leaks(message: str) -> bool:
    return PYTHON_TEXT.search(message) is not None
