"""The published notice graphql_examples/ operate on, and its placeholders."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api import clock
from api.auth import Assignment, Principal
from api.domains.announcements import service


async def announcement_fixtures() -> dict[str, str]:
    """A notice that asks the grid workers of 淇滨区 to acknowledge it within two days
    (regions and the grid workers must exist)."""
    centre = Principal(
        user_id=uuid.uuid4(),
        username="district.centre",
        display_name="淇滨区指挥中心",
        assignments=(Assignment("district_command", "410611"),),
    )
    published = await service.publish(
        actor=centre,
        title="关于开展冬季消防安全排查的通知",
        body="请各网格员于本周内完成辖区消防通道排查，并在系统中确认收到。",
        audience=service.Audience(region_codes=["410611"], roles=["grid_worker"]),
        require_acknowledgement=True,
        acknowledge_by=clock.now() + timedelta(days=2),
    )
    return {
        "<announcement_id>": str(published.id),
        "<in_two_days>": (clock.now() + timedelta(days=2)).isoformat(),
    }
