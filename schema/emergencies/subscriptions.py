"""The emergencies live feed: a command centre's situation, resumable like eventChanges."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry

from api.domains.emergencies.enums import IncidentStatus, ResponseLevel, TaskStatus
from api.feeds import emergencies as feeds_emergencies
from api.flows import Card
from schema.permissions import signed_in
from schema.realtime.subscriptions import feed
from schema.types import Info


@strawberry.type(description="An incident's state right after a change.")
class IncidentSnapshot:
    uuid: str
    number: str
    title: str
    type_code: str
    status: IncidentStatus
    level: ResponseLevel | None
    drill: bool
    region_code: str
    commander_id: str | None
    stage: str | None
    due_at: datetime | None
    card: Card
    version: int


@strawberry.type(description="A task's state right after a change.")
class IncidentTaskSnapshot:
    uuid: str
    incident_id: str
    title: str
    department_id: str | None
    team: str | None
    status: TaskStatus
    region_code: str
    due_at: datetime | None
    card: Card
    version: int


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _incident(data: dict[str, Any]) -> IncidentSnapshot:
    return IncidentSnapshot(
        uuid=data["id"],
        number=data["number"],
        title=data["title"],
        type_code=data["type_code"],
        status=IncidentStatus(data["status"]),
        level=ResponseLevel(data["level"]) if data["level"] else None,
        drill=data["drill"],
        region_code=data["region_code"],
        commander_id=data["commander_id"],
        stage=data["stage"],
        due_at=_time(data["due_at"]),
        card=Card(data["card"]),
        version=data["version"],
    )


def _task(data: dict[str, Any]) -> IncidentTaskSnapshot:
    return IncidentTaskSnapshot(
        uuid=data["id"],
        incident_id=data["incident_id"],
        title=data["title"],
        department_id=data["department_id"],
        team=data["team"],
        status=TaskStatus(data["status"]),
        region_code=data["region_code"],
        due_at=_time(data["due_at"]),
        card=Card(data["card"]),
        version=data["version"],
    )


@strawberry.type(description="A change of an incident or one of its tasks, in sequence order.")
class EmergencyChange:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    action: str = strawberry.field(
        description="An IncidentAction or IncidentTaskAction value, "
        "or remind / yellow_card / red_card from the deadline sweep."
    )
    at: datetime
    actor_label: str
    note: str
    incident: IncidentSnapshot | None = strawberry.field(
        description="Set when the incident changed."
    )
    task: IncidentTaskSnapshot | None = strawberry.field(description="Set when a task changed.")


def _change(message: dict[str, Any]) -> EmergencyChange:
    return EmergencyChange(
        sequence=message["sequence"],
        action=message["action"],
        at=datetime.fromisoformat(message["at"]),
        actor_label=message["actor"],
        note=message.get("note", ""),
        incident=_incident(message["incident"]) if "incident" in message else None,
        task=_task(message["task"]) if "task" in message else None,
    )


@strawberry.type
class EmergenciesSubscription:
    @strawberry.subscription(
        description="Every change of an incident or its tasks under `scope` (command centres). "
        "With `after`, what was missed is replayed first, then the feed goes live: no gap, no "
        "duplicate. If the feed breaks, it ends with an error: resubscribe with the last sequence.",
        extensions=signed_in(),
    )
    async def emergencies(
        self, info: Info, scope: str, after: int | None = None
    ) -> AsyncGenerator[EmergencyChange, None]:
        principal = info.context.principal
        async for change in feed(
            info.context,
            lambda: feeds_emergencies.emergencies(actor=principal, scope=scope),
            _change,
            after=after,
        ):
            yield change
