"""Shared typing for resolvers."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.types import Info as StrawberryInfo

from schema.context import Context

Info: TypeAlias = StrawberryInfo[Context, None]
