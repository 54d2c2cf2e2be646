"""The live pushes of notices published to many, written right after the publish committed."""

from __future__ import annotations

import uuid
from typing import Any

from api.domains.announcements import service


async def push_announcement(ctx: dict[str, Any], announcement_id: str) -> int:
    """Write each recipient's push of one notice (once: a rerun writes nothing)."""
    return await service.push(announcement_id=uuid.UUID(announcement_id))


async def push_overdue_announcements(ctx: dict[str, Any]) -> int:
    """Push the notices whose job was lost (Redis down when they were published)."""
    return await service.push_overdue()
