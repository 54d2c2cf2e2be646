"""A flow whose record sets its own deadline (Flow.deadline): the stage's clock runs to it in
natural time, the stage's rule giving only the reminder's and the red card's shares, and the
shared sweep enforces it like any limit."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from enum import StrEnum

import pytest

from api import clock
from api.auth import Principal
from api.domains.notices.models import Notice
from api.flows import Flow, Rule, Transition, moves, register, sweep, unregister
from api.flows.calendar import LOCAL, DeadlineUnit
from api.flows.generic import new_record, record_flow
from api.flows.models import FlowCard, FlowRecord
from tests import factories

FRIDAY_1700 = datetime(2026, 12, 4, 17, 0, tzinfo=LOCAL)


class State(StrEnum):
    WAITING = "waiting"
    DONE = "done"


class Stage(StrEnum):
    REPLY = "reply"


class Act(StrEnum):
    ASK = "ask"
    REPLY = "reply"


def _by_record(record: FlowRecord, stage: StrEnum) -> datetime | None:
    due = record.data.get("reply_by")
    return datetime.fromisoformat(due) if due else None


FLOW: Flow[FlowRecord] = dataclasses.replace(
    record_flow(
        name="reply_by",
        noun="a request",
        states=State,
        transitions={Act.REPLY: Transition(frozenset({State.WAITING}), State.DONE)},
        open_states=frozenset({State.WAITING}),
        # a working-hours limit, which a record's own deadline must override
        limits={Stage.REPLY: Rule(1, DeadlineUnit.WORKING_HOURS, 0.5, 2.0)},
    ),
    deadline=_by_record,
)


@pytest.fixture
async def asker(db: None) -> AsyncIterator[Principal]:
    register(FLOW)
    clock.move(FRIDAY_1700 - clock.now())
    await factories.region_tree()
    account = await factories.user("community_staff", "410611001001")
    yield Principal(user_id=account.id, username=account.username)
    unregister(FLOW.name)


async def test_a_record_s_own_deadline_runs_in_natural_time_and_is_swept(
    asker: Principal,
) -> None:
    reply_by = clock.now() + timedelta(days=2)  # Sunday: no working hours in between
    record = new_record(
        FLOW,
        state=State.WAITING,
        kind="request",
        title="请回复",
        region_code="410611001001",
        owner_id=asker.user_id,
        data={"reply_by": reply_by.isoformat()},
    )
    await moves.start(FLOW, record, actor=asker, action=Act.ASK, stage=Stage.REPLY)
    stored = await FlowRecord.get(id=record.id)
    assert stored.due_at == reply_by
    started = stored.stage_started_at
    assert stored.remind_at == started + (reply_by - started) / 2  # half the time given
    assert stored.red_at == started + (reply_by - started) * 2
    assert stored.due_by_stage == {"reply": reply_by.isoformat()}

    clock.move(timedelta(days=1, minutes=1))
    assert (await sweep()).reminders == 1
    assert (await sweep()).reminders == 0
    clock.move(timedelta(days=1))
    assert (await sweep()).yellow_cards == 1
    assert await FlowCard.filter(record_id=record.id).count() == 1
    assert await Notice.filter(user_id=asker.user_id).count() == 2

    # a record without a deadline of its own runs on the stage's limit, as before
    plain = new_record(
        FLOW, state=State.WAITING, kind="request", title="x", region_code="410611001001"
    )
    await moves.start(FLOW, plain, actor=asker, action=Act.ASK, stage=Stage.REPLY)
    due = (await FlowRecord.get(id=plain.id)).due_at
    assert due is not None and due.astimezone(LOCAL).weekday() == 0  # Sunday: Monday's first hour
