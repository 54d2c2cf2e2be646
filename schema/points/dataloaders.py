"""Per-request loaders of dual-post points: one query per page of members."""

from __future__ import annotations

import uuid

from api.domains.points import ledger
from api.domains.points.flow import steps_of
from api.flows.models import FlowStep

BalanceKey = tuple[uuid.UUID, str | None]  # a member, and a period or None for all time


async def load_balances(keys: list[BalanceKey]) -> list[ledger.Totals]:
    found = await ledger.totals_of(keys)
    return [found[key] for key in keys]


async def load_steps(ids: list[uuid.UUID]) -> list[list[FlowStep]]:
    grouped = await steps_of(ids)
    return [grouped.get(i, []) for i in ids]
