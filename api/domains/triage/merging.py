"""重复件合并: a report merged into the event it repeats, and undone while that one is open.

The merged report keeps its reporter, photos and timeline; it points to the main event
(`merged_into_id`), its own clocks stop (the main event's run for both), and it ends with the main
event, with its result (api/domains/events/steps.py), so its reporter sees the outcome through
their own channel. A main event is never itself merged: no chains, hence no cycles."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, Final

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.events.enums import OPEN_STATUSES, Action, EventStatus, Stage
from api.domains.events.flow import EVENTS
from api.domains.events.inputs import MAX_NOTE, clean
from api.domains.events.models import Event, TimelineEntry
from api.domains.events.scope import authorize_step, readable_events
from api.domains.events.steps import StepOutcome
from api.domains.events.workflow import Transition
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows import SYSTEM
from api.flows import moves as flows
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor

# Only a report nobody has dispatched yet is merged: once a department works on it, it is work
# in progress of its own, and two handlers would each close "their" half.
MERGEABLE: Final = Transition(frozenset({EventStatus.REPORTED, EventStatus.FILED}), None)
UNMERGEABLE: Final = Transition(frozenset(OPEN_STATUSES), None)
# The clock an un-merged report runs again, by the state it was merged in.
STAGE_OF: Final = {EventStatus.REPORTED: Stage.FILE, EventStatus.FILED: Stage.DISPATCH}


async def merge(
    *,
    actor: Principal,
    report_id: uuid.UUID,
    into_id: uuid.UUID,
    note: str = "",
    expected_version: int | None = None,
) -> StepOutcome:
    """Merge the report into the event it repeats (the main event); returns the report."""
    return await _merge(
        actor=actor,
        report_id=report_id,
        into_id=into_id,
        note=clean(note, field="note", limit=MAX_NOTE),
        expected_version=expected_version,
        scope=readable_events(actor),
        authorize=functools.partial(authorize_step, actor, Action.MERGE),
    )


async def merge_by_rule(*, report_id: uuid.UUID, into_id: uuid.UUID, note: str) -> StepOutcome:
    """The worker's merge of a report whose best earlier candidate scored above its category's
    `merge_score` (api/domains/triage/automerge.py): the same rules, by the system, any region."""
    return await _merge(
        actor=SYSTEM,
        report_id=report_id,
        into_id=into_id,
        note=note,
        expected_version=None,
        scope=None,
        authorize=None,
    )


async def _merge(
    *,
    actor: Principal,
    report_id: uuid.UUID,
    into_id: uuid.UUID,
    note: str,
    expected_version: int | None,
    scope: Q | None,
    authorize: Callable[[Event], None] | None,
) -> StepOutcome:
    if report_id == into_id:
        raise ValidationFailed(_("an event cannot be merged into itself"), field="intoId")
    async with in_transaction():
        # Both rows locked in id order: two opposite merges (A into B, B into A) queue here
        # instead of deadlocking, and the second sees the first.
        rows = (
            await Event.filter(scope or Q(), id__in=[report_id, into_id])
            .order_by("id")
            .select_for_update()
        )
        found = {row.id: row for row in rows}
        main = found.get(into_id)
        if main is None:
            raise NotFound("event", into_id, field="intoId")
        if report_id not in found:
            raise NotFound("event", report_id, field="reportId")
        if authorize is not None:
            authorize(main)
        if main.status not in OPEN_STATUSES:
            raise Conflict(
                _(
                    "{case_number} is {value}: merge only into an open event",
                    case_number=main.case_number,
                    value=main.status.value,
                ),
                field="intoId",
                code=ErrorCode.INVALID_TRANSITION,
            )
        if main.merged_into_id is not None:
            raise Conflict(
                _(
                    "{case_number} is itself merged into another event: merge into that one",
                    case_number=main.case_number,
                ),
                field="intoId",
            )
        if found[report_id].merged_into_id is not None:
            raise Conflict(
                _("this report is already merged: un-merge it first"),
                field="reportId",
                code=ErrorCode.ALREADY_EXISTS,
            )
        async with flows.transition(
            EVENTS,
            actor=actor,
            record_id=report_id,
            action=Action.MERGE,
            note=note or f"并入 {main.case_number}",
            scope=scope,
            expected_version=expected_version,
            authorize=authorize,
            chosen=MERGEABLE,
        ) as move:
            report = move.record
            report.merged_into_id = main.id
            await flows.start_stage(EVENTS, report, None, move.now)  # the main's clock runs
            # What was merged into this report follows it: main events stay unmerged.
            await Event.filter(merged_into_id=report.id).update(merged_into_id=main.id)
    assert isinstance(move.entry, TimelineEntry)
    return StepOutcome(event=report, entry=move.entry)


async def unmerge(
    *,
    actor: Principal,
    report_id: uuid.UUID,
    note: str = "",
    expected_version: int | None = None,
) -> StepOutcome:
    """Undo a merge while the main event is open: the report is a case of its own again."""
    note = clean(note, field="note", limit=MAX_NOTE)
    async with in_transaction():
        report = await Event.filter(readable_events(actor), id=report_id).first()
        if report is None:
            raise NotFound("event", report_id, field="reportId")
        if report.merged_into_id is None:
            raise Conflict(_("this report is not merged"), field="reportId")
        # The main event first, as closing it locks it and then its reports.
        main = await Event.filter(id=report.merged_into_id).select_for_update().first()
        if main is None or main.status not in OPEN_STATUSES:
            raise Conflict(
                _("the main event has ended: its reports ended with it"),
                field="reportId",
                code=ErrorCode.INVALID_TRANSITION,
            )
        async with flows.transition(
            EVENTS,
            actor=actor,
            record_id=report_id,
            action=Action.UNMERGE,
            note=note or f"从 {main.case_number} 拆分",
            scope=readable_events(actor),
            expected_version=expected_version,
            authorize=functools.partial(authorize_step, actor, Action.MERGE),
            chosen=UNMERGEABLE,
        ) as move:
            report = move.record
            if report.merged_into_id != main.id:  # moved by a concurrent merge meanwhile
                raise Conflict(_("the report changed meanwhile; read it again"), field="reportId")
            report.merged_into_id = None
            await flows.start_stage(EVENTS, report, STAGE_OF.get(report.status), move.now)
    assert isinstance(move.entry, TimelineEntry)
    return StepOutcome(event=report, entry=move.entry)


async def merged_reports(
    *, actor: Principal, event_id: uuid.UUID, page: PageRequest
) -> tuple[Page[Event], Any]:
    """The reports merged into an event in the caller's scope, oldest first."""
    # out of the caller's scope, the main event's reports are as invisible as the event
    query = Event.filter(readable_events(actor), merged_into_id=event_id)
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(reported_at__gt=after_at) | Q(reported_at=after_at, id__gt=after_id))
    rows = await query.order_by("reported_at", "id").limit(page.first + 1)
    return make_page(rows, page, lambda e: f"{e.reported_at.isoformat()}|{e.id}"), filtered
