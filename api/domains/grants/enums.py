"""Where a row of the effective permission matrix comes from."""

from __future__ import annotations

from enum import StrEnum


class PermissionSource(StrEnum):
    SHIPPED = "shipped"  # policies/policy.csv, everywhere
    GRANTED = "granted"  # a grant at this region or above it
    WITHDRAWN = "withdrawn"  # a withdrawal at this region or above it
