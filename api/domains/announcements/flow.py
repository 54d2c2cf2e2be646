"""A notice that requires acknowledgement, declared to the flow kernel: its clock runs to the
publisher's deadline, and the shared sweep reminds, then cards, those recipients who have not
acknowledged (each once per notice and recipient: the sweep enforces each level once)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Final, TypedDict

from api import bulk, clock
from api.domains.announcements.enums import Action, AnnouncementStatus, Stage
from api.domains.announcements.models import Announcement, AnnouncementRecipient
from api.flows.calendar import DeadlineUnit
from api.flows.clocks import REMINDED
from api.flows.definition import Flow, register
from api.flows.generic import CARDS, TIMELINE
from api.flows.limits import Rule, table_limits
from api.flows.records import snapshot_of
from api.flows.sweep import Writes
from api.flows.transitions import Transition

FLOW_NAME: Final = "announcement"
# Only the shares matter: the clock runs to the publisher's deadline. Remind the laggards at 80%
# of the time given; the red card falls one time-given past the deadline.
DEFAULTS: Final[dict[str, Rule]] = {
    Stage.ACKNOWLEDGE.value: Rule(1, DeadlineUnit.NATURAL_DAYS, 0.8, 2.0)
}


class AnnouncementSnapshot(TypedDict):
    id: str
    title: str
    status: str
    priority: str
    region_code: str
    recipient_count: int
    due_at: str | None
    card: str
    version: int


class Laggards:
    """Who has not acknowledged each notice of a due batch (one query for the batch)."""

    def __init__(self, pending: dict[uuid.UUID, list[uuid.UUID]]):
        self.pending = pending

    def concerned(self, record: Announcement) -> Sequence[uuid.UUID]:
        return self.pending.get(record.id, [])

    def after_cards(self, record: Announcement, writes: Writes[Announcement]) -> bool:
        return False


class AcknowledgementDeadlines:
    async def prepare(self, records: Sequence[Announcement], now: datetime) -> Laggards:
        rows = await AnnouncementRecipient.filter(
            announcement_id__in=[r.id for r in records], acknowledged_at=None
        ).values_list("announcement_id", "user_id")
        pending: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for announcement_id, user_id in rows:
            pending[announcement_id].append(user_id)
        return Laggards(pending)

    async def update(self, records: Sequence[Announcement], fields: Sequence[str]) -> None:
        await bulk.update(records, fields)
        reminded = [r.id for r in records if r.warning_level >= REMINDED]
        if reminded:
            await AnnouncementRecipient.filter(
                announcement_id__in=reminded, acknowledged_at=None, reminded_at=None
            ).update(reminded_at=clock.now())


def _deadline(record: Announcement, stage: object) -> datetime | None:
    return record.acknowledge_by if stage == Stage.ACKNOWLEDGE else None


ANNOUNCEMENTS: Final = register(
    Flow(
        name=FLOW_NAME,
        noun="a notice",
        model=Announcement,
        states=AnnouncementStatus,
        transitions={
            Action.REVOKE: Transition(
                frozenset({AnnouncementStatus.PUBLISHED}), AnnouncementStatus.REVOKED
            ),
        },
        open_states=frozenset({AnnouncementStatus.PUBLISHED}),
        timeline=TIMELINE,
        cards=CARDS,
        kind=lambda record: record.priority,
        limits=table_limits(FLOW_NAME, DEFAULTS),
        label=lambda record: record.title,
        topic=FLOW_NAME,
        subject="announcement",
        snapshot=lambda record: snapshot_of(AnnouncementSnapshot, record),
        deadlines=AcknowledgementDeadlines(),
        deadline=_deadline,
    )
)
