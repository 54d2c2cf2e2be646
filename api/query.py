"""Query building blocks shared by every domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q


def subtree_filter(prefixes: Sequence[str], column: str = "code") -> Q:
    """`column` lies under one of the prefixes; no prefixes matches nothing (deny all)."""
    if not prefixes:
        nothing: dict[str, Any] = {f"{column}__in": []}
        return Q(**nothing)
    branches = [Q(**{f"{column}__startswith": prefix}) for prefix in prefixes]
    return Q(*branches, join_type="OR")


def path_filter(prefixes: Sequence[str], columns: dict[int, str]) -> Q:
    """Like subtree_filter, on a table that stores each ancestor code in its own column
    (`columns` maps a code length to the column holding the ancestor of that length)."""
    if not prefixes:
        nothing: dict[str, Any] = {f"{columns[max(columns)]}__in": []}
        return Q(**nothing)
    branches = [Q(**{columns[len(prefix)]: prefix}) for prefix in prefixes]
    return Q(*branches, join_type="OR")
