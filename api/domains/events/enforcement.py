"""Deadline enforcement: reminder, yellow card, red card, then automatic escalation.

Run by the worker every minute (workers/events.py). Each batch of due events is claimed with
`FOR UPDATE SKIP LOCKED` and enforced in one transaction: the events are worked on in memory
with the events service's own pieces (timeline rows, feed messages, notices, stage clocks), then
written with a statement per table. `warning_level` records how far each running deadline has
been enforced, so every stage happens once per event and deadline however often the sweep runs
and however many workers run it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import bulk, clock, outbox
from api.auth import Principal
from api.domains.events.enums import OPEN_STATUSES, Action, Card, EventStatus
from api.domains.events.models import CardRecord, Event, TimelineEntry
from api.domains.events.service import (
    Limits,
    Staff,
    change_row,
    escalation_of,
    escalation_target,
    hand_up,
    last_steps,
    level_of,
    load_limits,
    load_staff,
    run_clock,
    step_row,
)
from api.domains.events.workflow import TRANSITIONS, Transition
from api.domains.hierarchy.enums import Level
from api.domains.notices import service as notices
from api.domains.notices.models import Notice

SYSTEM = Principal(username="system")
BATCH = 250
REMINDED, YELLOW, RED = 1, 2, 3
# What enforcing may change on an event: its level and card, and for an escalation where it is
# held, its state and its new stage's clock.
CHANGED_FIELDS = (
    "warning_level",
    "card",
    "status",
    "version",
    "handling_region_code",
    "handling_level",
    "assignee_department_id",
    "assignee_user_id",
    "escalation_count",
    "stage",
    "stage_started_at",
    "due_at",
    "remind_at",
    "red_at",
    "due_by_stage",
    "updated_at",
)


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


def _due(now: datetime) -> Q:
    return Q(status__in=list(OPEN_STATUSES)) & (
        Q(warning_level__lt=REMINDED, remind_at__lte=now)
        | Q(warning_level__lt=YELLOW, due_at__lte=now)
        | Q(warning_level__lt=RED, red_at__lte=now)
    )


def _reached(event: Event, now: datetime) -> int:
    if event.red_at is not None and event.red_at <= now:
        return RED
    if event.due_at is not None and event.due_at <= now:
        return YELLOW
    if event.remind_at is not None and event.remind_at <= now:
        return REMINDED
    return 0


def _escalation(event: Event, now: datetime) -> Transition | None:
    """The escalation a red card brings, where the state allows one (not above the city)."""
    if (
        _reached(event, now) < RED
        or event.status not in TRANSITIONS[Action.ESCALATE].frm
        or level_of(event.handling_region_code) is Level.CITY
    ):
        return None
    return escalation_of(event)


async def sweep(*, now: datetime | None = None, batch: int = BATCH) -> SweepReport:
    """Enforce every deadline reached by `now` (default: the clock)."""
    now = now or clock.now()
    report = SweepReport()
    while True:
        claimed, done = await enforce_batch(now, size=batch)
        report.add(done)
        if claimed < batch:
            return report


@dataclass
class _Writes:
    """The rows a batch adds, in the order the events service adds them one step at a time."""

    now: datetime
    last_steps: dict[uuid.UUID, datetime]
    cards: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def step(
        self, event: Event, action: Action, note: str, *, before: EventStatus, before_region: str
    ) -> None:
        """A timeline row and a feed message, as record_step and publish_change write them."""
        self.steps.append(
            step_row(
                event,
                actor=SYSTEM,
                action=action,
                before=before,
                before_region=before_region,
                note=note,
                now=self.now,
                last_step=self.last_steps.get(event.id),
            )
        )
        self.last_steps[event.id] = self.now
        self.messages.append(change_row(event, action=action, actor=SYSTEM, at=self.now, note=note))

    def notify(
        self, event: Event, users: list[uuid.UUID], *, kind: str, title: str, body: str
    ) -> None:
        """Notices about the event and their pushes, as notices.notify writes them."""
        written = notices.compose(
            user_ids=users,
            kind=kind,
            title=title,
            body=body,
            region_code=event.region_code,
            event_id=event.id,
        )
        self.notices += written
        self.messages += [notices.push(notice) for notice in written]

    async def save(self) -> None:
        await bulk.insert(CardRecord, self.cards)
        await bulk.insert(TimelineEntry, self.steps)
        await bulk.insert(Notice, self.notices)
        await outbox.add_many(self.messages)


async def claim(now: datetime, size: int) -> list[Event]:
    """Lock up to `size` due events that no other transaction holds (call inside one).

    In no particular order: sorting the whole due set (50k rows in a backlog) cost more than
    enforcing a batch, while the partial indexes find a batch's worth of rows at once, and a
    backlog drains within one tick anyway."""
    return await Event.filter(_due(now)).limit(size).select_for_update(skip_locked=True)


@asynccontextmanager
async def _rolled_up_per_statement() -> AsyncIterator[None]:
    """Statistics roll up once per UPDATE statement, not per row (migration 0014): in one
    aggregated upsert, in key order, however many events the statement changes."""
    connection = connections.get("default")
    await connection.execute_query("SELECT set_config('gridgov.roll_up', 'statement', true)")
    yield
    await connection.execute_query("SELECT set_config('gridgov.roll_up', '', true)")


async def enforce_batch(now: datetime, *, size: int = BATCH) -> tuple[int, SweepReport]:
    """Claim up to `size` due events no other worker holds and enforce them in one transaction;
    returns how many were claimed and what was done."""
    report = SweepReport()
    async with in_transaction():
        events = await claim(now, size)
        if not events:
            return 0, report
        escalations = {event.id: chosen for event in events if (chosen := _escalation(event, now))}
        escalating = [event for event in events if event.id in escalations]
        staff = await load_staff(
            region_codes={event.handling_region_code for event in events}
            | {escalation_target(e.handling_region_code, e.priority) for e in escalating},
            department_ids={e.assignee_department_id for e in events if e.assignee_department_id},
        )
        needs = {(e.category_key, stage) for e in escalating if (stage := escalations[e.id].stage)}
        limits = await load_limits(needs, now) if needs else None
        writes = _Writes(now=now, last_steps=await last_steps(event.id for event in events))
        for event in events:
            _enforce(event, writes, staff, report)
            if event.id in escalations:
                _escalate(event, escalations[event.id], writes, staff, limits)
                report.escalations += 1
        await writes.save()
        async with _rolled_up_per_statement():
            await bulk.update(events, CHANGED_FIELDS)
    return len(events), report


def _enforce(event: Event, writes: _Writes, staff: Staff, report: SweepReport) -> None:
    """The reminder and the cards the event's running deadline has reached."""
    now = writes.now
    reached = _reached(event, now)
    stage, due = event.stage, event.due_at
    holders = [*staff.centre(event), *staff.assignees(event)]
    status, region = event.status, event.handling_region_code
    if event.warning_level < REMINDED and reached == REMINDED:
        writes.notify(
            event,
            holders,
            kind="reminder",
            title=f"即将超时 {event.case_number}: {event.title}",
            body=f"{stage.value if stage else ''} 时限 {due.isoformat() if due else ''}",
        )
        writes.step(
            event, Action.REMIND, "deadline approaching", before=status, before_region=region
        )
        report.reminders += 1
    for level, card, action in (
        (YELLOW, Card.YELLOW, Action.YELLOW_CARD),
        (RED, Card.RED, Action.RED_CARD),
    ):
        if event.warning_level < level <= reached and due is not None and stage is not None:
            writes.cards.append(
                {
                    "event_id": event.id,
                    "card": card,
                    "stage": stage,
                    "due_at": due,
                    "given_at": now,
                    "handling_region_code": event.handling_region_code,
                    "assignee_department_id": event.assignee_department_id,
                    "assignee_user_id": event.assignee_user_id,
                }
            )
            if card is Card.RED or event.card is Card.NONE:
                event.card = card
            writes.notify(
                event,
                holders,
                kind=action.value,
                title=f"{'红牌' if card is Card.RED else '黄牌'} {event.case_number}: {event.title}",
                body=f"{stage.value} 超时（时限 {due.isoformat()}）",
            )
            note = f"{stage.value} overdue since {due.isoformat()}"
            writes.step(event, action, note, before=status, before_region=region)
            if card is Card.RED:
                report.red_cards += 1
            else:
                report.yellow_cards += 1
    event.warning_level = max(event.warning_level, reached)


def _escalate(
    event: Event, transition: Transition, writes: _Writes, staff: Staff, limits: Limits | None
) -> None:
    """Hand a red-carded event one level up, with supervision."""
    before, before_region = event.status, event.handling_region_code
    hand_up(event)
    event.status = transition.to or event.status
    event.version += 1
    run_clock(event, transition.stage, writes.now, limits)
    note = "红牌超时，自动上报上级督办"
    writes.step(event, Action.ESCALATE, note, before=before, before_region=before_region)
    writes.notify(
        event,
        staff.centre(event),
        kind="supervision",
        title=f"督办（超时升级）{event.case_number}: {event.title}",
        body=note,
    )
