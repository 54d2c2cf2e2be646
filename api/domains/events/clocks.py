"""Stage clocks of events: the kernel's (api/flows/clocks.py), by the category's time limits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from api.domains.events import reference
from api.domains.events.enums import Stage
from api.domains.events.models import Event
from api.flows import clocks
from api.flows.calendar import LOCAL, calendar_from
from api.flows.clocks import Limits


async def load_limits(needs: Iterable[tuple[str, Stage]], now: datetime) -> Limits:
    """The rules of these (category, stage) pairs, and the calendar from `now` on."""
    return Limits(
        rules=await reference.rules_for(needs),  # type: ignore[arg-type]
        calendar=await calendar_from(now.astimezone(LOCAL).date()),
    )


def run_clock(event: Event, stage: Stage | None, now: datetime, limits: Limits | None) -> None:
    """Start the clock of `stage` from `now` (or stop every clock, for no stage)."""
    clocks.run_clock(event, kind=event.category_key, stage=stage, now=now, limits=limits)


async def start_stage(event: Event, stage: Stage | None, now: datetime) -> None:
    """Start the clock of `stage` (or stop every clock)."""
    limits = await load_limits([(event.category_key, stage)], now) if stage else None
    run_clock(event, stage, now, limits)
