"""Bulk import: one job per file (never per row), id `import:<job id>`, safe to run twice."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from api import clock
from api.domains.imports import pipeline
from api.domains.imports.enums import ImportState
from api.domains.imports.models import ImportJob
from api.domains.imports.service import job_key

# A job queued this long without a worker picking it up lost its enqueue (Redis down after the
# commit): queue it again under the same id.
STALE_QUEUED = timedelta(minutes=2)
MAX_TRIES = 5  # WorkerSettings.max_tries


async def run_import(ctx: dict[str, Any], job_id: str) -> str | None:
    """Run one import job; unexpected failures raise (arq retries), the last one marks it failed."""
    try:
        state = await pipeline.run(uuid.UUID(job_id))
    except Exception:
        if ctx.get("job_try", 1) >= MAX_TRIES:
            job = await ImportJob.get_or_none(id=job_id)
            if job is not None:
                await pipeline.fail(job, "the import stopped on an internal error; start it again")
        raise
    return state.value if state else None


async def requeue_imports(ctx: dict[str, Any]) -> int:
    """Queue again the jobs whose enqueue was lost (the same job id: never twice)."""
    stale = await ImportJob.filter(
        state=ImportState.QUEUED, created_at__lt=clock.now() - STALE_QUEUED
    ).values_list("id", flat=True)
    for job_id in map(uuid.UUID, map(str, stale)):
        await ctx["redis"].enqueue_job("run_import", str(job_id), _job_id=job_key(job_id))
    return len(stale)
