"""Deadline enforcement, every minute (DESIGN.md §6)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.domains.events.enforcement import sweep


async def enforce_deadlines(ctx: dict[str, Any]) -> dict[str, int]:
    """Remind, card and escalate whatever is due; safe to run twice or on two workers at once."""
    return asdict(await sweep())
