"""How the statistics queries reach PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction


async def rows(sql: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
    """Run one aggregate query without JIT: these plans cost enough to trigger it, and compiling
    them takes longer (0.3–0.7 s measured) than running them (tens of milliseconds)."""
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL jit = off")
        return list(await connection.execute_query_dict(sql, list(parameters)))
