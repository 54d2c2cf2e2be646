"""Reviewed data entry (审核): a community switches review on for its grids; its staff approve
or return the edits held for them (`review_flow.py` holds them), an approval applying the diff
to the record at once, with a history row naming the author and the approver."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tortoise.functions import Count

from api import clock
from api.auth import Principal
from api.domains.registry.enums import (
    OPEN_PENDING,
    ChangeAction,
    PendingAction,
    PendingStatus,
    RecordKind,
    RecordStatus,
)
from api.domains.registry.models import PendingChange, RegistryChange, ReviewRule
from api.domains.registry.records import (
    MODELS,
    jsonable,
    keyset_page,
    readable,
    save_record,
    valid_region_code,
    within_region,
)
from api.domains.registry.review_flow import PENDING_CHANGES, mark_decided
from api.domains.registry.validation import text
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.flows import moves
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level
from policies.enforcer import authorize

MAX_NOTE: Final = 500
MAX_COUNTS: Final = 100


def readable_changes(actor: Principal) -> Any:
    """Held edits where the caller may read them (a grid worker: their grid's)."""
    return readable(actor, "registry_change")


async def set_review(*, actor: Principal, region_code: str, required: bool) -> ReviewRule:
    """A community requires (or stops requiring) review of its grids' registry edits and
    imports; edits already held stay to be decided."""
    code = valid_region_code(region_code)
    if Level.of_code(code) is not Level.COMMUNITY:
        raise ValidationFailed(_("review is set for a community"), field="regionCode")
    authorize(actor.assignments, "registry_change", "configure", at=code)
    rule, _unused = await ReviewRule.get_or_create(
        region_code=code, defaults={"required": required, "set_by_label": actor.label[:100]}
    )
    rule.required = required
    rule.set_by_id = actor.user_id or actor.api_key_id
    rule.set_by_label = actor.label[:100]
    await rule.save()
    return rule


def _check_reviewer(actor: Principal, change: PendingChange) -> None:
    try:
        authorize(actor.assignments, "registry_change", "review", at=change.region_code)
    except PermissionDenied as error:
        raise NotAllowed(_("your roles may not review registry changes here")) from error
    if change.submitted_by_id is not None and change.submitted_by_id in {
        actor.user_id,
        actor.api_key_id,
    }:
        raise NotAllowed(_("a change is reviewed by someone other than its author"))


def restored(kind: RecordKind, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The diff's new values as the record's columns hold them (dates, decimals, ids, enums)."""
    fields = MODELS[kind]._meta.fields_map
    return {name: fields[name].to_python_value(diff["new"]) for name, diff in changes.items()}


async def _apply(actor: Principal, change: PendingChange) -> None:
    """Apply an approved diff to its record, locked: a record deregistered meanwhile, or a field
    changed since the diff was taken, is a conflict and nothing is written."""
    kind = RecordKind(change.record_kind)
    record: Any = await MODELS[kind].filter(id=change.record_id).select_for_update().first()
    if record is None or record.status is not RecordStatus.ACTIVE:
        raise Conflict(
            _("the {value} was deregistered meanwhile: return the change", value=kind.value),
            field="id",
            code=ErrorCode.INACTIVE,
        )
    stale = sorted(
        name
        for name, diff in change.changes.items()
        if jsonable(getattr(record, name)) != diff["old"]
    )
    if stale:
        raise Conflict(
            _(
                "the {value} changed meanwhile ({items}): return the change",
                value=kind.value,
                items=", ".join(stale),
            ),
            field="id",
        )
    for name, value in restored(kind, change.changes).items():
        setattr(record, name, value)
    record.version += 1
    await save_record(record, kind=kind)
    await RegistryChange.create(
        record_kind=kind,
        record_id=record.id,
        region_code=record.region_code,
        action=ChangeAction.UPDATE,
        actor_id=change.submitted_by_id,
        actor_label=change.submitted_by_label,
        changes=dict(change.changes),
        at=clock.now(),
        approved_by_id=actor.user_id or actor.api_key_id,
        approved_by_label=actor.label[:100],
    )


async def review_change(
    *,
    actor: Principal,
    change_id: uuid.UUID,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> PendingChange:
    """Approve a held edit (applied to its record at once) or return it with a note; of two
    reviewers deciding at once, one wins and the other is told it was decided."""
    cleaned = text(MAX_NOTE, required=not approve).clean(note, field="note") or ""
    async with moves.transition(
        PENDING_CHANGES,
        actor=actor,
        record_id=change_id,
        action=PendingAction.APPROVE if approve else PendingAction.RETURN,
        note=cleaned,
        scope=readable_changes(actor),
        expected_version=expected_version,
        authorize=lambda change: _check_reviewer(actor, change),
    ) as move:
        change = move.record
        if approve:
            await _apply(actor, change)
        mark_decided(change, actor, move.now, cleaned)
        if change.submitted_by_id is not None:
            kind = change.record_kind.value
            await move.tell(
                [change.submitted_by_id],
                kind="registry_change_review",
                title=_("Your change to a {kind} is approved", kind=kind)
                if approve
                else _("Your change to a {kind} is sent back", kind=kind),
                body=cleaned,
            )
    return move.record


async def withdraw_change(
    *, actor: Principal, change_id: uuid.UUID, expected_version: int | None = None
) -> PendingChange:
    """The author drops their own held edit (pending or returned)."""
    author = actor.user_id or actor.api_key_id

    def own(change: PendingChange) -> None:
        if change.submitted_by_id is None or change.submitted_by_id != author:
            raise NotFound("pending change", change_id)

    async with moves.transition(
        PENDING_CHANGES,
        actor=actor,
        record_id=change_id,
        action=PendingAction.WITHDRAW,
        scope=readable_changes(actor),
        expected_version=expected_version,
        authorize=own,
    ):
        pass
    found = await PendingChange.get(id=change_id)
    return found


@dataclass(frozen=True, slots=True)
class PendingFilter:
    region_code: str | None = None
    status: PendingStatus | None = None
    record_kind: RecordKind | None = None
    record_id: uuid.UUID | None = None


async def get_change(*, actor: Principal, change_id: uuid.UUID) -> PendingChange:
    found = await PendingChange.filter(readable_changes(actor), id=change_id).first()
    if found is None:
        raise NotFound("pending change", change_id)
    return found


async def list_changes(
    *, actor: Principal, page: PageRequest, filters: PendingFilter
) -> tuple[Page[PendingChange], Any]:
    """Held edits in scope (oldest first by id), by region, status, kind or record."""
    query = within_region(PendingChange.filter(readable_changes(actor)), filters.region_code)
    if filters.status is not None:
        query = query.filter(status=filters.status.value)
    if filters.record_kind is not None:
        query = query.filter(record_kind=filters.record_kind)
    if filters.record_id is not None:
        query = query.filter(record_id=filters.record_id)
    return await keyset_page(query, page), query


async def open_changes(
    actor: Principal, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PendingChange]:
    """The open held edit of each record, where the caller may read held edits."""
    rows = await PendingChange.filter(
        readable_changes(actor),
        record_id__in=list(record_ids),
        status__in=[s.value for s in OPEN_PENDING],
    )
    return {uuid.UUID(str(row.record_id)): row for row in rows}


@dataclass(frozen=True, slots=True)
class PendingCount:
    region_code: str
    pending: int
    returned: int


async def pending_counts(
    *, actor: Principal, region_code: str, after: str | None = None, first: int = MAX_COUNTS
) -> list[PendingCount]:
    """Open held edits per grid under `region_code` (grids in code order, at most 100 after
    `after`); grids with none are left out."""
    code = valid_region_code(region_code)
    authorize(actor.assignments, "registry_change", "read", at=code)
    if not 1 <= first <= MAX_COUNTS:
        raise ValidationFailed(
            _("first is 1 to {MAX_COUNTS}", MAX_COUNTS=MAX_COUNTS), field="first"
        )
    query = PendingChange.filter(
        readable_changes(actor),
        region_code__startswith=code,
        status__in=[s.value for s in OPEN_PENDING],
    )
    if after:
        query = query.filter(region_code__gt=valid_region_code(after, field="after"))
    rows = (
        await query.annotate(n=Count("id"))
        .group_by("region_code", "status")
        .order_by("region_code")
        .values("region_code", "status", "n")
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["region_code"], {})[row["status"]] = row["n"]
    return [
        PendingCount(
            code,
            by_status.get(PendingStatus.PENDING.value, 0),
            by_status.get(PendingStatus.RETURNED.value, 0),
        )
        for code, by_status in sorted(counts.items())[:first]
    ]
