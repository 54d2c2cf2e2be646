"""Per-request loaders of dual-post points: one query per page of members."""

from __future__ import annotations

import uuid

from api.domains.points import ledger

BalanceKey = tuple[uuid.UUID, str | None]  # a member, and a period or None for all time


async def load_balances(keys: list[BalanceKey]) -> list[ledger.Totals]:
    found = await ledger.totals_of(keys)
    return [found[key] for key in keys]
