"""Progress of an import job: saved on the job and pushed through the outbox (topic "import")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from api import clock, outbox
from api.domains.imports.models import ImportJob


def payload(job: ImportJob) -> dict[str, Any]:
    return {
        "job_id": str(job.id),
        "kind": job.kind.value,
        "state": job.state.value,
        "rows_read": job.rows_read,
        "rows_valid": job.rows_valid,
        "rows_failed": job.rows_failed,
        "rows_inserted": job.rows_inserted,
        "rows_updated": job.rows_updated,
        "rows_unchanged": job.rows_unchanged,
        "error": job.error,
        "at": clock.now().isoformat(),
    }


async def publish(job: ImportJob, *, fields: Sequence[str]) -> None:
    """Save the changed fields and queue a progress message, in one short transaction."""
    async with in_transaction():
        await job.save(update_fields=[*fields, "updated_at"])
        await outbox.add(topic="import", region_code=job.region_code, payload=payload(job))
