"""The kinds of community service a provider may offer, as data (`kinds.json`): a key clients
send, and its Chinese and English names."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from api.errors import ErrorCode, ValidationFailed
from api.i18n import _

MAX_KINDS = 10  # a provider's own list


@dataclass(frozen=True, slots=True)
class ServiceKind:
    key: str
    zh: str
    en: str


@functools.cache
def service_kinds() -> dict[str, ServiceKind]:
    """Every kind by key, in the file's order."""
    rows = json.loads((Path(__file__).parent / "kinds.json").read_text(encoding="utf-8"))
    return {row["key"]: ServiceKind(row["key"], row["zh"], row["en"]) for row in rows}


def kind(key: str, *, field: str = "kind") -> str:
    """A known kind's key (else a typed INVALID_CODE)."""
    if key not in service_kinds():
        raise ValidationFailed(
            _("{key!r} is not a service kind", key=key[:30]),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    return key


def kinds(keys: list[str], *, field: str = "kinds") -> list[str]:
    """At least one and at most MAX_KINDS known kinds, without repeats, in the given order."""
    if not keys or len(keys) > MAX_KINDS:
        raise ValidationFailed(
            _("{field}: between 1 and {MAX_KINDS} kinds", field=field, MAX_KINDS=MAX_KINDS),
            field=field,
        )
    return list(dict.fromkeys(kind(key, field=field) for key in keys))
