"""A meeting declared to the flow kernel: scheduled, then held (its minutes recorded) or
cancelled. Its clock runs to the day the minutes are due, so the shared sweep reminds, then
cards, an organiser who has not recorded them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, TypedDict

from api.domains.meetings.enums import Action, MeetingStatus, Stage
from api.domains.meetings.models import Meeting
from api.flows.calendar import DeadlineUnit
from api.flows.definition import Concerned, Flow, register
from api.flows.generic import CARDS, TIMELINE
from api.flows.limits import Rule, table_limits
from api.flows.records import snapshot_of
from api.flows.transitions import Transition

FLOW_NAME: Final = "meeting"
# Minutes are due a week after the meeting ends; the reminder falls at 90% of the time from
# scheduling to that day, the red card one such span past it.
MINUTES_WITHIN: Final = timedelta(days=7)
DEFAULTS: Final[dict[str, Rule]] = {
    Stage.MINUTES.value: Rule(1, DeadlineUnit.NATURAL_DAYS, 0.9, 2.0)
}


class MeetingSnapshot(TypedDict):
    id: str
    kind: str
    title: str
    status: str
    region_code: str
    starts_at: str
    due_at: str | None
    card: str
    version: int


def _deadline(record: Meeting, stage: object) -> datetime | None:
    return record.ends_at + MINUTES_WITHIN if stage == Stage.MINUTES else None


MEETINGS: Final = register(
    Flow(
        name=FLOW_NAME,
        noun="a meeting",
        model=Meeting,
        states=MeetingStatus,
        transitions={
            Action.RECORD_MINUTES: Transition(
                frozenset({MeetingStatus.SCHEDULED}), MeetingStatus.HELD
            ),
            Action.CANCEL: Transition(
                frozenset({MeetingStatus.SCHEDULED}), MeetingStatus.CANCELLED
            ),
        },
        open_states=frozenset({MeetingStatus.SCHEDULED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda record: record.kind,
        limits=table_limits(FLOW_NAME, DEFAULTS),
        label=lambda record: record.title,
        topic=FLOW_NAME,
        subject="meeting",
        snapshot=lambda record: snapshot_of(MeetingSnapshot, record),
        deadlines=Concerned(lambda record: [record.organiser_id]),
        deadline=_deadline,
    )
)
