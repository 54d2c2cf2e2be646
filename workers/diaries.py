"""Diary quotas assessed once their period is over (DESIGN.md §6)."""

from __future__ import annotations

from typing import Any

from api.domains.diaries import service
from api.domains.diaries.enums import QuotaPeriod


async def assess_diary_quotas(ctx: dict[str, Any]) -> dict[str, int]:
    """Assess the last complete week and month of every quota holder (a rerun adds nothing)."""
    return {period.value: await service.assess_quotas(period=period) for period in QuotaPeriod}
