"""Nightly frozen rankings (考核排名存档)."""

from __future__ import annotations

from typing import Any

from api.domains.stats.service import freeze_rankings as freeze


async def freeze_rankings(ctx: dict[str, Any]) -> int:
    """Freeze yesterday, last week and last month for every city and district (idempotent: a
    frozen period is never recomputed, so rule changes never alter it)."""
    return await freeze()
