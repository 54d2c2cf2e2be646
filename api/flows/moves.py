"""Moving a record through its flow: start it, and take a transition under the row's lock.

    async with flows.transition(FLOW, actor=actor, record_id=record_id, action=Action.REVIEW) as move:
        move.record.level = level          # the domain's own fields
        await move.tell(reviewers, kind="review", title=…)

The kernel locks the row, checks the expected version, the caller's authority and the
transition table, and once the body has run sets the new state, starts the next stage's clock
(or stops the clocks in a closed state), bumps the version, saves, and writes the timeline row
and the live change message, all in the one transaction."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.notices import service as notices
from api.errors import Conflict, NotFound
from api.flows.clocks import run_clock
from api.flows.definition import Flow, edition
from api.flows.records import publish_change, record_step
from api.flows.transitions import Transition, guard
from api.i18n import _

R = TypeVar("R", bound=Model)


async def start_stage(flow: Flow[R], record: R, stage: StrEnum | None, now: datetime) -> None:
    """Start the clock of `stage` by the record's kind's limit, or to the deadline the record
    sets itself (`Flow.deadline`), or stop every clock."""
    kind = flow.kind(record)
    limits = await flow.limits([(kind, stage)], now) if stage is not None else None
    until = flow.deadline(record, stage) if stage is not None else None
    run_clock(record, kind=kind, stage=stage, now=now, limits=limits, until=until)  # type: ignore[arg-type]


@dataclass
class Move(Generic[R]):
    """A transition being taken: the locked record, the transition chosen (the body may choose
    another, as a failed check sends work back), and what to do once the change is written."""

    flow: Flow[R]
    record: R
    action: StrEnum
    actor: Principal
    transition: Transition[Any, Any]
    before: StrEnum
    now: datetime
    note: str = ""
    attachment_ids: Sequence[str] = ()
    before_region: str | None = None  # the region holding it before
    entry: Model | None = None  # the timeline row, once written
    _then: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def tell(
        self, users: Sequence[uuid.UUID], *, kind: str, title: str, body: str = ""
    ) -> None:
        """Notices about the record to `users`, in the same transaction."""
        await notices.notify(
            user_ids=users,
            kind=kind,
            title=title,
            body=body,
            region_code=self.record.region_code,  # type: ignore[attr-defined]
            event_id=self.flow.notice_event(self.record),
        )

    def then(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` after the change is written, still in the transaction."""
        self._then.append(work)


@asynccontextmanager
async def transition(
    flow: Flow[R],
    *,
    actor: Principal,
    record_id: uuid.UUID,
    action: StrEnum,
    note: str = "",
    scope: Q | None = None,
    expected_version: int | None = None,
    authorize: Callable[[R], None] | None = None,
    chosen: Transition[Any, Any] | None = None,
) -> AsyncIterator[Move[R]]:
    """Take `action` on the record (see the module's docstring). `scope`: the rows the caller
    may see (others are not found); `authorize`: raises if the caller may not take it on
    this record; `chosen`: a transition other than the table's for `action`."""
    now = clock.now()
    async with in_transaction():
        query = flow.model.filter(id=record_id, **flow.where)
        if scope is not None:
            query = query.filter(scope)
        record = await query.select_for_update().first()
        if record is None:
            raise NotFound(flow.name, record_id)
        flow = edition(flow, record)
        version = record.version  # type: ignore[attr-defined]
        if expected_version is not None and version != expected_version:
            raise Conflict(
                _(
                    "the {name} changed meanwhile (version {version}, you saw {expected_version})",
                    name=flow.name,
                    version=version,
                    expected_version=expected_version,
                )
            )
        if authorize is not None:
            authorize(record)
        state = flow.state_of(record)
        move = Move(
            flow=flow,
            record=record,
            action=action,
            actor=actor,
            transition=guard(
                chosen or flow.transitions[action], action=action, state=state, noun=flow.noun
            ),
            before=state,
            now=now,
            note=note,
            before_region=flow.holder(record),
        )
        yield move
        await _write(move)


async def _write(move: Move[Any]) -> None:
    flow, record, chosen, now = move.flow, move.record, move.transition, move.now
    if chosen.to is not None:
        record.status = chosen.to
        if chosen.stage is not None or chosen.to not in flow.open_states:
            await start_stage(flow, record, chosen.stage, now)
    # every recorded step changes the record, supervision and comments too: a client caching by
    # version must see them
    record.version += 1
    flow.entered(record, now)
    await record.save()
    move.entry = await record_step(
        flow,
        record,
        actor=move.actor,
        action=move.action,
        before=move.before,
        note=move.note,
        now=now,
        before_region=move.before_region,
        attachment_ids=move.attachment_ids,
    )
    await publish_change(flow, record, action=move.action, actor=move.actor, at=now, note=move.note)
    for work in move._then:
        await work()


async def start(
    flow: Flow[R],
    record: R,
    *,
    actor: Principal,
    action: StrEnum,
    stage: StrEnum | None,
    note: str = "",
) -> Model:
    """Write a new record (built, not saved) with its first stage's clock running, its first
    timeline row and its change message; returns the timeline row."""
    now = clock.now()
    async with in_transaction():
        await start_stage(flow, record, stage, now)
        await record.save(force_create=True)
        entry = await record_step(
            flow,
            record,
            actor=actor,
            action=action,
            before=None,
            before_region=None,
            note=note,
            now=now,
        )
        await publish_change(flow, record, action=action, actor=actor, at=now, note=note)
    return entry
