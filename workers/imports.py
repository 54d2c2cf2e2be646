"""Bulk import: one job per file (never per row), id `import:<job id>`, safe to run twice."""

from __future__ import annotations

import uuid
from typing import Any

from api import jobs
from api.domains.imports import service


async def run_import(ctx: dict[str, Any], job_id: str) -> str | None:
    """Run one import job; unexpected failures raise (arq retries), the last one marks it failed."""
    last_try = ctx.get("job_try", 1) >= jobs.MAX_TRIES
    state = await service.run(uuid.UUID(job_id), last_try=last_try)
    return state.value if state else None


async def requeue_imports(ctx: dict[str, Any]) -> int:
    """Queue again the jobs whose enqueue was lost (Redis down after the commit)."""
    return await service.requeue_stale(ctx["redis"])


async def purge_imports(ctx: dict[str, Any]) -> int:
    """Delete finished import jobs, their row problems and files past the retention period."""
    return await service.purge_finished()
