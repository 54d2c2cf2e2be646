"""Deadline enforcement: reminder, yellow card, red card, then automatic escalation.

Run by the worker every minute (workers/events.py). Each event is handled in its own
transaction under `FOR UPDATE SKIP LOCKED`, and `warning_level` records how far its running
deadline has been enforced, so every stage happens once per event and deadline however often
the sweep runs and however many workers run it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.events.enums import OPEN_STATUSES, Action, Card, EventStatus
from api.domains.events.models import CardRecord, Event
from api.domains.events.service import (
    assignee_users,
    centre_users,
    escalation_target,
    level_of,
    publish_change,
    record_step,
    start_stage,
)
from api.domains.events.workflow import ESCALATE_UNFILED, TRANSITIONS
from api.domains.hierarchy.enums import Level
from api.domains.notices import service as notices

SYSTEM = Principal(username="system")
BATCH = 500
REMINDED, YELLOW, RED = 1, 2, 3


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


async def sweep(*, now: datetime | None = None, batch: int = BATCH) -> SweepReport:
    """Enforce every deadline reached by `now` (default: the clock)."""
    now = now or clock.now()
    report = SweepReport()
    while True:
        ids = (
            await Event.filter(_due(now))
            .order_by("due_at")
            .limit(batch)
            .values_list("id", flat=True)
        )
        if not ids:
            return report
        done = SweepReport()
        for event_id in ids:
            done.add(await _enforce(event_id, now))
        report.add(done)
        if len(ids) < batch:
            return report


async def _enforce(event_id: object, now: datetime) -> SweepReport:
    report = SweepReport()
    async with in_transaction():
        event = (
            await Event.filter(_due(now), id=event_id).select_for_update(skip_locked=True).first()
        )
        if event is None:
            return report  # another worker has it, or it moved on meanwhile
        reached = _reached(event, now)
        stage, due = event.stage, event.due_at
        holders = [*await centre_users(event), *await assignee_users(event)]
        if event.warning_level < REMINDED <= reached and reached == REMINDED:
            await notices.notify(
                user_ids=holders,
                kind="reminder",
                title=f"即将超时 {event.case_number}: {event.title}",
                body=f"{stage.value if stage else ''} 时限 {due.isoformat() if due else ''}",
                region_code=event.region_code,
                event_id=event.id,
            )
            await _note(event, Action.REMIND, now, "deadline approaching")
            report.reminders += 1
        for level, card, action in (
            (YELLOW, Card.YELLOW, Action.YELLOW_CARD),
            (RED, Card.RED, Action.RED_CARD),
        ):
            if event.warning_level < level <= reached and due is not None and stage is not None:
                await CardRecord.create(
                    event_id=event.id,
                    card=card,
                    stage=stage,
                    due_at=due,
                    given_at=now,
                    handling_region_code=event.handling_region_code,
                    assignee_department_id=event.assignee_department_id,
                    assignee_user_id=event.assignee_user_id,
                )
                if card is Card.RED or event.card is Card.NONE:
                    event.card = card
                await notices.notify(
                    user_ids=holders,
                    kind=action.value,
                    title=f"{'红牌' if card is Card.RED else '黄牌'} {event.case_number}: {event.title}",
                    body=f"{stage.value} 超时（时限 {due.isoformat()}）",
                    region_code=event.region_code,
                    event_id=event.id,
                )
                await _note(event, action, now, f"{stage.value} overdue since {due.isoformat()}")
                if card is Card.RED:
                    report.red_cards += 1
                else:
                    report.yellow_cards += 1
        event.warning_level = max(event.warning_level, reached)
        if reached == RED and await _escalate(event, now):
            report.escalations += 1
        await event.save()
    return report


async def _note(event: Event, action: Action, now: datetime, note: str) -> None:
    await record_step(
        event,
        actor=SYSTEM,
        action=action,
        before=event.status,
        before_region=event.handling_region_code,
        note=note,
        now=now,
    )
    await publish_change(event, action=action, actor=SYSTEM, at=now, note=note)


async def _escalate(event: Event, now: datetime) -> bool:
    """Hand a red-carded event one level up, with supervision, where the state allows it."""
    transition = TRANSITIONS[Action.ESCALATE]
    if event.status not in transition.frm or level_of(event.handling_region_code) is Level.CITY:
        return False
    before, before_region = event.status, event.handling_region_code
    event.handling_region_code = escalation_target(event.handling_region_code, event.priority)
    event.handling_level = level_of(event.handling_region_code)
    event.assignee_department_id = event.assignee_user_id = None
    event.escalation_count += 1
    chosen = ESCALATE_UNFILED if event.status is EventStatus.REPORTED else transition
    event.status = chosen.to or event.status
    event.version += 1
    await start_stage(event, chosen.stage, now)
    note = "红牌超时，自动上报上级督办"
    await record_step(
        event,
        actor=SYSTEM,
        action=Action.ESCALATE,
        before=before,
        before_region=before_region,
        note=note,
        now=now,
    )
    await publish_change(event, action=Action.ESCALATE, actor=SYSTEM, at=now, note=note)
    await notices.notify(
        user_ids=await centre_users(event),
        kind="supervision",
        title=f"督办（超时升级）{event.case_number}: {event.title}",
        body=note,
        region_code=event.region_code,
        event_id=event.id,
    )
    return True
