"""Per-request loaders of supervision records' relations."""

from __future__ import annotations

import uuid

from api.domains.supervision.reports import steps_of
from api.flows.models import FlowStep


async def load_steps(ids: list[uuid.UUID]) -> list[list[FlowStep]]:
    grouped = await steps_of(ids)
    return [grouped.get(i, []) for i in ids]
