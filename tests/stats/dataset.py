"""A small hand-made world with known answers for the assessment formulas.

November 2026 (China time), township 410611001 (金山街道):

| event | grid | department | status | cards (handle stage) | other |
|---|---|---|---|---|---|
| e1 | …001001001 | police | evaluated (5) | – | full timeline |
| e2 | …001001001 | police | closed | yellow | |
| e3 | …001001001 | police | in_progress | yellow, red | |
| e4 | …001001010 | police | evaluated (2) | yellow | reworked once |
| e5 | …001001001 | housing | assigned | – | returned once |
| e6 | …001001001 | – | rejected | – | not a case |
| e7 | …001001001 | – | reported | – | not a case |
| e8 | 410611002001001 | police | closed | – | other township |
| e9 | …001001001 | police | closed | – | reported 31 October |

e1–e5 are assigned in person to the worker of grid …001001001 as well."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api.domains.accounts.models import User
from api.domains.events.deadlines import LOCAL
from api.domains.events.enums import Action, Card, EventStatus, Source, Stage
from api.domains.events.models import CardRecord, Event, TimelineEntry
from api.domains.events.service import ancestor_columns
from api.domains.hierarchy.models import Department
from api.regions import Level
from tests import factories

GRID = "410611001001001"
GRID_2 = "410611001001010"
OTHER_TOWNSHIP_GRID = "410611002001001"
REPORTED = datetime(2026, 11, 10, 10, 0, tzinfo=LOCAL)


@dataclass
class World:
    events: dict[str, Event]
    cards: dict[str, list[CardRecord]]
    police: Department
    housing: Department
    worker: User


async def _event(
    name: str,
    region_code: str,
    status: EventStatus,
    *,
    department: Department | None = None,
    worker: User | None = None,
    reported_at: datetime = REPORTED,
    filed: bool = True,
    dispatched: bool = True,
    satisfaction: int | None = None,
    rework_count: int = 0,
    category_key: str = "city.0601",
    source: Source = Source.GRID_PATROL,
    card: Card = Card.NONE,
) -> Event:
    handle_due = reported_at + timedelta(days=3)
    closed = status in (EventStatus.CLOSED, EventStatus.EVALUATED)
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "case_number": f"T-{name}-{uuid.uuid4().hex[:6]}",
        "title": name,
        "description": "",
        "category_key": category_key,
        "source": source,
        "status": status,
        "region_code": region_code,
        **ancestor_columns(region_code),
        "handling_region_code": region_code[:9],
        "handling_level": Level.TOWNSHIP,
        "assignee_department_id": department.id if department else None,
        "assignee_user_id": worker.id if worker else None,
        "reporter_id": worker.id if worker else None,
        "due_by_stage": {"handle": handle_due.isoformat()} if dispatched else {},
        "card": card,
        "rework_count": rework_count,
        "satisfaction": satisfaction,
        "reported_at": reported_at,
        "filed_at": reported_at + timedelta(hours=1) if filed else None,
        "closed_at": reported_at + timedelta(days=2) if closed else None,
    }
    return await Event.create(**fields)


async def _card(event: Event, card: Card) -> CardRecord:
    due = event.reported_at + timedelta(days=3)
    return await CardRecord.create(
        event_id=event.id,
        card=card,
        stage=Stage.HANDLE,
        due_at=due,
        given_at=due + (timedelta(minutes=1) if card is Card.YELLOW else timedelta(days=1)),
        handling_region_code=event.handling_region_code,
        assignee_department_id=event.assignee_department_id,
        assignee_user_id=event.assignee_user_id,
    )


async def _step(
    event: Event, action: Action, frm: EventStatus | None, to: EventStatus, at: datetime
) -> None:
    await TimelineEntry.create(
        event_id=event.id,
        action=action,
        actor_label="test",
        from_status=frm,
        to_status=to,
        at=at,
    )


async def build() -> World:
    """The world above, on the test region tree (tests.factories.TREE)."""
    await factories.region_tree()
    police = await factories.department("410611", code="police", name="公安分局")
    housing = await factories.department("410611", code="housing", name="住建局")
    worker = await factories.user("grid_worker", GRID, username="worker.one")
    S = EventStatus
    events = {
        "e1": await _event(
            "e1", GRID, S.EVALUATED, department=police, worker=worker, satisfaction=5
        ),
        "e2": await _event(
            "e2", GRID, S.CLOSED, department=police, worker=worker, card=Card.YELLOW
        ),
        "e3": await _event(
            "e3", GRID, S.IN_PROGRESS, department=police, worker=worker, card=Card.RED
        ),
        "e4": await _event(
            "e4",
            GRID_2,
            S.EVALUATED,
            department=police,
            worker=worker,
            satisfaction=2,
            rework_count=1,
            card=Card.YELLOW,
            category_key="city.0502",
            source=Source.HOTLINE,
        ),
        "e5": await _event("e5", GRID, S.ASSIGNED, department=housing, worker=worker),
        "e6": await _event("e6", GRID, S.REJECTED, filed=False, dispatched=False),
        "e7": await _event("e7", GRID, S.REPORTED, filed=False, dispatched=False),
        "e8": await _event("e8", OTHER_TOWNSHIP_GRID, S.CLOSED, department=police),
        "e9": await _event(
            "e9",
            GRID,
            S.CLOSED,
            department=police,
            reported_at=datetime(2026, 10, 31, 23, 30, tzinfo=LOCAL),
        ),
    }
    cards = {
        "e2": [await _card(events["e2"], Card.YELLOW)],
        "e3": [await _card(events["e3"], Card.YELLOW), await _card(events["e3"], Card.RED)],
        "e4": [await _card(events["e4"], Card.YELLOW)],
    }
    e1, t = events["e1"], REPORTED
    await _step(e1, Action.REPORT, None, S.REPORTED, t)
    await _step(e1, Action.FILE, S.REPORTED, S.FILED, t + timedelta(hours=1))
    await _step(e1, Action.ASSIGN, S.FILED, S.ASSIGNED, t + timedelta(hours=2))
    await _step(e1, Action.SUPERVISE, S.ASSIGNED, S.ASSIGNED, t + timedelta(hours=2, minutes=30))
    await _step(e1, Action.ACCEPT, S.ASSIGNED, S.IN_PROGRESS, t + timedelta(hours=3))
    await _step(e1, Action.SUBMIT, S.IN_PROGRESS, S.HANDLED, t + timedelta(hours=5))
    await _step(e1, Action.VERIFY, S.HANDLED, S.VERIFIED, t + timedelta(hours=6))
    await _step(e1, Action.CLOSE, S.VERIFIED, S.CLOSED, t + timedelta(hours=8))
    await _step(e1, Action.EVALUATE, S.CLOSED, S.EVALUATED, t + timedelta(days=1))
    e5 = events["e5"]
    await _step(e5, Action.RETURN, S.ASSIGNED, S.FILED, t + timedelta(hours=3))
    return World(events=events, cards=cards, police=police, housing=housing, worker=worker)
