"""Co-handling (协办, the plan's 联动): an event dispatched to a lead department may name other
departments, each with its own task, time limit and result. Each task is a record of its own
flow on the kernel: its clock runs on the category's handling limit (or the deadline the
dispatcher set), and the sweep reminds and cards a late co-handler like any other stage.

Tasks exist only while the dispatch they belong to does: returning or escalating the event
withdraws the open ones (`withdraw_open`), and the lead's result ends those whose time ran
out (`lapse_overdue`); a task still within its time blocks the lead's result."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypedDict

from api import bulk, clock
from api.auth import Principal
from api.domains.events.clocks import load_limits
from api.domains.events.enums import CohandlingAction, CohandlingStatus, Stage
from api.domains.events.inputs import MAX_NOTE, clean
from api.domains.events.models import Cohandling, Event
from api.domains.events.staff import Staff, load_staff
from api.domains.hierarchy.models import Department
from api.domains.notices import service as notices
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed
from api.flows import moves as flows
from api.flows.clocks import Limits, Needs
from api.flows.definition import Flow, Store, register
from api.flows.models import FlowCard, FlowStep
from api.flows.records import SYSTEM, snapshot_of
from api.flows.transitions import Transition
from api.i18n import _
from api.query import rows_by_record

MAX_COHANDLERS = 10
A, S = CohandlingAction, CohandlingStatus


class CohandlingSnapshot(TypedDict):
    """What a live change message shows of a co-handling task."""

    id: str
    event_id: str
    department_id: str
    region_code: str
    status: str
    stage: str | None
    due_at: str | None
    card: str
    version: int


async def _limits(needs: Needs, now: datetime) -> Limits:
    """The category's handling limit: a co-handler has the lead's time unless told otherwise."""
    return await load_limits([(kind, Stage(stage)) for kind, stage in needs], now)


@dataclass(frozen=True, slots=True)
class _Batch:
    staff: Staff

    def concerned(self, task: Cohandling) -> Sequence[uuid.UUID]:
        return self.staff.departments.get(uuid.UUID(str(task.department_id)), [])

    def after_cards(self, task: Cohandling, writes: object) -> bool:
        return False


class _Deadlines:
    """A late co-handler's reminder and cards go to its department's staff."""

    async def prepare(self, tasks: Sequence[Cohandling], now: datetime) -> _Batch:
        return _Batch(await load_staff(department_ids={t.department_id for t in tasks}))

    async def update(self, tasks: Sequence[Cohandling], fields: Sequence[str]) -> None:
        await bulk.update(tasks, fields)


COHANDLINGS: Final[Flow[Cohandling]] = register(
    Flow(
        name="event_cohandling",
        noun="a co-handling task",
        model=Cohandling,
        states=CohandlingStatus,
        transitions={
            A.REPORT: Transition(frozenset({S.ASSIGNED}), S.REPORTED),
            A.LAPSE: Transition(frozenset({S.ASSIGNED}), S.LAPSED),
            A.WITHDRAW: Transition(frozenset({S.ASSIGNED, S.REPORTED}), S.WITHDRAWN),
        },
        open_states=frozenset({S.ASSIGNED}),
        timeline=Store(FlowStep, record_column="record_id", flow_column="flow"),
        cards=Store(FlowCard, record_column="record_id", flow_column="flow"),
        kind=lambda task: task.category_key,
        limits=_limits,
        label=lambda task: f"协办 {task.task[:60]}",
        topic="event_cohandling",
        subject="cohandling",
        snapshot=lambda task: snapshot_of(CohandlingSnapshot, task),
        deadlines=_Deadlines(),
        deadline=lambda task, stage: task.deadline,
    )
)


@dataclass(frozen=True, slots=True)
class CohandlerRequest:
    """A co-handling department named at dispatch, its task and (optionally) its deadline."""

    department_id: uuid.UUID
    task: str
    deadline: datetime | None = None


async def start_tasks(
    event: Event, requests: Sequence[CohandlerRequest], *, actor: Principal, lead: uuid.UUID | None
) -> list[Cohandling]:
    """Check the co-handlers named at dispatch and start their tasks (inside the dispatch's
    transaction): active departments at or below the level holding the event, none twice and
    none the lead, each with a task and a deadline still ahead."""
    if len(requests) > MAX_COHANDLERS:
        raise ValidationFailed(
            _("at most {MAX_COHANDLERS} co-handlers", MAX_COHANDLERS=MAX_COHANDLERS),
            field="cohandlers",
        )
    seen: set[uuid.UUID] = set()
    now = clock.now()
    for request in requests:
        if request.department_id == lead or request.department_id in seen:
            raise ValidationFailed(
                _("a co-handler is named once and is not the lead department"), field="cohandlers"
            )
        seen.add(request.department_id)
        clean(request.task, field="cohandlers.task", limit=MAX_NOTE, required=True)
        if request.deadline is not None and request.deadline <= now:
            raise ValidationFailed(_("a co-handler's deadline must lie ahead"), field="cohandlers")
    found = {
        d.id: d
        for d in await Department.filter(id__in=list(seen), is_active=True)
        if d.region_code.startswith(event.handling_region_code)
    }
    missing = seen - set(found)
    if missing:
        raise NotFound("department", sorted(map(str, missing))[0], field="cohandlers")
    tasks = []
    for request in requests:
        task = Cohandling(
            id=uuid.uuid4(),
            event_id=event.id,
            department_id=request.department_id,
            region_code=event.region_code,
            category_key=event.category_key,
            task=request.task.strip(),
            deadline=request.deadline,
            status=S.ASSIGNED,
            created_at=now,
        )
        await flows.start(
            COHANDLINGS, task, actor=actor, action=A.ASSIGN, stage=Stage.HANDLE, note=task.task
        )
        tasks.append(task)
    staff = await load_staff(department_ids=seen)
    await notices.notify(
        user_ids=[user for d in seen for user in staff.departments.get(d, [])],
        kind="dispatch",
        title=_(
            "Co-handling {case_number}: {title}", case_number=event.case_number, title=event.title
        ),
        body="；".join(t.task for t in tasks),
        region_code=event.region_code,
        event_id=event.id,
    )
    return tasks


async def report(*, actor: Principal, task_id: uuid.UUID, event: Event, result: str) -> Cohandling:
    """The co-handler's part (协办反馈), under the event's lock: only its own department's
    staff may report it, once."""
    task = await Cohandling.get_or_none(id=task_id, event_id=event.id)
    if task is None:
        raise NotFound("cohandling", task_id)

    def own_department(record: Cohandling) -> None:
        if not any(a.department_id == record.department_id for a in actor.assignments):
            raise NotAllowed(_("only the co-handling department's staff may report its task"))

    async with flows.transition(
        COHANDLINGS,
        actor=actor,
        record_id=task_id,
        action=A.REPORT,
        note=result,
        authorize=own_department,
    ) as move:
        move.record.result = result
        move.record.reported_by_id = actor.user_id
        move.record.reported_at = move.now
    return move.record


async def task_event_id(task_id: uuid.UUID) -> uuid.UUID:
    """The event a co-handling task belongs to (not found for an unknown task)."""
    event_id = await Cohandling.filter(id=task_id).values_list("event_id", flat=True)
    if not event_id:
        raise NotFound("cohandling", task_id)
    return uuid.UUID(str(event_id[0]))


async def lapse_overdue(event: Event, *, actor: Principal) -> None:
    """Before the lead's result: a co-handler still within its time blocks it; those whose time
    ran out (carded by the sweep) are ended as lapsed."""
    now = clock.now()
    waiting = await Cohandling.filter(event_id=event.id, status=S.ASSIGNED).order_by("created_at")
    within = [t for t in waiting if t.due_at is None or t.due_at > now]
    if within:
        raise Conflict(
            _(
                "{within_count} co-handler(s) have not reported yet (and their time has not run out)",
                within_count=len(within),
            ),
            code=ErrorCode.INVALID_TRANSITION,
        )
    for task in waiting:
        async with flows.transition(
            COHANDLINGS,
            actor=actor,
            record_id=task.id,
            action=A.LAPSE,
            note="时限已过，牵头单位已反馈结果",
        ):
            pass


async def withdraw_open(
    event_ids: Sequence[uuid.UUID], *, actor: Principal = SYSTEM, note: str
) -> None:
    """The dispatch these events' tasks belong to ended (returned, escalated by hand or by the
    sweep): their tasks are withdrawn, reported or not, so a later dispatch starts afresh."""
    tasks = await Cohandling.filter(
        event_id__in=list(event_ids), status__in=[S.ASSIGNED, S.REPORTED]
    ).order_by("created_at")
    for task in tasks:
        async with flows.transition(
            COHANDLINGS, actor=actor, record_id=task.id, action=A.WITHDRAW, note=note
        ):
            pass


async def tasks_of(event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Cohandling]]:
    """Each event's co-handling tasks, oldest first."""
    return await rows_by_record(
        Cohandling.all().order_by("created_at", "id"), event_ids, "event_id"
    )


async def steps_of(task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[FlowStep]]:
    """Each task's own timeline (its dispatch, report, reminders and cards), oldest first."""
    steps = FlowStep.filter(flow=COHANDLINGS.name).order_by("id")
    return await rows_by_record(steps, task_ids, "record_id")
