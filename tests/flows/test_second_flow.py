"""A second flow on the kernel: declared in a few lines (states, transitions, limits), it gets
its timeline, stage clocks on the work calendar, the deadline sweep's reminder and cards,
notices and live changes, and keeps the definition version each record started with."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from enum import StrEnum

import pytest

from api import clock
from api.auth import Principal
from api.domains.notices.models import Notice
from api.errors import Conflict, ErrorCode, NotFound
from api.flows import Flow, Rule, Transition, moves, register, sweep, unregister
from api.flows.calendar import LOCAL, DeadlineUnit
from api.flows.definition import FLOWS
from api.flows.generic import new_record, record_flow
from api.flows.models import FlowCard, FlowLimit, FlowRecord, FlowStep
from api.outbox import OutboxMessage
from tests import factories

MONDAY_0900 = datetime(2026, 11, 30, 9, 0, tzinfo=LOCAL)


class Diary(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETURNED = "returned"


class Stage(StrEnum):
    PICK_UP = "pick_up"
    REVIEW = "review"


class Act(StrEnum):
    SUBMIT = "submit"
    PICK_UP = "pick_up"
    APPROVE = "approve"
    RETURN = "return"


def _flow(version: int, *, quick_approval: bool = False) -> Flow[FlowRecord]:
    approve_from = {Diary.IN_REVIEW, Diary.SUBMITTED} if quick_approval else {Diary.IN_REVIEW}
    return record_flow(
        name="diary_review",
        noun="a diary",
        states=Diary,
        transitions={
            Act.PICK_UP: Transition(frozenset({Diary.SUBMITTED}), Diary.IN_REVIEW, Stage.REVIEW),
            Act.APPROVE: Transition(frozenset(approve_from), Diary.APPROVED),
            Act.RETURN: Transition(frozenset({Diary.IN_REVIEW}), Diary.RETURNED),
        },
        open_states=frozenset({Diary.SUBMITTED, Diary.IN_REVIEW}),
        limits={
            Stage.PICK_UP: Rule(1, DeadlineUnit.WORKING_HOURS),
            Stage.REVIEW: Rule(2, DeadlineUnit.WORKING_DAYS),
        },
        version=version,
    )


DIARIES = _flow(1)


@pytest.fixture
async def people(db: None) -> AsyncIterator[tuple[Principal, Principal]]:
    register(DIARIES)
    clock.move(MONDAY_0900 - clock.now())
    await factories.region_tree()
    writer = await factories.user("grid_worker", "410611001001001")
    reviewer = await factories.user("community_staff", "410611001001")
    yield (
        Principal(user_id=writer.id, username=writer.username),
        Principal(user_id=reviewer.id, username=reviewer.username),
    )
    unregister(DIARIES.name)


async def _submit(
    writer: Principal, reviewer: Principal, *, flow: Flow[FlowRecord] = DIARIES
) -> FlowRecord:
    record = new_record(
        flow,
        state=Diary.SUBMITTED,
        kind="weekly",
        title="第48周工作日志",
        region_code="410611001001001",
        owner_id=writer.user_id,
        assignee_id=reviewer.user_id,
    )
    await moves.start(flow, record, actor=writer, action=Act.SUBMIT, stage=Stage.PICK_UP)
    return record


async def test_a_flow_declared_as_data_gets_timeline_clocks_and_live_changes(
    people: tuple[Principal, Principal],
) -> None:
    writer, reviewer = people
    # A city's own limit for weekly diaries under review: one working hour, not two days.
    await FlowLimit.create(
        flow="diary_review", kind="weekly", stage="review", amount=1, unit="working_hours"
    )
    record = await _submit(writer, reviewer)
    clock.move(datetime(2026, 11, 30, 9, 20, tzinfo=LOCAL) - clock.now())

    async with moves.transition(
        DIARIES, actor=reviewer, record_id=record.id, action=Act.PICK_UP, note="看一下"
    ) as move:
        move.record.data = {"read": True}
        await move.tell([writer.user_id], kind="diary", title="日志审阅中")

    stored = await FlowRecord.get(id=record.id)
    assert (stored.status, stored.stage, stored.version, stored.flow_version) == (
        "in_review",
        "review",
        2,
        1,
    )
    assert stored.data == {"read": True}
    assert stored.due_at - stored.stage_started_at == timedelta(hours=1)  # the city's hour
    assert set(stored.due_by_stage) == {"pick_up", "review"}
    steps = await FlowStep.filter(record_id=record.id).order_by("id")
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("submit", None, "submitted"),
        ("pick_up", "submitted", "in_review"),
    ]
    assert steps[0].seconds_spent is None
    assert steps[1].seconds_spent == int((steps[1].at - steps[0].at).total_seconds())
    assert steps[1].actor_id == reviewer.user_id and steps[1].note == "看一下"
    changes = await OutboxMessage.filter(topic="diary_review").order_by("id")
    assert [c.payload["action"] for c in changes] == ["submit", "pick_up"]
    assert changes[1].payload["record"] == {
        "id": str(record.id),
        "flow": "diary_review",
        "flow_version": 1,
        "kind": "weekly",
        "status": "in_review",
        "title": "第48周工作日志",
        "region_code": "410611001001001",
        "assignee_id": str(reviewer.user_id),
        "stage": "review",
        "due_at": stored.due_at.isoformat(),
        "card": "none",
        "version": 2,
    }
    assert await Notice.filter(user_id=writer.user_id, kind="diary").count() == 1

    # The transition table is the guard: a typed conflict, and nothing written.
    async with moves.transition(DIARIES, actor=reviewer, record_id=record.id, action=Act.APPROVE):
        pass
    with pytest.raises(Conflict) as refused:
        async with moves.transition(
            DIARIES, actor=reviewer, record_id=record.id, action=Act.RETURN
        ):
            pass
    assert refused.value.code is ErrorCode.INVALID_TRANSITION
    assert "cannot return a diary that is approved" in str(refused.value)
    with pytest.raises(Conflict):
        async with moves.transition(
            DIARIES, actor=reviewer, record_id=record.id, action=Act.APPROVE, expected_version=2
        ):
            pass
    approved = await FlowRecord.get(id=record.id)
    assert (approved.status, approved.stage, approved.due_at) == ("approved", None, None)
    assert await FlowStep.filter(record_id=record.id).count() == 3


async def test_the_one_sweep_enforces_its_deadlines_once(
    people: tuple[Principal, Principal],
) -> None:
    writer, reviewer = people
    record = await _submit(writer, reviewer)  # pick up within 1 working hour: due 10:00

    def at(hour: int, minute: int) -> None:
        clock.move(datetime(2026, 11, 30, hour, minute, tzinfo=LOCAL) - clock.now())

    at(9, 50)  # 80% of the hour
    reminded = await sweep()
    at(10, 5)
    yellow = await sweep()
    at(10, 35)  # 150%
    red = await sweep()
    after = await sweep()

    assert (reminded.reminders, yellow.yellow_cards, red.red_cards) == (1, 1, 1)
    assert (after.reminders, after.yellow_cards, after.red_cards, after.escalations) == (0, 0, 0, 0)
    stored = await FlowRecord.get(id=record.id)
    assert (stored.card, stored.warning_level, stored.status) == ("red", 3, "submitted")
    cards = await FlowCard.filter(record_id=record.id).order_by("id")
    assert [(c.flow, c.card, c.stage, c.region_code) for c in cards] == [
        ("diary_review", "yellow", "pick_up", "410611001001001"),
        ("diary_review", "red", "pick_up", "410611001001001"),
    ]
    assert [s.action for s in await FlowStep.filter(record_id=record.id).order_by("id")] == [
        "submit",
        "remind",
        "yellow_card",
        "red_card",
    ]
    notices = await Notice.filter(user_id=reviewer.user_id).order_by("created_at")
    assert [n.kind for n in notices] == ["reminder", "yellow_card", "red_card"]
    assert all("第48周工作日志" in n.title and n.event_id is None for n in notices)
    pushed = await OutboxMessage.filter(user_id=reviewer.user_id, topic="notice").count()
    changes = await OutboxMessage.filter(topic="diary_review").order_by("id")
    assert pushed == 3
    assert [c.payload["action"] for c in changes] == ["submit", "remind", "yellow_card", "red_card"]
    assert changes[-1].payload["record"]["card"] == "red"

    # Picked up at last: the review stage's clock starts afresh, with no card yet.
    async with moves.transition(DIARIES, actor=reviewer, record_id=record.id, action=Act.PICK_UP):
        pass
    running = await FlowRecord.get(id=record.id)
    assert (running.stage, running.warning_level, running.card) == ("review", 0, "red")
    assert (await sweep()).reminders == 0


async def test_a_record_keeps_the_version_it_started_with(
    people: tuple[Principal, Principal],
) -> None:
    writer, reviewer = people
    first = await _submit(writer, reviewer)
    newer = register(_flow(2, quick_approval=True))  # version 2 approves without a pick-up
    second = await _submit(writer, reviewer, flow=newer)

    with pytest.raises(Conflict):
        async with moves.transition(newer, actor=reviewer, record_id=first.id, action=Act.APPROVE):
            pass
    async with moves.transition(newer, actor=reviewer, record_id=second.id, action=Act.APPROVE):
        pass

    versions = dict(await FlowRecord.all().values_list("id", "flow_version"))
    assert (versions[first.id], versions[second.id]) == (1, 2)
    assert (await FlowRecord.get(id=second.id)).status == "approved"
    with pytest.raises(NotFound):
        async with moves.transition(
            newer,
            actor=reviewer,
            record_id=writer.user_id,
            action=Act.APPROVE,
        ):
            pass


def test_a_flow_over_a_table_without_the_clock_columns_is_refused_when_it_registers() -> None:
    """The sweep writes the clock columns and `updated_at` on every due record: a table that
    lacks one would fail only at its first due stage, inside the worker."""
    without_clocks = dataclasses.replace(DIARIES, name="noticed", model=Notice)
    with pytest.raises(TypeError, match=r"flow noticed: Notice lacks warning_level, card, status"):
        register(without_clocks)
    assert "noticed" not in FLOWS
