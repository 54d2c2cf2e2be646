"""The closed loop declared to the flow kernel: its table, transition table, timeline and
cards, time limits, change message and deadline enforcement (api/flows/)."""

from __future__ import annotations

from datetime import datetime
from typing import Final, TypedDict

from api.domains.events.clocks import load_limits
from api.domains.events.enforcement import EventDeadlines
from api.domains.events.enums import OPEN_STATUSES, EventStatus
from api.domains.events.models import CardRecord, Event, TimelineEntry
from api.domains.events.workflow import TRANSITIONS
from api.flows.definition import Flow, Store, register
from api.flows.records import snapshot_of


class EventSnapshot(TypedDict):
    """What a command centre's feed shows of an event in each change message."""

    id: str
    case_number: str
    title: str
    status: str
    priority: str
    category_key: str
    region_code: str
    handling_region_code: str
    handling_level: str
    card: str
    due_at: str | None
    version: int


def _entered(event: Event, now: datetime) -> None:
    if event.status is EventStatus.FILED and event.filed_at is None:
        event.filed_at = now
    if event.status is EventStatus.CLOSED:
        event.closed_at = now


EVENTS: Final = register(
    Flow(
        name="event",
        noun="an event",
        model=Event,
        states=EventStatus,
        transitions=TRANSITIONS,  # type: ignore[arg-type]
        open_states=OPEN_STATUSES,
        timeline=Store(TimelineEntry, record_column="event_id"),
        cards=Store(CardRecord, record_column="event_id"),
        kind=lambda event: event.category_key,
        limits=load_limits,  # type: ignore[arg-type]
        label=lambda event: f"{event.case_number}: {event.title}",
        topic="event",
        subject="event",
        snapshot=lambda event: snapshot_of(EventSnapshot, event),
        deadlines=EventDeadlines(),
        holder=lambda event: event.handling_region_code,
        card_columns=lambda event: {
            "handling_region_code": event.handling_region_code,
            "assignee_department_id": event.assignee_department_id,
            "assignee_user_id": event.assignee_user_id,
        },
        entered=_entered,
        notice_event=lambda event: event.id,
        changed_fields=(
            "handling_region_code",
            "handling_level",
            "assignee_department_id",
            "assignee_user_id",
            "escalation_count",
        ),
    )
)
