"""Global object ids (`Type:key`, base64) and the Node interface."""

from __future__ import annotations

import base64
import binascii

import strawberry


@strawberry.interface(description="An object with a global id, fetchable with `node(id)`.")
class Node:
    @strawberry.field(description="Global, opaque id.")
    def id(self) -> strawberry.ID:
        return global_id(type(self).__strawberry_definition__.name, self.node_key())  # type: ignore[attr-defined]

    def node_key(self) -> str:
        raise NotImplementedError


def global_id(type_name: str, key: str) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode())


def parse_global_id(value: str) -> tuple[str, str] | None:
    """(type name, key) or None for a malformed id (treated as not found)."""
    try:
        decoded = base64.urlsafe_b64decode(value.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, separator, key = decoded.partition(":")
    return (type_name, key) if separator and key else None
