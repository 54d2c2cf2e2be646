"""What every registry mutation shares: reading the fields a client sent, reading IDs, and who
may call it."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import strawberry

from api.errors import NotFound
from schema.permissions import allow
from schema.scalars import parse_uuid

# An input field left out (kept as is), unlike null (cleared).
UNSET: Any = strawberry.UNSET

CREATE = allow("registry", "create")
UPDATE = allow("registry", "update")


def provided(value: Any, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client sent (null included: it clears), as the model's column names."""
    if value is None:
        return {}
    return {
        f.name: getattr(value, f.name)
        for f in dataclasses.fields(value)
        if f.name not in skip and getattr(value, f.name) is not strawberry.UNSET
    }


def optional_id(value: strawberry.ID | None, type_name: str | None, field: str) -> uuid.UUID | None:
    """The record an ID names, or None when none was given; a malformed one is not found."""
    if value is None or value is strawberry.UNSET:
        return None
    parsed = parse_uuid(value, type_name)
    if parsed is None:
        raise NotFound((type_name or "record").lower(), value, field=field)
    return parsed


def required_id(value: strawberry.ID, type_name: str | None, field: str = "id") -> uuid.UUID:
    parsed = optional_id(value, type_name, field)
    assert parsed is not None
    return parsed
