"""Parsing helpers for scalar arguments."""

from __future__ import annotations

import uuid

from schema.node import parse_global_id


def parse_uuid(value: str, type_name: str | None = None) -> uuid.UUID | None:
    """A UUID given raw or as a global id of `type_name`; None when malformed (= not found)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    parsed = parse_global_id(value)
    if parsed is None or (type_name is not None and parsed[0] != type_name):
        return None
    try:
        return uuid.UUID(parsed[1])
    except ValueError:
        return None
