"""The ledger-export progress feed: one export's messages on its region's channel, to the one
who asked for it."""

from __future__ import annotations

import uuid

from api.auth import Principal
from api.domains.ledgers import service
from api.errors import NotFound
from api.feeds import FeedSource
from api.outbox import OutboxMessage, replay
from api.realtime import channel


async def ledger_export_progress(*, actor: Principal, export_id: uuid.UUID) -> FeedSource:
    """The export's feed (NOT_FOUND for anyone's but the caller's); replay starts at the
    export's first message, whatever `after` the client sends."""
    try:
        export = await service.mine(actor=actor, export_id=export_id)
    except NotFound as error:
        error.field = "exportId"
        raise
    key = str(export.id)
    query = OutboxMessage.filter(topic=service.TOPIC, region_code=export.region_code)
    return FeedSource(
        channel(service.TOPIC, export.region_code),
        replay=lambda after, up_to: replay(query, after, up_to),
        accept=lambda message: message.get("export_id") == key,
        replay_from=(export.first_sequence or 1) - 1,
    )
