"""The append-only timeline of an event and the feed message of each change."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from tortoise import connections

from api import outbox
from api.auth import Principal
from api.domains.events.enums import (
    Action,
    EventStatus,
)
from api.domains.events.models import Event, TimelineEntry


async def timelines(event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[TimelineEntry]]:
    rows = await TimelineEntry.filter(event_id__in=list(event_ids)).order_by("id")
    grouped: dict[uuid.UUID, list[TimelineEntry]] = {event_id: [] for event_id in event_ids}
    for row in rows:
        grouped.setdefault(uuid.UUID(str(row.event_id)), []).append(row)
    return grouped


async def last_steps(event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each event's latest timeline step happened (events with none are left out)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT ON (event_id) event_id, at FROM event_timeline"
        " WHERE event_id = ANY($1::uuid[]) ORDER BY event_id, id DESC",
        [[str(event_id) for event_id in event_ids]],
    )
    return {row["event_id"]: row["at"] for row in rows}


class Step(TypedDict):
    """What a timeline row says of a step that left the event as it is."""

    actor: Principal
    action: Action
    before: EventStatus | None
    before_region: str | None
    note: str
    now: datetime
    attachment_ids: NotRequired[Sequence[str]]


def step_row(event: Event, *, last_step: datetime | None, **step: Unpack[Step]) -> dict[str, Any]:
    """The timeline row of a step (`last_step`: when the previous one happened), to create
    alone or add with others in one statement."""
    actor, now = step["actor"], step["now"]
    return {
        "event_id": event.id,
        "action": step["action"],
        "actor_id": actor.user_id or actor.api_key_id,
        "actor_label": actor.label[:100],
        "from_status": step["before"],
        "to_status": event.status,
        "from_region_code": step["before_region"],
        "to_region_code": event.handling_region_code,
        "note": step["note"],
        "attachment_ids": list(step.get("attachment_ids", ())),
        "seconds_spent": int((now - last_step).total_seconds()) if last_step else None,
        "at": now,
    }


async def record_step(event: Event, **step: Unpack[Step]) -> TimelineEntry:
    last_step = (await last_steps([event.id])).get(event.id)
    return await TimelineEntry.create(**step_row(event, last_step=last_step, **step))


def change_payload(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """What a command centre's feed shows of a change: the action and the event's new state."""
    return {
        "action": action.value,
        "at": at.isoformat(),
        "actor": actor.label,
        "note": note,
        "event": {
            "id": str(event.id),
            "case_number": event.case_number,
            "title": event.title,
            "status": event.status.value,
            "priority": event.priority.value,
            "category_key": event.category_key,
            "region_code": event.region_code,
            "handling_region_code": event.handling_region_code,
            "handling_level": event.handling_level.value,
            "card": event.card.value,
            "due_at": event.due_at.isoformat() if event.due_at else None,
            "version": event.version,
        },
    }


def change_row(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """The outbox row of a change, for the feeds of the region where it happened."""
    return outbox.row(
        topic="event",
        region_code=event.region_code,
        payload=change_payload(event, action=action, actor=actor, at=at, note=note),
    )


async def publish_change(
    event: Event, *, action: Action, actor: Principal, at: datetime, note: str = ""
) -> None:
    """Write the change to the outbox (inside the caller's transaction)."""
    await outbox.add_many([change_row(event, action=action, actor=actor, at=at, note=note)])
