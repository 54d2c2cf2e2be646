"""Housekeeping of workers' positions."""

from __future__ import annotations

from typing import Any

from api.domains.positions import service
from api.settings import get_settings


async def maintain_position_history(ctx: dict[str, Any]) -> dict[str, list[str]]:
    """Make the coming months' partitions of the positions' history; drop those past
    retention."""
    made, dropped = await service.maintain_history(
        retention_days=get_settings().gridgov_position_retention_days
    )
    return {"made": made, "dropped": dropped}
