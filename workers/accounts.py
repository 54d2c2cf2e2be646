"""Housekeeping of sign-in sessions."""

from __future__ import annotations

from typing import Any

from api.domains.accounts import service


async def prune_sessions(ctx: dict[str, Any]) -> int:
    """Drop sessions ended longer ago than the retention period."""
    return await service.prune_sessions()
