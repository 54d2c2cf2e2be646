"""Safety inspections (安全检查) of houses, buildings and organisations: the hazards found
(隐患), each with a rectification owner and deadline on the flow kernel, re-inspection (复查)
that passes or extends, closure (销号), escalation into an event, and the hazard ledger
(隐患台账) of a region and period."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock, flows
from api.auth import Principal
from api.domains.accounts.models import User
from api.domains.care.enums import (
    HazardAction,
    HazardLevel,
    HazardStage,
    HazardStatus,
    InspectionAction,
    InspectionStatus,
    TargetKind,
)
from api.domains.care.flow import HAZARDS, INSPECTIONS
from api.domains.care.models import Hazard, Inspection
from api.domains.diaries.scope import check, newest_first, readable, signed_in_user
from api.domains.events import reporting
from api.domains.events.models import Event
from api.domains.registry.enums import RecordKind, RecordStatus
from api.domains.registry.models import Building, House, Organisation
from api.domains.registry.records import readable_record
from api.domains.registry.validation import coded
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows.calendar import LOCAL
from api.flows.models import FlowStep
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level

MAX_HAZARDS = 20
MAX_PHOTOS = 9
MAX_PHOTO_ID = 64
MAX_DESCRIPTION = 1000
MAX_NOTE = 2000
MAX_OWNER = 100
MAX_TITLE = 200
MAX_DEADLINE = timedelta(days=366)
MAX_LEDGER_DAYS = 366
MAX_BACKDATE = timedelta(days=31)
# an escalated hazard's event has an id derived from the hazard, so a retried escalation
# reports the same event
ESCALATION_NAMESPACE = uuid.UUID("6f1d7a0e-3c55-4b8e-9a61-0b8a9a1c2d44")

TARGETS: dict[TargetKind, tuple[Any, RecordKind]] = {
    TargetKind.HOUSE: (House, RecordKind.HOUSE),
    TargetKind.BUILDING: (Building, RecordKind.BUILDING),
    TargetKind.ORGANISATION: (Organisation, RecordKind.ORGANISATION),
}


@dataclass(frozen=True)
class HazardInput:
    hazard_type: str  # GB/T 31000 5.19 隐患类型
    level: HazardLevel
    description: str
    owner_name: str
    deadline: datetime
    owner_user_id: uuid.UUID | None = None
    photo_ids: Sequence[str] = field(default_factory=tuple)
    lat: float | None = None
    lng: float | None = None


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise ValidationFailed(_("{field} is required", field=field), field=field)
    if len(text) > limit or "\x00" in text:
        raise ValidationFailed(
            _("{field} is at most {limit} characters", field=field, limit=limit), field=field
        )
    return text


def _deadline(value: datetime, now: datetime, *, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed(_("{field} needs a time zone", field=field), field=field)
    if value <= now:
        raise ValidationFailed(_("{field} is in the past", field=field), field=field)
    if value - now > MAX_DEADLINE:
        raise ValidationFailed(_("{field} is within a year", field=field), field=field)
    return value


def _hazard(data: HazardInput, index: int, *, inspection: Inspection, now: datetime) -> Hazard:
    prefix = f"hazards.{index}."
    hazard_type = coded("5.19", required=True).clean(data.hazard_type, field=prefix + "hazardType")
    if len(data.photo_ids) > MAX_PHOTOS or any(
        not 1 <= len(photo) <= MAX_PHOTO_ID for photo in data.photo_ids
    ):
        raise ValidationFailed(
            _("at most {MAX_PHOTOS} photo ids", MAX_PHOTOS=MAX_PHOTOS), field=prefix + "photoIds"
        )
    if (data.lat is None) != (data.lng is None) or (
        data.lat is not None
        and data.lng is not None
        and not (-90 <= data.lat <= 90 and -180 <= data.lng <= 180)
    ):
        raise ValidationFailed(_("a position is a WGS-84 lat and lng"), field=prefix + "lat")
    return Hazard(
        id=uuid.uuid4(),
        inspection_id=inspection.id,
        region_code=inspection.region_code,
        hazard_type=hazard_type,
        level=data.level,
        description=_text(data.description, field=prefix + "description", limit=MAX_DESCRIPTION),
        photo_ids=list(data.photo_ids),
        lat=data.lat,
        lng=data.lng,
        owner_name=_text(data.owner_name, field=prefix + "ownerName", limit=MAX_OWNER),
        owner_user_id=data.owner_user_id,
        deadline=_deadline(data.deadline, now, field=prefix + "deadline"),
        inspector_id=inspection.inspector_id,
        found_at=inspection.inspected_at,
        status=HazardStatus.RECTIFYING.value,
        created_at=now,
    )


async def record(
    *,
    actor: Principal,
    target_kind: TargetKind,
    target_id: uuid.UUID,
    inspected_at: datetime,
    note: str,
    hazards: Sequence[HazardInput],
) -> tuple[Inspection, list[Hazard]]:
    """An inspection and the hazards it found, each starting its rectification clock."""
    inspector_id = signed_in_user(actor)
    model, kind = TARGETS[target_kind]
    target = await readable_record(actor, model, target_id, kind=kind, field="targetId")
    if target.status is not RecordStatus.ACTIVE:
        raise ValidationFailed(_("the target is deregistered"), field="targetId")
    check(actor, "inspection", "create", at=target.region_code, what="the target")
    now = clock.now()
    if inspected_at.tzinfo is None or not now - MAX_BACKDATE <= inspected_at <= now:
        raise ValidationFailed(
            _("inspectedAt is a time within the last 31 days"), field="inspectedAt"
        )
    if len(hazards) > MAX_HAZARDS:
        raise ValidationFailed(
            _("at most {MAX_HAZARDS} hazards", MAX_HAZARDS=MAX_HAZARDS), field="hazards"
        )
    owners = {h.owner_user_id for h in hazards if h.owner_user_id is not None}
    known = set(await User.filter(id__in=list(owners), is_active=True).values_list("id", flat=True))
    for index, data in enumerate(hazards):
        if data.owner_user_id is not None and data.owner_user_id not in known:
            raise NotFound("user", data.owner_user_id, field=f"hazards.{index}.ownerUserId")
    inspection = Inspection(
        id=uuid.uuid4(),
        region_code=target.region_code,
        target_kind=target_kind,
        target_id=target.id,
        target_label=_label(target)[:200],
        inspector_id=inspector_id,
        inspector_label=actor.label[:100],
        inspected_at=inspected_at,
        note=_text(note, field="note", limit=MAX_NOTE, required=False),
        status=(InspectionStatus.OPEN if hazards else InspectionStatus.CLOSED).value,
        closed_at=None if hazards else now,
        created_at=now,
    )
    found = [
        _hazard(data, index, inspection=inspection, now=now) for index, data in enumerate(hazards)
    ]
    async with in_transaction():
        await flows.start(
            INSPECTIONS, inspection, actor=actor, action=InspectionAction.RECORD, stage=None
        )
        for hazard in found:
            await flows.start(
                HAZARDS,
                hazard,
                actor=actor,
                action=HazardAction.FIND,
                stage=HazardStage.RECTIFICATION,
            )
    return inspection, found


def _label(target: Any) -> str:
    return str(
        getattr(target, "address", None)
        or getattr(target, "name", None)
        or getattr(target, "house_code", None)
        or target.id
    )


def _authorize(actor: Principal, action: str) -> Any:
    def check_hazard(hazard: Hazard) -> None:
        check(actor, "inspection", action, at=hazard.region_code, what="the hazard")

    return check_hazard


async def reinspect(
    *,
    actor: Principal,
    hazard_id: uuid.UUID,
    passed: bool,
    note: str,
    new_deadline: datetime | None = None,
    expected_version: int | None = None,
) -> Hazard:
    """复查: passed, the hazard awaits closure; not yet, its rectification gets a new deadline."""
    note = _text(note, field="note", limit=MAX_NOTE, required=not passed)
    now = clock.now()
    if passed and new_deadline is not None:
        raise ValidationFailed(_("a passed re-inspection sets no deadline"), field="newDeadline")
    if not passed:
        if new_deadline is None:
            raise ValidationFailed(
                _("a failed re-inspection sets a new deadline"), field="newDeadline"
            )
        _deadline(new_deadline, now, field="newDeadline")
    async with flows.transition(
        HAZARDS,
        actor=actor,
        record_id=hazard_id,
        action=HazardAction.REINSPECT if passed else HazardAction.EXTEND,
        note=note,
        scope=readable(actor, "inspection"),
        expected_version=expected_version,
        authorize=_authorize(actor, "reinspect"),
    ) as move:
        move.record.reinspected_at = move.now
        move.record.reinspection_note = note
        if new_deadline is not None:
            move.record.deadline = new_deadline
    return move.record


async def close(
    *, actor: Principal, hazard_id: uuid.UUID, note: str, expected_version: int | None = None
) -> Hazard:
    """销号: close a hazard whose re-inspection passed; the inspection closes with its last."""
    note = _text(note, field="note", limit=MAX_NOTE, required=False)
    async with flows.transition(
        HAZARDS,
        actor=actor,
        record_id=hazard_id,
        action=HazardAction.CLOSE,
        note=note,
        scope=readable(actor, "inspection"),
        expected_version=expected_version,
        authorize=_authorize(actor, "reinspect"),
    ) as move:
        move.record.closed_at = move.now
        move.then(lambda: _close_inspection(actor, move.record))
    return move.record


async def _close_inspection(actor: Principal, closed: Hazard) -> None:
    """The inspection closes with its last open hazard, in the same transaction."""
    still_open = (
        await Hazard.filter(inspection_id=closed.inspection_id)
        .exclude(id=closed.id)
        .exclude(status=HazardStatus.CLOSED.value)
        .exists()
    )
    if still_open:
        return
    async with flows.transition(
        INSPECTIONS,
        actor=actor,
        record_id=closed.inspection_id,
        action=InspectionAction.CLOSE,
        note="所有隐患已销号",
    ) as move:
        move.record.closed_at = move.now


async def escalate(
    *, actor: Principal, hazard_id: uuid.UUID, category_key: str, title: str | None = None
) -> tuple[Hazard, Event]:
    """Report an open hazard as an event (上报) in one step; it keeps its own rectification."""
    hazard = await Hazard.filter(readable(actor, "inspection"), id=hazard_id).first()
    if hazard is None:
        raise NotFound("hazard", hazard_id, field="hazardId")
    check(actor, "inspection", "escalate", at=hazard.region_code, what="the hazard")
    if hazard.event_id is not None:
        raise Conflict(_("the hazard is already an event"), code=ErrorCode.ALREADY_EXISTS)
    if hazard.status not in {HazardStatus.RECTIFYING.value, HazardStatus.REINSPECTED.value}:
        raise Conflict(_("the hazard is closed"), code=ErrorCode.INVALID_TRANSITION)
    event = await reporting.report(
        actor=actor,
        data=reporting.ReportInput(
            title=_text(
                title or f"安全隐患: {hazard.description}"[:MAX_TITLE],
                field="title",
                limit=MAX_TITLE,
            ),
            description=hazard.description,
            category_key=category_key,
            region_code=hazard.region_code,
            lat=hazard.lat,
            lng=hazard.lng,
            event_id=uuid.uuid5(ESCALATION_NAMESPACE, str(hazard.id)),
        ),
    )
    async with flows.transition(
        HAZARDS,
        actor=actor,
        record_id=hazard_id,
        action=HazardAction.ESCALATE,
        note=event.case_number or "",
        scope=readable(actor, "inspection"),
        authorize=_authorize(actor, "escalate"),
    ) as move:
        move.record.event_id = event.id
    return move.record, event


async def get(*, actor: Principal, inspection_id: uuid.UUID) -> Inspection:
    found = await Inspection.filter(readable(actor, "inspection"), id=inspection_id).first()
    if found is None:
        raise NotFound("inspection", inspection_id)
    return found


async def hazards_of(inspection_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Hazard]]:
    found: dict[uuid.UUID, list[Hazard]] = {i: [] for i in inspection_ids}
    for hazard in await Hazard.filter(inspection_id__in=list(inspection_ids)).order_by(
        "created_at", "id"
    ):
        found[hazard.inspection_id].append(hazard)
    return found


async def steps_of(inspection: Inspection, hazards: Sequence[Hazard]) -> list[FlowStep]:
    """The kernel's timeline of an inspection and its hazards, oldest first (one query)."""
    return await FlowStep.filter(
        flow__in=[INSPECTIONS.name, HAZARDS.name],
        record_id__in=[inspection.id, *(hazard.id for hazard in hazards)],
    ).order_by("id")


@dataclass(frozen=True)
class LedgerFilter:
    region_code: str
    first_day: date
    last_day: date
    status: HazardStatus | None = None
    level: HazardLevel | None = None
    overdue_only: bool = False


def _ledger_query(actor: Principal, filters: LedgerFilter) -> QuerySet[Hazard]:
    if Level.of_code(filters.region_code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    if filters.last_day < filters.first_day:
        raise ValidationFailed(_("the period ends before it starts"), field="to")
    if (filters.last_day - filters.first_day).days + 1 > MAX_LEDGER_DAYS:
        raise ValidationFailed(
            _("a period is at most {MAX_LEDGER_DAYS} days", MAX_LEDGER_DAYS=MAX_LEDGER_DAYS),
            field="to",
        )
    check(actor, "inspection", "read", at=filters.region_code, what="the region")
    start = datetime.combine(filters.first_day, time(), LOCAL)
    end = datetime.combine(filters.last_day + timedelta(days=1), time(), LOCAL)
    query = Hazard.filter(
        readable(actor, "inspection"),
        region_code__startswith=filters.region_code,
        found_at__gte=start,
        found_at__lt=end,
    )
    if filters.status is not None:
        query = query.filter(status=filters.status.value)
    if filters.level is not None:
        query = query.filter(level=filters.level)
    if filters.overdue_only:
        query = query.filter(Q(card__in=["yellow", "red"]))
    return query


async def ledger(
    *, actor: Principal, filters: LedgerFilter, page: PageRequest
) -> tuple[Page[Hazard], QuerySet[Hazard]]:
    """The hazard ledger (隐患台账): hazards found in the region and period, newest first."""
    return await newest_first(_ledger_query(actor, filters), page, column="found_at")
