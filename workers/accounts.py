"""Housekeeping of sign-in sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api import clock
from api.domains.accounts.models import UserSession

# Ended sessions are kept a while for the security review of a stolen token, then dropped.
SESSION_RETENTION = timedelta(days=30)


async def prune_sessions(ctx: dict[str, Any]) -> int:
    """Delete sessions that expired or were revoked more than the retention period ago."""
    cutoff = clock.now() - SESSION_RETENTION
    expired = await UserSession.filter(expires_at__lt=cutoff).delete()
    revoked = await UserSession.filter(revoked_at__lt=cutoff).delete()
    return int(expired) + int(revoked)
