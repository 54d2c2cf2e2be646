"""Where a row of the effective permission matrix comes from."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


class PermissionSource(StrEnum):
    SHIPPED = "shipped"  # policies/policy.csv, everywhere
    GRANTED = "granted"  # a grant at this region or above it
    WITHDRAWN = "withdrawn"  # a withdrawal at this region or above it


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "PermissionSource",
    PermissionSource,
    {
        PermissionSource.SHIPPED: ("系统默认", "Shipped policy"),
        PermissionSource.GRANTED: ("授权", "Granted"),
        PermissionSource.WITHDRAWN: ("收回", "Withdrawn"),
    },
)
