"""Event ledger exports: one job per export, id `event-ledger:<export id>`, safe to run twice."""

from __future__ import annotations

import uuid
from typing import Any

from api import jobs
from api.domains.ledgers import service


async def export_event_ledger(ctx: dict[str, Any], export_id: str) -> str | None:
    """Write one export; a failure raises (arq tries again), the last one marks it failed."""
    try:
        state = await service.run(uuid.UUID(export_id))
    except Exception:
        if ctx.get("job_try", 1) >= jobs.MAX_TRIES:
            await service.fail(uuid.UUID(export_id), "the export stopped on an internal error")
        raise
    return state.value if state else None


async def requeue_ledger_exports(ctx: dict[str, Any]) -> int:
    """Queue again the ledger exports whose enqueue was lost."""
    return await service.requeue_stale(ctx["redis"])
