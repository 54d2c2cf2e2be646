"""The import-progress feed: one job's messages on its region's channel."""

from __future__ import annotations

import uuid

from api.auth import Principal
from api.domains.imports import service
from api.errors import NotFound
from api.feeds import FeedSource
from api.outbox import OutboxMessage, replay
from api.realtime import channel


async def import_progress(*, actor: Principal, job_id: uuid.UUID) -> FeedSource:
    """The job's feed (NOT_FOUND for a job outside the actor's scope); replay starts at the job's
    first message, whatever `after` the client sends."""
    try:
        job = await service.get_job(actor=actor, job_id=job_id)
    except NotFound as error:
        error.field = "jobId"
        raise
    key = str(job.id)
    query = OutboxMessage.filter(topic="import", region_code=job.region_code)
    return FeedSource(
        channel("import", job.region_code),
        replay=lambda after, up_to: replay(query, after, up_to),
        accept=lambda message: message.get("job_id") == key,
        replay_from=(job.first_sequence or 1) - 1,
    )
