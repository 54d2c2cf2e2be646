"""What every registry mutation shares: reading the fields a client sent, reading IDs, and who
may call it."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

import strawberry

from api.domains.registry.records import held_change
from api.errors import NotFound
from schema.permissions import allow
from schema.registry.types import PendingChangeType
from schema.scalars import parse_uuid
from schema.types import Info

# An input field left out (kept as is), unlike null (cleared).
UNSET: Any = strawberry.UNSET

CREATE = allow("registry", "create")

ClientId = Annotated[
    uuid.UUID | None,
    strawberry.argument(
        description="A client-chosen id (a UUID): a retried create with it (offline phones) "
        "returns the same record; someone else's record with it is ALREADY_EXISTS."
    ),
]
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


def held(info: Info, record: Any) -> PendingChangeType | None:
    """The pending change an edit was held as (审核), if it was."""
    change = held_change(record)
    return PendingChangeType.from_model(change, info) if change is not None else None
