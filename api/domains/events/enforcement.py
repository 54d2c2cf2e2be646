"""Deadline enforcement of events beyond the kernel's reminders and cards (api/flows/sweep.py):
the staff to notify, and the automatic escalation a red card brings, with supervision.

Each batch loads the staff of every centre and department concerned, and the time limits of
the stages escalated events start, at once; statistics roll up once per UPDATE statement."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from tortoise import connections

from api import bulk
from api.domains.events.clocks import load_limits, run_clock
from api.domains.events.cohandling import withdraw_open
from api.domains.events.enums import Action, EventStatus
from api.domains.events.escalation import escalation_of, escalation_target, hand_up
from api.domains.events.models import Event
from api.domains.events.scope import level_of
from api.domains.events.site_checks import verifiers_of
from api.domains.events.staff import Staff, load_staff
from api.domains.events.workflow import TRANSITIONS, Transition
from api.flows.clocks import RED, Limits, reached
from api.flows.records import SYSTEM
from api.flows.sweep import BATCH, SweepReport, Writes, claim, enforce_batch, sweep
from api.i18n import _
from api.regions import Level

__all__ = [
    "BATCH",
    "SYSTEM",
    "EventDeadlines",
    "SweepReport",
    "claim",
    "enforce_batch",
    "sweep",
]


def _escalation(event: Event, now: datetime) -> Transition | None:
    """The escalation a red card brings, where the state allows one (not above the city)."""
    if (
        reached(event, now) < RED
        or event.status not in TRANSITIONS[Action.ESCALATE].frm
        or level_of(event.handling_region_code) is Level.CITY
    ):
        return None
    return escalation_of(event)


@dataclass(frozen=True, slots=True)
class EventBatch:
    """A batch of due events with the staff and limits their enforcement needs."""

    staff: Staff
    escalations: dict[uuid.UUID, Transition]
    limits: Limits | None
    site_verifiers: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)

    def concerned(self, event: Event) -> list[uuid.UUID]:
        """The centre holding the event and its assignees (and, for a result to verify on
        site, the leader of its grid)."""
        return [
            *self.staff.centre(event),
            *self.staff.assignees(event),
            *self.site_verifiers.get(event.id, ()),
        ]

    def after_cards(self, event: Event, writes: Writes[Event]) -> bool:
        """Hand a red-carded event one level up, with supervision."""
        transition = self.escalations.get(event.id)
        if transition is None:
            return False
        before, before_region = event.status, event.handling_region_code
        hand_up(event)
        event.status = transition.to or event.status
        event.version += 1
        run_clock(event, transition.stage, writes.now, self.limits)
        # the timeline keeps it in the deployment's language; the notice and webhooks carry the
        # message too (api/messages.py)
        note = _("Red card overdue: reported to the level above for supervision")
        writes.step(event, Action.ESCALATE, note, before=before, before_region=before_region)
        writes.notify(
            event,
            self.staff.centre(event),
            kind="supervision",
            title=_(
                "Supervision (escalated when overdue) {case_number}: {title}",
                case_number=event.case_number,
                title=event.title,
            ),
            body=note,
        )
        return True


class EventDeadlines:
    """The events flow's part of the sweep (see api.flows.definition.Deadlines)."""

    async def prepare(self, events: Sequence[Event], now: datetime) -> EventBatch:
        escalations = {event.id: chosen for event in events if (chosen := _escalation(event, now))}
        escalating = [event for event in events if event.id in escalations]
        staff = await load_staff(
            region_codes={event.handling_region_code for event in events}
            | {escalation_target(e.handling_region_code, e.priority) for e in escalating},
            department_ids={e.assignee_department_id for e in events if e.assignee_department_id},
        )
        needs = {(e.category_key, stage) for e in escalating if (stage := escalations[e.id].stage)}
        limits = await load_limits(needs, now) if needs else None
        handled = [event for event in events if event.status is EventStatus.HANDLED]
        return EventBatch(
            staff=staff,
            escalations=escalations,
            limits=limits,
            site_verifiers=await verifiers_of(handled) if handled else {},
        )

    async def update(self, events: Sequence[Event], fields: Sequence[str]) -> None:
        async with _rolled_up_per_statement():
            await bulk.update(events, fields)
        # an event escalated back to filing has no dispatch left: nor have its co-handlers
        escalated = [event.id for event in events if event.status is EventStatus.FILED]
        if escalated:
            await withdraw_open(escalated, note="红牌超时，事件已升级，协办撤回")


@asynccontextmanager
async def _rolled_up_per_statement() -> AsyncIterator[None]:
    """Statistics roll up once per UPDATE statement, not per row (migration 0014): in one
    aggregated upsert, in key order, however many events the statement changes."""
    connection = connections.get("default")
    await connection.execute_query("SELECT set_config('gridgov.roll_up', 'statement', true)")
    yield
    await connection.execute_query("SELECT set_config('gridgov.roll_up', '', true)")
