"""What the kernel writes with every change: the timeline row and the live change message.

Both are built as plain rows (to add alone, or many in one statement as the sweep does) in
the transaction that makes the change."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, NotRequired, TypedDict, TypeVar, Unpack

from tortoise import connections
from tortoise.models import Model

from api import messages, outbox
from api.auth import Principal
from api.flows.definition import Flow, Store

R = TypeVar("R", bound=Model)
SYSTEM = Principal(username="system")  # who the sweep's steps are by


class Step(TypedDict):
    """What a timeline row says of a step that left the record as it is."""

    actor: Principal
    action: Enum
    before: Enum | None  # the state before (None for the record's first step)
    before_region: str | None  # the region holding it before
    note: str
    now: datetime
    attachment_ids: NotRequired[Sequence[str]]


def step_row(
    flow: Flow[R], record: R, *, last_step: datetime | None, **step: Unpack[Step]
) -> dict[str, Any]:
    """The timeline row of a step (`last_step`: when the previous one happened), to create
    alone or add with others in one statement."""
    actor, now = step["actor"], step["now"]
    return {
        **flow.timeline.key(flow.name, record.pk),
        "action": step["action"],
        "actor_id": actor.user_id or actor.api_key_id,
        "actor_label": actor.label[:100],
        "from_status": step["before"],
        "to_status": flow.state_of(record),
        "from_region_code": step["before_region"],
        "to_region_code": flow.holder(record),
        "note": messages.written(step["note"])[0],
        "attachment_ids": list(step.get("attachment_ids", ())),
        "seconds_spent": int((now - last_step).total_seconds()) if last_step else None,
        "at": now,
    }


async def last_steps(store: Store, record_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each record's latest timeline step happened (records with none are left out)."""
    table, column = store.model._meta.db_table, store.record_column
    rows = await connections.get("default").execute_query_dict(
        f'SELECT DISTINCT ON ("{column}") "{column}" AS record_id, "at" FROM "{table}"'
        f' WHERE "{column}" = ANY($1::uuid[]) ORDER BY "{column}", "id" DESC',
        [[str(record_id) for record_id in record_ids]],
    )
    return {row["record_id"]: row["at"] for row in rows}


async def record_step(flow: Flow[R], record: R, **step: Unpack[Step]) -> Model:
    """Add the step's timeline row; call inside the transaction that makes the change."""
    last_step = (await last_steps(flow.timeline, [record.pk])).get(record.pk)
    return await flow.timeline.model.create(**step_row(flow, record, last_step=last_step, **step))


class Change(TypedDict):
    """A live change message: the action, when, by whom, its note, and the record as it now
    is under the flow's `subject` key (one TypedDict per flow's snapshot)."""

    action: str
    at: str
    actor: str
    note: str


def change_payload(
    flow: Flow[R], record: R, *, action: Enum, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """What a feed shows of a change: the action and the record's new state."""
    text, stored = messages.written(note)
    change = Change(action=str(action.value), at=at.isoformat(), actor=actor.label, note=text)
    payload: dict[str, Any] = {**change, flow.subject: dict(flow.snapshot(record))}
    if stored is not None:
        # a note the system wrote: its msgid and parameters too, the stable form a webhook's
        # receiver can key on (the text is in the deployment's language)
        payload["note_message"] = stored
    return payload


def change_row(
    flow: Flow[R], record: R, *, action: Enum, actor: Principal, at: datetime, note: str = ""
) -> dict[str, Any]:
    """The outbox row of a change, for the feeds of the record's region."""
    return outbox.row(
        topic=flow.topic,
        region_code=record.region_code,  # type: ignore[attr-defined]
        payload=change_payload(flow, record, action=action, actor=actor, at=at, note=note),
    )


async def publish_change(
    flow: Flow[R], record: R, *, action: Enum, actor: Principal, at: datetime, note: str = ""
) -> None:
    """Write the change to the outbox (inside the caller's transaction)."""
    await outbox.add_many([change_row(flow, record, action=action, actor=actor, at=at, note=note)])


def snapshot_of(shape: type[Any], record: object) -> dict[str, Any]:
    """The record's fields named by `shape` (a TypedDict or dataclass written once per flow),
    as JSON values: enums by value, times in ISO 8601, ids as text."""
    names = (
        [f.name for f in dataclasses.fields(shape)]
        if dataclasses.is_dataclass(shape)
        else list(shape.__annotations__)
    )
    return {name: _plain(getattr(record, name)) for name in names}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
