"""The steps after the report: file, dispatch, handle, verify, close, evaluate, escalate,
supervise, comment. Every step locks the event row, checks the transition table and the caller's
policy at the level holding the event, and writes the change and its timeline row in one
transaction."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from api.auth import Principal
from api.domains.accounts.models import RoleAssignment, User
from api.domains.events import codes, cohandling, site_checks
from api.domains.events.enums import (
    OPEN_STATUSES,
    Action,
    EventStatus,
    Source,
    Verification,
)
from api.domains.events.escalation import escalation_of, hand_up
from api.domains.events.flow import EVENTS
from api.domains.events.inputs import MAX_NOTE, clean
from api.domains.events.models import Category, Event, TimelineEntry
from api.domains.events.scope import authorize_step, readable_events
from api.domains.events.staff import ASSIGNEE_ROLES, assignee_users, centre_users
from api.domains.events.workflow import (
    REWORK,
    Transition,
)
from api.domains.hierarchy.models import Department
from api.domains.notices import service as notices
from api.errors import (
    Conflict,
    ErrorCode,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from api.flows import moves as flows
from api.i18n import _, _p

# What a citizen is told of their appeal: its status in words, and the staff's note only where
# it is meant for them (a rejection's reason, the result, the closing remark).
# (Messages in the citizen's words, not the vocabulary's staff labels: "received", not "reported")
STATUS_NAMES = {
    EventStatus.REPORTED: _p("appeal status", "received"),
    EventStatus.FILED: _p("appeal status", "filed"),
    EventStatus.REJECTED: _p("appeal status", "not filed"),
    EventStatus.ASSIGNED: _p("appeal status", "dispatched"),
    EventStatus.IN_PROGRESS: _p("appeal status", "being handled"),
    EventStatus.HANDLED: _p("appeal status", "handled"),
    EventStatus.VERIFIED: _p("appeal status", "checked"),
    EventStatus.CLOSED: _p("appeal status", "concluded"),
    EventStatus.EVALUATED: _p("appeal status", "evaluated"),
}


REPORTER_NOTES = frozenset({Action.REJECT, Action.SUBMIT, Action.CLOSE, Action.MAIN_PROGRESS})
# A merged report (重复件) is handled as its main event: on itself only what adds to the record.
MERGED_REPORT_ACTIONS = frozenset(
    {Action.COMMENT, Action.SUPERVISE, Action.FOLLOW_UP, Action.EVALUATE}
)


@dataclass(slots=True)
class StepOutcome:
    event: Event
    entry: TimelineEntry
    extra: dict[str, Any] = field(default_factory=dict)


async def _step(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    action: Action,
    note: str = "",
    expected_version: int | None = None,
    transition: Transition | None = None,
    apply: Any = None,
    owned: bool = False,
    authorize: Any = None,
) -> StepOutcome:
    """Lock, check, change, record (the kernel's transition): the skeleton of every step after
    the report. `owned`: an intake channel (a hotline's work order, a citizen's appeal) has
    already established that the caller submitted this event, which is then its whole
    authority, not the staff policy. `authorize`: a check of its own instead of the policy at
    the level holding the event (on-site verification asks the event's grid)."""
    note = clean(note, field="note", limit=MAX_NOTE)
    extra: dict[str, Any] = {}
    async with flows.transition(
        EVENTS,
        actor=actor,
        record_id=event_id,
        action=action,
        note=note,
        scope=None if owned else readable_events(actor),
        expected_version=expected_version,
        authorize=None if owned else authorize or functools.partial(authorize_step, actor, action),
        chosen=transition,
    ) as move:
        event = move.record
        if event.merged_into_id is not None and action not in MERGED_REPORT_ACTIONS:
            raise Conflict(
                _("this report is merged into another event: handle that one (or un-merge it)"),
                code=ErrorCode.INVALID_TRANSITION,
            )
        if apply is not None:
            move.transition = await apply(event, move.transition, extra) or move.transition
            move.note = extra.pop("note", move.note)  # a step that says what it changed
        before = move.before

        async def tell_citizen() -> None:
            if event.status is not before:
                await _tell_citizen(event, actor=actor, action=action, note=note)

        async def end_merged_reports() -> None:
            if before in OPEN_STATUSES and event.status not in OPEN_STATUSES:
                await _end_merged_reports(event, actor=actor, action=action, note=note)
            elif event.status is not before:
                await _relay_to_merged_reports(event, actor=actor)

        move.then(tell_citizen)
        move.then(end_merged_reports)
    assert isinstance(move.entry, TimelineEntry)
    return StepOutcome(event=event, entry=move.entry, extra=extra)


async def _end_merged_reports(main: Event, *, actor: Principal, action: Action, note: str) -> None:
    """重复件: the reports merged into `main` end with it, in the same transaction and with its
    result, so each reporter, who follows their own report through their channel (appeal, work
    order, Open311 request), sees how the incident ended."""
    report_ids = [
        report.id
        for report in await Event.filter(merged_into_id=main.id, status__in=list(OPEN_STATUSES))
        .order_by("id")
        .only("id")
    ]
    if not report_ids:
        return
    results = (
        await TimelineEntry.filter(event_id=main.id, action=Action.SUBMIT)
        .order_by("-id")
        .limit(1)
        .values_list("note", flat=True)
    )
    told = "；".join(str(text) for text in (*results, note) if text)
    told = f"{told}（同一事件 {main.case_number}）" if told else f"同一事件 {main.case_number}"
    ending = Transition(frozenset(OPEN_STATUSES), main.status)
    for report_id in report_ids:
        async with flows.transition(
            EVENTS, actor=actor, record_id=report_id, action=action, note=told, chosen=ending
        ) as move:
            report = move.record
        await _tell_citizen(report, actor=actor, action=action, note=told)


async def _relay_to_merged_reports(main: Event, *, actor: Principal) -> None:
    """重复件: each open report merged into `main` gets a MAIN_PROGRESS row naming the main
    event's new status (its own stays, its clocks stay stopped), so its reporter follows the
    incident in their channel: the appeal's progress and a notice, the work order's timeline,
    the Open311 request's `status_notes`."""
    report_ids = [
        report.id
        for report in await Event.filter(merged_into_id=main.id, status__in=list(OPEN_STATUSES))
        .order_by("id")
        .only("id")
    ]
    told = _(
        "Same incident {case_number}: {status}",
        case_number=main.case_number,
        status=STATUS_NAMES[main.status],
    )
    unchanged = Transition(frozenset(OPEN_STATUSES), None)
    for report_id in report_ids:
        async with flows.transition(
            EVENTS,
            actor=actor,
            record_id=report_id,
            action=Action.MAIN_PROGRESS,
            note=told,
            chosen=unchanged,
        ) as move:
            report = move.record
        await _tell_citizen(
            report, actor=actor, action=Action.MAIN_PROGRESS, note=told, status=main.status
        )


async def _tell_citizen(
    event: Event,
    *,
    actor: Principal,
    action: Action,
    note: str,
    status: EventStatus | None = None,
) -> None:
    """A citizen follows their appeal: each change of its status (or, merged, of its main
    event's: `status`) is a notice to them (in-app and on their notices feed), with the reason
    or result where there is one."""
    if event.source is not Source.CITIZEN or event.reporter_id is None:
        return
    if event.reporter_id == actor.user_id:
        return
    await notices.notify(
        user_ids=[event.reporter_id],
        kind="appeal_progress",
        title=_(
            "Your appeal {case_number}: {status}",
            case_number=event.case_number,
            status=STATUS_NAMES[status or event.status],
        ),
        body=note if action in REPORTER_NOTES else "",
        region_code=event.region_code,
        event_id=event.id,
    )


async def file(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    note: str = "",
    expected_version: int | None = None,
    category_key: str | None = None,
) -> StepOutcome:
    """Step 2, 立案: accept the report as a case, in the category the desk chose (分拨: the
    reporter's, unless `category_key` names another category used at the event's region)."""

    async def recategorise(event: Event, transition: Transition, extra: dict[str, Any]) -> None:
        if category_key is None or category_key == event.category_key:
            return
        category = await Category.get_or_none(key=category_key, is_active=True)
        if category is None or not codes.usable_at(category, event.region_code):
            raise ValidationFailed(
                _("unknown category {category_key}", category_key=category_key), field="categoryKey"
            )
        change = f"类别 {event.category_key} → {category_key}"
        extra["note"] = f"{note}（{change}）" if note else change
        event.category_key = category_key

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.FILE,
        note=note,
        expected_version=expected_version,
        apply=recategorise,
    )


async def reject(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """不予立案: not a case (duplicate, not our remit …); a reason is required."""
    clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.REJECT,
        note=note,
        expected_version=expected_version,
    )


async def assign(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    department_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    note: str = "",
    expected_version: int | None = None,
    cohandlers: Sequence[cohandling.CohandlerRequest] = (),
) -> StepOutcome:
    """Step 3, 派遣: dispatch to a department and/or a person at or below the holding level,
    with any co-handling departments (协办), each given its own task."""
    if department_id is None and user_id is None:
        raise ValidationFailed(_("dispatch to a department or a person"), field="departmentId")
    if cohandlers and department_id is None:
        raise ValidationFailed(_("co-handlers join a lead department"), field="cohandlers")

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        scope = event.handling_region_code
        if department_id is not None:
            department = await Department.get_or_none(id=department_id, is_active=True)
            if department is None or not department.region_code.startswith(scope):
                raise NotFound("department", department_id, field="departmentId")
        if user_id is not None:
            holds = await RoleAssignment.filter(
                user_id=user_id, role__in=list(ASSIGNEE_ROLES), region_code__startswith=scope
            ).exists()
            active = await User.exists(id=user_id, is_active=True)
            if not (holds and active):
                raise NotFound("user", user_id, field="userId")
        event.assignee_department_id = department_id
        event.assignee_user_id = user_id
        tasks = await cohandling.start_tasks(event, cohandlers, actor=actor, lead=department_id)
        extra["cohandlings"] = tasks
        await notices.notify(
            user_ids=await assignee_users(event),
            kind="dispatch",
            title=_(
                "New dispatch {case_number}: {title}",
                case_number=event.case_number,
                title=event.title,
            ),
            body=note,
            region_code=event.region_code,
            event_id=event.id,
        )

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.ASSIGN,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


def _check_assignee(actor: Principal, event: Event) -> None:
    mine = event.assignee_user_id is not None and event.assignee_user_id == actor.user_id
    my_department = event.assignee_department_id is not None and any(
        a.department_id == event.assignee_department_id for a in actor.assignments
    )
    if not (mine or my_department):
        raise NotAllowed(
            _("only the assignee (the person or a member of the department) may do this")
        )


async def _assignee_step(
    actor: Principal, event_id: uuid.UUID, action: Action, note: str, expected_version: int | None
) -> StepOutcome:
    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        _check_assignee(actor, event)
        if action is Action.RETURN:
            event.assignee_department_id = event.assignee_user_id = None
            await cohandling.withdraw_open([event.id], actor=actor, note="牵头单位退回，协办撤回")
        if action is Action.SUBMIT:
            await cohandling.lapse_overdue(event, actor=actor)
            await site_checks.tell_verifiers(event)

    return await _step(
        actor=actor,
        event_id=event_id,
        action=action,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


async def accept(
    *, actor: Principal, event_id: uuid.UUID, note: str = "", expected_version: int | None = None
) -> StepOutcome:
    """Step 4, 受理/调查: the assignee takes the work on."""
    return await _assignee_step(actor, event_id, Action.ACCEPT, note, expected_version)


async def return_dispatch(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """回退: not our competence; back to the dispatching centre (a reason is required)."""
    clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _assignee_step(actor, event_id, Action.RETURN, note, expected_version)


async def submit(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """Step 5, 处置反馈: the result, described."""
    clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _assignee_step(actor, event_id, Action.SUBMIT, note, expected_version)


def _outcome_of_check(event: Event, *, passed: bool) -> Transition | None:
    """A passed check takes the table's transition; a failed one sends the work back (返工)."""
    if passed:
        return None
    event.rework_count += 1
    return REWORK


async def verify(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    passed: bool,
    note: str = "",
    expected_version: int | None = None,
) -> StepOutcome:
    """核查: the centre checks the result; a failure sends it back for rework."""
    if not passed:
        clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> Transition | None:
        if await site_checks.mode_of(event) is Verification.ON_SITE:
            raise NotAllowed(
                _("this category's results are verified on site by the leader of the event's grid")
            )
        return _outcome_of_check(event, passed=passed)

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.VERIFY,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


async def report_cohandling(
    *,
    actor: Principal,
    cohandling_id: uuid.UUID,
    result: str,
    expected_version: int | None = None,
) -> StepOutcome:
    """协办反馈: a co-handling department reports its part; the event's timeline records it
    (under the event's lock, so the lead's result never passes a co-handler reporting)."""
    clean(result, field="result", limit=MAX_NOTE, required=True)
    event_id = await cohandling.task_event_id(cohandling_id)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        extra["cohandling"] = await cohandling.report(
            actor=actor, task_id=cohandling_id, event=event, result=result.strip()
        )

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.COHANDLE,
        note=result,
        expected_version=expected_version,
        apply=apply,
    )


async def verify_on_site(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    check: site_checks.SiteCheckInput,
    expected_version: int | None = None,
) -> StepOutcome:
    """现场核查: the leader of the event's grid checks the result where it happened; passed →
    the centre closes, failed → back to the department with the reason (rework)."""
    note = site_checks.check_input(check)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> Transition | None:
        extra["site_check"] = await site_checks.record(actor=actor, event=event, check=check)
        return _outcome_of_check(event, passed=check.passed)

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.VERIFY_ON_SITE,
        note=note,
        expected_version=expected_version,
        apply=apply,
        authorize=functools.partial(site_checks.authorize_verifier, actor),
    )


async def close(
    *, actor: Principal, event_id: uuid.UUID, note: str = "", expected_version: int | None = None
) -> StepOutcome:
    """Step 6, 结案归档."""
    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.CLOSE,
        note=note,
        expected_version=expected_version,
    )


async def evaluate(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    satisfaction: int,
    note: str = "",
    expected_version: int | None = None,
    owned: bool = False,
) -> StepOutcome:
    """Step 7, 回访评价: satisfaction 1 (very unsatisfied) to 5 (very satisfied); `owned` when
    the reporter rates it through their channel (a hotline's callback, a citizen's rating)."""
    if not 1 <= satisfaction <= 5:
        raise ValidationFailed(_("satisfaction is 1 to 5"), field="satisfaction")

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        event.satisfaction = satisfaction

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.EVALUATE,
        note=note,
        expected_version=expected_version,
        apply=apply,
        owned=owned,
    )


async def _notify_holders(event: Event, kind: str, title: str, body: str) -> None:
    """Notices to the centre holding the event and to whoever it is dispatched to."""
    await notices.notify(
        user_ids=[*await centre_users(event), *await assignee_users(event)],
        kind=kind,
        title=title,
        body=body,
        region_code=event.region_code,
        event_id=event.id,
    )


async def follow_up(*, actor: Principal, event_id: uuid.UUID, note: str) -> StepOutcome:
    """补充信息: the reporter adds to an open event through their channel; the centre holding
    it is notified. Callers establish ownership first (the step is `owned`)."""
    clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        await _notify_holders(
            event,
            "follow_up",
            _(
                "More information {case_number}: {title}",
                case_number=event.case_number,
                title=event.title,
            ),
            note,
        )

    return await _step(
        actor=actor, event_id=event_id, action=Action.FOLLOW_UP, note=note, apply=apply, owned=True
    )


async def escalate(
    *, actor: Principal, event_id: uuid.UUID, note: str, expected_version: int | None = None
) -> StepOutcome:
    """上报上级: hand the event to a higher centre; where it happened stays."""
    clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> Transition:
        hand_up(event)
        await cohandling.withdraw_open([event.id], actor=actor, note="事件上报上级，协办撤回")
        return escalation_of(event)

    return await _step(
        actor=actor,
        event_id=event_id,
        action=Action.ESCALATE,
        note=note,
        expected_version=expected_version,
        apply=apply,
    )


async def supervise(*, actor: Principal, event_id: uuid.UUID, note: str) -> StepOutcome:
    """督办: a leader above presses for progress (logged; the holder and assignee are notified)."""
    clean(note, field="note", limit=MAX_NOTE, required=True)

    async def apply(event: Event, chosen: Transition, extra: dict[str, Any]) -> None:
        await _notify_holders(
            event,
            "supervision",
            _(
                "Supervision {case_number}: {title}",
                case_number=event.case_number,
                title=event.title,
            ),
            note,
        )

    return await _step(
        actor=actor, event_id=event_id, action=Action.SUPERVISE, note=note, apply=apply
    )


async def comment(*, actor: Principal, event_id: uuid.UUID, note: str) -> StepOutcome:
    """点评: a leader's remark on how the event was handled."""
    clean(note, field="note", limit=MAX_NOTE, required=True)
    return await _step(actor=actor, event_id=event_id, action=Action.COMMENT, note=note)
