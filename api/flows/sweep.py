"""The deadline sweep: reminder, yellow card, red card (and what a flow does then) for the due
stages of every registered flow.

Run by the worker every minute (workers/events.py). Each batch of a flow's due records is
claimed with `FOR UPDATE SKIP LOCKED` and enforced in one transaction: worked on in memory,
then written with a statement per table. `warning_level` records how far each running deadline
has been enforced, so every stage happens once per record and deadline however often the sweep
runs and however many workers run it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.transactions import in_transaction

from api import bulk, clock, messages, outbox
from api.domains.notices import service as notices
from api.domains.notices.models import Notice
from api.flows.clocks import RED, REMINDED, YELLOW, Card, due, reached
from api.flows.definition import CLOCK_FIELDS, FLOWS, Batch, Flow
from api.flows.records import SYSTEM, change_row, last_steps, step_row
from api.i18n import _

R = TypeVar("R", bound=Model)
BATCH = 250


class Marks(StrEnum):
    """The timeline actions of the sweep's own steps (every flow's action enum has these)."""

    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


@dataclass
class SweepReport:
    reminders: int = 0
    yellow_cards: int = 0
    red_cards: int = 0
    escalations: int = 0

    def add(self, other: SweepReport) -> None:
        self.reminders += other.reminders
        self.yellow_cards += other.yellow_cards
        self.red_cards += other.red_cards
        self.escalations += other.escalations


@dataclass
class Writes(Generic[R]):
    """The rows a batch adds, in the order a step at a time would add them."""

    flow: Flow[R]
    now: datetime
    last_steps: dict[uuid.UUID, datetime]
    cards: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def step(
        self,
        record: R,
        action: StrEnum,
        note: str,
        *,
        before: StrEnum,
        before_region: str | None = None,
    ) -> None:
        """A timeline row by the system and a live change message."""
        flow, now = self.flow, self.now
        self.steps.append(
            step_row(
                flow,
                record,
                last_step=self.last_steps.get(record.pk),
                actor=SYSTEM,
                action=action,
                before=before,
                note=note,
                now=now,
                before_region=flow.holder(record) if before_region is None else before_region,
            )
        )
        self.last_steps[record.pk] = now
        self.messages.append(
            change_row(flow, record, action=action, actor=SYSTEM, at=now, note=note)
        )

    def notify(
        self, record: R, users: Sequence[uuid.UUID], *, kind: str, title: str, body: str
    ) -> None:
        """Notices about the record and their pushes, as notices.notify writes them."""
        written = notices.compose(
            user_ids=users,
            kind=kind,
            title=title,
            body=body,
            region_code=record.region_code,  # type: ignore[attr-defined]
            event_id=self.flow.notice_event(record),
        )
        self.notices += written
        self.messages += [notices.push(notice) for notice in written]

    async def save(self) -> None:
        await bulk.insert(self.flow.cards.model, self.cards)
        await bulk.insert(self.flow.timeline.model, self.steps)
        await bulk.insert(Notice, self.notices)
        await outbox.add_many(self.messages)


async def sweep(*, now: datetime | None = None, batch: int = BATCH) -> SweepReport:
    """Enforce every deadline of every registered flow reached by `now` (default: the clock)."""
    now = now or clock.now()
    report = SweepReport()
    for flow in list(FLOWS.values()):
        while True:
            claimed, done = await enforce_batch(flow, now, size=batch)
            report.add(done)
            if claimed < batch:
                break
    return report


async def claim(flow: Flow[R], now: datetime, size: int) -> list[R]:
    """Lock up to `size` due records of `flow` that no other transaction holds (call inside one).

    In no particular order: sorting the whole due set (50k rows in a backlog) cost more than
    enforcing a batch, while partial indexes find a batch's worth of rows at once, and a
    backlog drains within one tick anyway."""
    due_now = due(now, state_column="status", open_states=flow.open_states)
    query = flow.model.filter(due_now, **flow.where)
    return await query.limit(size).select_for_update(skip_locked=True)


async def enforce_batch(
    flow: Flow[R], now: datetime, *, size: int = BATCH
) -> tuple[int, SweepReport]:
    """Claim up to `size` due records of `flow` no other worker holds and enforce them in one
    transaction; returns how many were claimed and what was done."""
    report = SweepReport()
    async with in_transaction():
        records = await claim(flow, now, size)
        if not records:
            return 0, report
        batch = await flow.deadlines.prepare(records, now)
        writes = Writes(
            flow=flow, now=now, last_steps=await last_steps(flow.timeline, [r.pk for r in records])
        )
        for record in records:
            _enforce(record, writes, batch, report)
            if batch.after_cards(record, writes):
                report.escalations += 1
        await writes.save()
        # what enforcing changes on any record, and what the flow's own hooks may change
        await flow.deadlines.update(records, (*CLOCK_FIELDS, *flow.changed_fields))
    return len(records), report


def _enforce(record: Any, writes: Writes[Any], batch: Batch[Any], report: SweepReport) -> None:
    """The reminder and the cards the record's running deadline has reached."""
    flow, now = writes.flow, writes.now
    level = reached(record, now)
    stage, due_at = record.stage, record.due_at
    people = list(batch.concerned(record))
    before = flow.state_of(record)
    label = flow.label(record)
    if record.warning_level < REMINDED and level == REMINDED:
        writes.notify(
            record,
            people,
            kind="reminder",
            title=_("Deadline approaching: {label}", label=label),
            body=_(
                "{stage} due {due_at}",
                stage=messages.labelled(stage),
                due_at=due_at.isoformat() if due_at else "",
            ),
        )
        writes.step(record, Marks.REMIND, "deadline approaching", before=before)
        report.reminders += 1
    for threshold, card, action in (
        (YELLOW, Card.YELLOW, Marks.YELLOW_CARD),
        (RED, Card.RED, Marks.RED_CARD),
    ):
        if record.warning_level < threshold <= level and due_at is not None and stage is not None:
            writes.cards.append(
                {
                    **flow.cards.key(flow.name, record.pk),
                    "card": card,
                    "stage": stage,
                    "due_at": due_at,
                    "given_at": now,
                    **flow.card_columns(record),
                }
            )
            if card is Card.RED or record.card == Card.NONE:
                record.card = card
            writes.notify(
                record,
                people,
                kind=action.value,
                title=(
                    _("Red card: {label}", label=label)
                    if card is Card.RED
                    else _("Yellow card: {label}", label=label)
                ),
                body=_(
                    "{stage} overdue (due {due_at})",
                    stage=messages.labelled(stage),
                    due_at=due_at.isoformat(),
                ),
            )
            note = f"{_text(stage)} overdue since {due_at.isoformat()}"
            writes.step(record, action, note, before=before)
            if card is Card.RED:
                report.red_cards += 1
            else:
                report.yellow_cards += 1
    record.warning_level = max(record.warning_level, level)


def _text(stage: Any) -> str:
    return "" if stage is None else str(getattr(stage, "value", stage))
