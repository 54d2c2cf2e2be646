"""The append-only timeline of an event and the feed message of each change: the kernel's
(api/flows/records.py) on the events flow's tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Unpack

from api import outbox
from api.auth import Principal
from api.domains.events.enums import Action
from api.domains.events.flow import EVENTS
from api.domains.events.models import Event, TimelineEntry
from api.flows import records
from api.flows.records import Step
from api.query import rows_by_record

__all__ = [
    "Step",
    "change_payload",
    "change_row",
    "last_steps",
    "publish_change",
    "record_step",
    "step_row",
    "timelines",
]


async def timelines(event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[TimelineEntry]]:
    return await rows_by_record(TimelineEntry.all().order_by("id"), event_ids, "event_id")


async def last_steps(event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each event's latest timeline step happened (events with none are left out)."""
    return await records.last_steps(EVENTS.timeline, event_ids)


def step_row(event: Event, *, last_step: datetime | None, **step: Unpack[Step]) -> dict[str, Any]:
    """The timeline row of a step (`last_step`: when the previous one happened), to create
    alone or add with others in one statement."""
    return records.step_row(EVENTS, event, last_step=last_step, **step)


async def record_step(event: Event, **step: Unpack[Step]) -> TimelineEntry:
    entry = await records.record_step(EVENTS, event, **step)
    assert isinstance(entry, TimelineEntry)
    return entry


def change_payload(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """What a command centre's feed shows of a change: the action and the event's new state."""
    return records.change_payload(EVENTS, event, action=action, actor=actor, at=at, note=note)


def change_row(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """The outbox row of a change, for the feeds of the region where it happened."""
    return records.change_row(EVENTS, event, action=action, actor=actor, at=at, note=note)


async def publish_change(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> None:
    """Write the change to the outbox (inside the caller's transaction)."""
    await outbox.add_many([change_row(event, action=action, actor=actor, at=at, note=note)])
