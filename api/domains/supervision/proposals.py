"""Accountability proposals (责任查究建议): a supervisor at a higher level raises one against a
unit (a region's centre, a department) or one account, on events or a frozen ranking period,
with the reason and the action asked for; the target unit replies; the raising side closes it
with an outcome. Each step has its time limit on the work calendar (cards by the sweep).

A proposal belongs to its target's region: it is listed to every level whose read scope covers
that region (the raising side among them), and to the person it is raised against."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Final

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.accounts.models import RoleAssignment, User
from api.domains.economy.flow import centre_of
from api.domains.economy.scope import check, readable, region
from api.domains.events.models import Event
from api.domains.events.scope import readable_events
from api.domains.hierarchy.models import Department, Region
from api.domains.notices import service as notices
from api.domains.stats.models import RankingSnapshot
from api.domains.supervision.enums import (
    ProposalAction,
    ProposalOutcome,
    ProposalStage,
    ProposalStatus,
    RequestedAction,
    TargetKind,
)
from api.domains.supervision.flow import PROPOSALS, people_at
from api.domains.supervision.models import AccountabilityProposal
from api.domains.supervision.pages import newest_first
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.flows import moves
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level, in_subtree
from policies.enforcer import get_enforcer

OBJECT: Final = "accountability"
MAX_TEXT: Final = 4000
MAX_EVENTS: Final = 20


@dataclass(frozen=True, slots=True)
class Target:
    """Against whom: a region's unit, a department, or an account (by its id)."""

    kind: TargetKind
    region_code: str | None = None
    department_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    region_code: str
    label: str
    department_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


def _text(value: str, *, field: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_TEXT or "\x00" in cleaned:
        raise ValidationFailed(
            _("{field} is 1 to {MAX_TEXT} characters", field=field, MAX_TEXT=MAX_TEXT), field=field
        )
    return cleaned


async def _resolve(target: Target) -> Resolved:
    """The target's unit region and label (a missing one is not found)."""
    if target.kind is TargetKind.REGION:
        if target.region_code is None:
            raise ValidationFailed(_("name the target region"), field="target.regionCode")
        code = region(target.region_code, field="target.regionCode")
        place = await Region.get_or_none(code=code, is_active=True)
        if place is None:
            raise NotFound("region", code, field="target.regionCode")
        return Resolved(code, place.name)
    if target.kind is TargetKind.DEPARTMENT:
        if target.department_id is None:
            raise ValidationFailed(_("name the target department"), field="target.departmentId")
        department = await Department.get_or_none(id=target.department_id)
        if department is None:
            raise NotFound("department", target.department_id, field="target.departmentId")
        return Resolved(department.region_code, department.name, department_id=department.id)
    if target.user_id is None:
        raise ValidationFailed(_("name the target account"), field="target.userId")
    user = await User.get_or_none(id=target.user_id, is_active=True)
    if user is None:
        raise NotFound("user", target.user_id, field="target.userId")
    held = sorted(
        str(code)
        for code in await RoleAssignment.filter(user_id=user.id).values_list(
            "region_code", flat=True
        )
    )
    if not held:
        raise ValidationFailed(_("the account holds no role anywhere"), field="target.userId")
    # the deepest unit the account works in
    return Resolved(max(held, key=len), user.display_name, user_id=user.id)


def _raising_region(actor: Principal, action: str, target_region: str) -> str:
    """The caller's unit that may `action` on a proposal against `target_region`: the policy at
    the target's level, held strictly above it (a proposal goes to a lower level)."""
    check(actor, OBJECT, action, at=target_region, field="target")
    level = Level.of_code(target_region)
    assert level is not None
    enforcer = get_enforcer()
    above = sorted(
        (
            a.region_code
            for a in actor.assignments
            if a.region_code != target_region
            and in_subtree(target_region, a.region_code)
            and enforcer.allows(a.role, level, OBJECT, action, at=target_region)
        ),
        key=len,
        reverse=True,
    )
    if not above:
        raise ValidationFailed(
            _("a proposal is raised against a lower level than yours"),
            field="target",
            code=ErrorCode.NOT_ALLOWED,
        )
    return above[0]


async def _linked_events(actor: Principal, event_ids: Sequence[uuid.UUID]) -> list[str]:
    if len(event_ids) > MAX_EVENTS:
        raise ValidationFailed(
            _("at most {MAX_EVENTS} events", MAX_EVENTS=MAX_EVENTS), field="eventIds"
        )
    wanted = list(dict.fromkeys(event_ids))
    found = set(
        await Event.filter(readable_events(actor), id__in=wanted).values_list("id", flat=True)
    )
    missing = [event_id for event_id in wanted if event_id not in found]
    if missing:
        raise NotFound("event", missing[0], field="eventIds")
    return [str(event_id) for event_id in wanted]


async def raise_proposal(
    *,
    actor: Principal,
    target: Target,
    reason: str,
    requested_action: RequestedAction,
    event_ids: Sequence[uuid.UUID] = (),
    ranking_snapshot_id: uuid.UUID | None = None,
) -> AccountabilityProposal:
    """Raise a proposal against a lower level's unit or account; the target unit's reply clock
    starts and its centre is told."""
    reason = _text(reason, field="reason")
    resolved = await _resolve(target)
    raised_at = _raising_region(actor, "raise", resolved.region_code)
    if not event_ids and ranking_snapshot_id is None:
        raise ValidationFailed(_("link events or a ranking period"), field="eventIds")
    linked = await _linked_events(actor, event_ids)
    if ranking_snapshot_id is not None:
        snapshot = await RankingSnapshot.get_or_none(id=ranking_snapshot_id)
        # the ranking must cover the target (and so lie on the raiser's own line)
        if snapshot is None or not in_subtree(resolved.region_code, snapshot.scope_code):
            raise NotFound("ranking", ranking_snapshot_id, field="rankingSnapshotId")
    proposal = AccountabilityProposal(
        id=uuid.uuid4(),
        region_code=resolved.region_code,
        target_kind=target.kind.value,
        target_department_id=resolved.department_id,
        target_user_id=resolved.user_id,
        target_label=resolved.label[:100],
        raised_region_code=raised_at,
        raised_by_id=actor.user_id,
        raised_by_label=(actor.display_name or actor.label)[:100],
        event_ids=linked,
        ranking_snapshot_id=ranking_snapshot_id,
        reason=reason,
        requested_action=requested_action.value,
        status=ProposalStatus.RAISED.value,
        flow_version=PROPOSALS.version,
        created_at=clock.now(),
    )
    async with in_transaction():
        await moves.start(
            PROPOSALS, proposal, actor=actor, action=ProposalAction.RAISE, stage=ProposalStage.REPLY
        )
        users = await people_at([centre_of(proposal.region_code)])
        if proposal.target_user_id is not None:
            users.append(proposal.target_user_id)
        await notices.notify(
            user_ids=users,
            kind="accountability_proposal",
            title=_("Accountability proposal: {target}", target=proposal.target_label),
            body=reason[:500],
            region_code=proposal.region_code,
        )
    return proposal


def readable_proposals(actor: Principal) -> Q:
    """Proposals against regions under the caller's read scope, and those against the caller."""
    scoped = readable(actor, OBJECT)
    if actor.user_id is None:
        return scoped
    return scoped | Q(target_user_id=actor.user_id)


def _move(
    actor: Principal,
    proposal_id: uuid.UUID,
    action: ProposalAction,
    *,
    note: str,
    version: int | None,
    authorize: Callable[[AccountabilityProposal], None],
) -> AbstractAsyncContextManager[moves.Move[AccountabilityProposal]]:
    """A step on a proposal the caller may read."""
    return moves.transition(
        PROPOSALS,
        actor=actor,
        record_id=proposal_id,
        action=action,
        note=note,
        scope=readable_proposals(actor),
        expected_version=version,
        authorize=authorize,
    )


def _replier(actor: Principal, proposal: AccountabilityProposal) -> None:
    """The target unit answers: a holder of the reply right at the target's own region (of the
    target department, for a department), or the account it is raised against."""
    if proposal.target_user_id is not None and proposal.target_user_id == actor.user_id:
        return
    check(actor, OBJECT, "reply", at=proposal.region_code, field="id")
    department = proposal.target_department_id
    if not any(
        a.region_code == proposal.region_code
        and (department is None or a.department_id == department)
        for a in actor.assignments
    ):
        raise ValidationFailed(
            _("only the unit the proposal is raised against replies"),
            field="id",
            code=ErrorCode.NOT_ALLOWED,
        )


async def reply(
    *, actor: Principal, proposal_id: uuid.UUID, text: str, version: int | None = None
) -> AccountabilityProposal:
    """The target unit's answer (once); the raising side's clock to conclude starts."""
    text = _text(text, field="reply")
    async with _move(
        actor,
        proposal_id,
        ProposalAction.REPLY,
        note=text,
        version=version,
        authorize=lambda proposal: _replier(actor, proposal),
    ) as move:
        held = move.record
        held.reply = text
        held.replied_by_id = actor.user_id
        held.replied_at = move.now
        await move.tell(
            await people_at([centre_of(held.raised_region_code)]),
            kind="accountability_proposal",
            title=_("Accountability proposal answered: {target}", target=held.target_label),
        )
    return held


def _closer(actor: Principal, proposal: AccountabilityProposal) -> None:
    """The raising unit (or a level above it) closes."""
    _raising_region(actor, "close", proposal.region_code)
    if not any(in_subtree(proposal.raised_region_code, a.region_code) for a in actor.assignments):
        raise ValidationFailed(
            _("only the raising side closes a proposal"), field="id", code=ErrorCode.NOT_ALLOWED
        )


async def close(
    *,
    actor: Principal,
    proposal_id: uuid.UUID,
    outcome: ProposalOutcome,
    note: str,
    version: int | None = None,
) -> AccountabilityProposal:
    """Conclude a proposal with its outcome (withdrawn before a reply, anything after one)."""
    note = _text(note, field="note")
    async with _move(
        actor,
        proposal_id,
        ProposalAction.CLOSE,
        note=note,
        version=version,
        authorize=lambda proposal: _closer(actor, proposal),
    ) as move:
        held = move.record
        if held.status == ProposalStatus.RAISED and outcome is not ProposalOutcome.WITHDRAWN:
            raise ValidationFailed(
                _("before the target replies a proposal can only be withdrawn"), field="outcome"
            )
        held.outcome = outcome.value
        held.outcome_note = note
        held.closed_by_id = actor.user_id
        held.closed_at = move.now
        users = await people_at([centre_of(held.region_code)])
        if held.target_user_id is not None:
            users.append(held.target_user_id)
        await move.tell(
            users,
            kind="accountability_proposal",
            title=_("Accountability proposal concluded: {target}", target=held.target_label),
        )
    return held


async def get(*, actor: Principal, proposal_id: uuid.UUID) -> AccountabilityProposal | None:
    return await AccountabilityProposal.filter(readable_proposals(actor), id=proposal_id).first()


async def of_scope(
    *,
    actor: Principal,
    region_code: str | None,
    status: ProposalStatus | None,
    raised_by_me: bool,
    page: PageRequest,
) -> tuple[Page[AccountabilityProposal], QuerySet[AccountabilityProposal]]:
    """Proposals the caller may read, newest first: against regions under `region_code`,
    only those the caller raised if asked."""
    query = AccountabilityProposal.filter(readable_proposals(actor))
    if region_code is not None:
        check(actor, OBJECT, "read", at=region_code)
        query = query.filter(region_code__startswith=region_code)
    if status is not None:
        query = query.filter(status=status.value)
    if raised_by_me:
        query = query.filter(raised_by_id=actor.user_id)
    return await newest_first(query, page), query
