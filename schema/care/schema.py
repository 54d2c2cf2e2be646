"""GraphQL of care groups (helpers, visit rules, overdue visits) and safety inspections
(hazards, re-inspection, closure, escalation, the hazard ledger)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry

from api import geo
from api.domains.care import exports, groups, inspections
from api.domains.care.enums import (
    HazardLevel,
    HazardStatus,
    HelperKind,
    InspectionStatus,
    TargetKind,
)
from api.domains.care.models import CareHelper, CareVisitRule, Hazard, Inspection, LedgerExport
from api.domains.registry.enums import SpecialGroup
from api.errors import NotFound
from api.flows.models import FlowStep
from api.pagination import page_request
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.exports import ExportFields, export_fields
from schema.geo import convert_to_wgs84, datum_field
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.registry import types as registry_types
from schema.scalars import parse_uuid
from schema.types import Info

# SpecialGroup is a GraphQL enum by the registry's declaration, which must come first
assert registry_types.SpecialGroup is SpecialGroup

strawberry.enum(HelperKind, name="CareHelperKind", description="Staff, volunteer or party member.")
strawberry.enum(TargetKind, name="InspectionTarget", description="What an inspection inspects.")
strawberry.enum(HazardLevel, name="HazardLevel", description="一般 or 重大 hazard.")
strawberry.enum(HazardStatus, name="HazardStatus", description="整改中, 复查合格, 销号.")
strawberry.enum(InspectionStatus, name="InspectionStatus", description="Hazards open, or none.")


def _uuid(value: strawberry.ID, what: str) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value)
    return parsed


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


# ---------------------------------------------------------------- care groups


@strawberry.type(name="CareHelper", description="A helper paired with a person in care (结对帮扶).")
class CareHelperType:
    id: strawberry.ID
    record_id: strawberry.ID = strawberry.field(description="The care group's record.")
    kind: HelperKind
    helper_id: strawberry.ID = strawberry.field(description="User, volunteer or party member.")
    helper_label: str
    assigned_at: datetime
    ended_at: datetime | None

    @classmethod
    def from_model(cls, helper: CareHelper) -> CareHelperType:
        return cls(
            id=strawberry.ID(str(helper.id)),
            record_id=strawberry.ID(str(helper.record_id)),
            kind=helper.kind,
            helper_id=strawberry.ID(str(helper.helper_id)),
            helper_label=helper.helper_label,
            assigned_at=helper.assigned_at,
            ended_at=helper.ended_at,
        )


@strawberry.type(name="CareVisitRule", description="How often a care group is visited (走访频次).")
class CareVisitRuleType:
    region_code: str
    group: SpecialGroup
    every_days: int
    updated_at: datetime

    @classmethod
    def from_model(cls, rule: CareVisitRule) -> CareVisitRuleType:
        return cls(
            region_code=rule.region_code,
            group=rule.group,
            every_days=rule.every_days,
            updated_at=rule.updated_at,
        )


@strawberry.type(description="A person in a care group not visited within the group's rule.")
class OverdueCareVisit:
    record_id: strawberry.ID = strawberry.field(description="The care group's record.")
    person_id: strawberry.ID
    person_name: str
    group: SpecialGroup
    region_code: str
    every_days: int = strawberry.field(description="The rule in force over the grid.")
    last_visited_at: datetime | None = strawberry.field(description="null: never visited.")
    helpers: int = strawberry.field(description="Helpers paired now.")

    @classmethod
    def from_row(cls, row: groups.Overdue) -> OverdueCareVisit:
        return cls(
            record_id=strawberry.ID(str(row.record_id)),
            person_id=strawberry.ID(str(row.person_id)),
            person_name=row.person_name,
            group=row.group,
            region_code=row.region_code,
            every_days=row.every_days,
            last_visited_at=row.last_visited_at,
            helpers=row.helpers,
        )


@strawberry.type(description="The pairing as stored.")
class CareHelperPayload:
    helper: CareHelperType


@strawberry.type(description="The rule as stored.")
class CareVisitRulePayload:
    rule: CareVisitRuleType


CareHelperResult = Annotated[
    CareHelperPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CareHelperResult", description="Outcome of pairing or ending a helper."),
]
CareVisitRuleResult = Annotated[
    CareVisitRulePayload | ValidationError,
    strawberry.union("CareVisitRuleResult", description="Outcome of setting a visit rule."),
]


# ---------------------------------------------------------------- inspections


@strawberry.type(name="Hazard", description="A hazard (隐患) and its rectification (整改).")
class HazardType:
    id: strawberry.ID
    inspection_id: strawberry.ID
    region_code: str
    hazard_type: str = strawberry.field(description="GB/T 31000 5.19 隐患类型")
    level: HazardLevel
    description: str
    photo_ids: list[str]
    lat: float | None
    lng: float | None
    owner_name: str = strawberry.field(description="整改责任人")
    deadline: datetime = strawberry.field(description="整改期限")
    found_at: datetime
    status: HazardStatus
    due_at: datetime | None = strawberry.field(description="When the running stage falls due.")
    card: str = strawberry.field(description="Worst card so far: none, yellow, red.")
    reinspected_at: datetime | None
    reinspection_note: str | None
    closed_at: datetime | None
    event_id: strawberry.ID | None = strawberry.field(description="The event it became.")
    version: int

    @classmethod
    def from_model(cls, hazard: Hazard) -> HazardType:
        return cls(
            id=strawberry.ID(str(hazard.id)),
            inspection_id=strawberry.ID(str(hazard.inspection_id)),
            region_code=hazard.region_code,
            hazard_type=hazard.hazard_type,
            level=hazard.level,
            description=hazard.description,
            photo_ids=list(hazard.photo_ids),
            lat=hazard.lat,
            lng=hazard.lng,
            owner_name=hazard.owner_name,
            deadline=hazard.deadline,
            found_at=hazard.found_at,
            status=HazardStatus(hazard.status),
            due_at=hazard.due_at,
            card=hazard.card,
            reinspected_at=hazard.reinspected_at,
            reinspection_note=hazard.reinspection_note,
            closed_at=hazard.closed_at,
            event_id=_id(hazard.event_id),
            version=hazard.version,
        )


@strawberry.type(description="A step of an inspection or of one of its hazards.")
class InspectionStep:
    record_id: strawberry.ID = strawberry.field(description="The inspection's or a hazard's id.")
    subject: str = strawberry.field(description="inspection or hazard.")
    action: str
    from_status: str | None
    to_status: str | None
    actor_label: str
    note: str
    at: datetime

    @classmethod
    def from_model(cls, step: FlowStep) -> InspectionStep:
        return cls(
            record_id=strawberry.ID(str(step.record_id)),
            subject=step.flow,
            action=step.action,
            from_status=step.from_status,
            to_status=step.to_status,
            actor_label=step.actor_label,
            note=step.note,
            at=step.at,
        )


@strawberry.type(name="Inspection", description="A safety inspection (安全检查).")
class InspectionType:
    id: strawberry.ID
    region_code: str
    target_kind: TargetKind
    target_id: strawberry.ID
    target_label: str
    inspector_label: str
    inspected_at: datetime
    note: str
    status: InspectionStatus
    closed_at: datetime | None
    hazards: list[HazardType]
    steps: list[InspectionStep] = strawberry.field(
        description="The timeline of the inspection and its hazards, oldest first."
    )

    @classmethod
    def from_model(
        cls, inspection: Inspection, hazards: list[Hazard], steps: list[FlowStep] | None = None
    ) -> InspectionType:
        return cls(
            id=strawberry.ID(str(inspection.id)),
            region_code=inspection.region_code,
            target_kind=inspection.target_kind,
            target_id=strawberry.ID(str(inspection.target_id)),
            target_label=inspection.target_label,
            inspector_label=inspection.inspector_label,
            inspected_at=inspection.inspected_at,
            note=inspection.note,
            status=InspectionStatus(inspection.status),
            closed_at=inspection.closed_at,
            hazards=[HazardType.from_model(h) for h in hazards],
            steps=[InspectionStep.from_model(step) for step in steps or []],
        )


@strawberry.input(
    description="A hazard found: type, level, what, where, who puts it right by when."
)
class HazardInput:
    hazard_type: str = strawberry.field(description="GB/T 31000 5.19 隐患类型 code.")
    level: HazardLevel
    description: str
    owner_name: str = strawberry.field(description="整改责任人")
    deadline: datetime = strawberry.field(description="整改期限, in the future.")
    owner_user_id: strawberry.ID | None = None
    photo_ids: list[str] = strawberry.field(default_factory=list)
    lat: float | None = None
    lng: float | None = None
    datum: geo.Datum = datum_field()

    def __post_init__(self) -> None:
        convert_to_wgs84(self, self.datum)


@strawberry.input(description="An inspection and the hazards it found.")
class RecordInspectionInput:
    target_kind: TargetKind
    target_id: strawberry.ID
    inspected_at: datetime
    note: str = ""
    hazards: list[HazardInput] = strawberry.field(default_factory=list)


@strawberry.type(description="The inspection as stored.")
class InspectionPayload:
    inspection: InspectionType


@strawberry.type(description="The hazard after the step.")
class HazardPayload:
    hazard: HazardType


@strawberry.type(description="The hazard and the event it became.")
class HazardEscalatedPayload:
    hazard: HazardType
    event_id: strawberry.ID
    case_number: str | None


InspectionResult = Annotated[
    InspectionPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("InspectionResult", description="Outcome of recording an inspection."),
]
HazardResult = Annotated[
    HazardPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("HazardResult", description="Outcome of a step of a hazard."),
]
HazardEscalationResult = Annotated[
    HazardEscalatedPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("HazardEscalationResult", description="Outcome of escalating a hazard."),
]


@strawberry.type(
    name="LedgerExport",
    description="An XLSX export of the hazard ledger, written by a worker; yours alone.",
)
class LedgerExportType(ExportFields):
    @classmethod
    def from_model(cls, export: LedgerExport) -> LedgerExportType:
        return cls(**export_fields(export, download_path="/exports/hazard-ledger"))


@strawberry.type(description="The export as queued.")
class LedgerExportPayload:
    export: LedgerExportType


LedgerExportResult = Annotated[
    LedgerExportPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("LedgerExportResult", description="Outcome of asking for an export."),
]


@strawberry.type
class CareQuery:
    @strawberry.field(
        description="People of a grid's care groups overdue for a visit by their group's rule, "
        "never visited first (readable where special groups are).",
        extensions=allow("special_group", "read"),
    )
    async def overdue_care_visits(
        self,
        info: Info,
        grid_code: str,
        group: SpecialGroup | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OverdueCareVisit]:
        page, total = await groups.overdue(
            actor=info.context.principal,
            grid=grid_code,
            group=group,
            page=page_request(first, after),
        )
        return connection(page, total, OverdueCareVisit.from_row)

    @strawberry.field(
        description="The helpers paired now with a person in a care group.",
        extensions=allow("special_group", "read"),
    )
    async def care_helpers(self, info: Info, record_id: strawberry.ID) -> list[CareHelperType]:
        record = await groups.care_record(info.context.principal, _uuid(record_id, "care record"))
        found = await groups.helpers_of([record.id])
        return [CareHelperType.from_model(h) for h in found[record.id]]

    @strawberry.field(
        description="An inspection with its hazards; null if not found or out of scope.",
        extensions=allow("inspection", "read"),
    )
    async def inspection(self, info: Info, id: strawberry.ID) -> InspectionType | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            found = await inspections.get(actor=info.context.principal, inspection_id=parsed)
        except NotFound:
            return None
        hazards = await inspections.hazards_of([found.id])
        steps = await inspections.steps_of(found, hazards[found.id])
        return InspectionType.from_model(found, hazards[found.id], steps)

    @strawberry.field(
        description="The hazard ledger (隐患台账) of a region and period (China-time days), "
        "newest first.",
        extensions=allow("inspection", "read"),
    )
    async def hazard_ledger(
        self,
        info: Info,
        region_code: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
        status: HazardStatus | None = None,
        level: HazardLevel | None = None,
        overdue_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[HazardType]:
        page, filtered = await inspections.ledger(
            actor=info.context.principal,
            filters=inspections.LedgerFilter(
                region_code=region_code,
                first_day=first_day,
                last_day=last_day,
                status=status,
                level=level,
                overdue_only=overdue_only,
            ),
            page=page_request(first, after),
        )
        return connection(page, filtered, HazardType.from_model)

    @strawberry.field(
        description="An export of the hazard ledger you asked for, with its progress; null if "
        "not yours.",
        extensions=allow("inspection", "read"),
    )
    async def hazard_ledger_export(self, info: Info, id: strawberry.ID) -> LedgerExportType | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            found = await exports.mine(actor=info.context.principal, export_id=parsed)
        except NotFound:
            return None
        return LedgerExportType.from_model(found)


@strawberry.type
class CareMutation:
    @strawberry.mutation(
        description="Export the hazard ledger of a region and period as XLSX: a worker writes "
        "it; follow hazardLedgerExport for progress and the download link.",
        extensions=allow("inspection", "read"),
    )
    async def export_hazard_ledger(
        self,
        info: Info,
        region_code: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
        status: HazardStatus | None = None,
        level: HazardLevel | None = None,
        overdue_only: bool = False,
    ) -> LedgerExportResult:
        export = await exports.start(
            actor=info.context.principal,
            filters=inspections.LedgerFilter(
                region_code=region_code,
                first_day=first_day,
                last_day=last_day,
                status=status,
                level=level,
                overdue_only=overdue_only,
            ),
            redis=info.context.redis,
        )
        return LedgerExportPayload(export=LedgerExportType.from_model(export))

    @strawberry.mutation(
        description="Pair a helper (staff, volunteer, party member) with a person in a care "
        "group (结对帮扶); the helper must serve the person's region.",
        extensions=allow("care_helper", "assign"),
    )
    async def assign_care_helper(
        self, info: Info, record_id: strawberry.ID, kind: HelperKind, helper_id: strawberry.ID
    ) -> CareHelperResult:
        helper = await groups.assign_helper(
            actor=info.context.principal,
            record_id=_uuid(record_id, "care record"),
            kind=kind,
            helper_id=_uuid(helper_id, kind.value),
        )
        return CareHelperPayload(helper=CareHelperType.from_model(helper))

    @strawberry.mutation(
        description="End a helper's pairing; it stays in the record's history.",
        extensions=allow("care_helper", "assign"),
    )
    async def end_care_helper(self, info: Info, id: strawberry.ID) -> CareHelperResult:
        helper = await groups.end_helper(
            actor=info.context.principal, pairing_id=_uuid(id, "care helper")
        )
        return CareHelperPayload(helper=CareHelperType.from_model(helper))

    @strawberry.mutation(
        description="Visit a care group every so many days in a region and below (走访频次).",
        extensions=allow("care_visit_rule", "update"),
    )
    async def set_care_visit_rule(
        self, info: Info, region_code: str, group: SpecialGroup, every_days: int
    ) -> CareVisitRuleResult:
        rule = await groups.set_visit_rule(
            actor=info.context.principal,
            region_code=region_code,
            group=group,
            every_days=every_days,
        )
        return CareVisitRulePayload(rule=CareVisitRuleType.from_model(rule))

    @strawberry.mutation(
        description="Record a safety inspection and the hazards it found; each hazard's "
        "rectification clock runs to its deadline.",
        extensions=allow("inspection", "create"),
    )
    async def record_inspection(self, info: Info, input: RecordInspectionInput) -> InspectionResult:
        inspection, hazards = await inspections.record(
            actor=info.context.principal,
            target_kind=input.target_kind,
            target_id=_uuid(input.target_id, input.target_kind.value),
            inspected_at=input.inspected_at,
            note=input.note,
            hazards=[
                inspections.HazardInput(
                    hazard_type=h.hazard_type,
                    level=h.level,
                    description=h.description,
                    owner_name=h.owner_name,
                    deadline=h.deadline,
                    owner_user_id=_uuid(h.owner_user_id, "user") if h.owner_user_id else None,
                    photo_ids=tuple(h.photo_ids),
                    lat=h.lat,
                    lng=h.lng,
                )
                for h in input.hazards
            ],
        )
        return InspectionPayload(inspection=InspectionType.from_model(inspection, hazards))

    @strawberry.mutation(
        description="复查: passed, the hazard awaits closure; not passed, a new deadline.",
        extensions=allow("inspection", "reinspect"),
    )
    async def reinspect_hazard(
        self,
        info: Info,
        id: strawberry.ID,
        passed: bool,
        note: str = "",
        new_deadline: datetime | None = None,
        version: int | None = None,
    ) -> HazardResult:
        hazard = await inspections.reinspect(
            actor=info.context.principal,
            hazard_id=_uuid(id, "hazard"),
            passed=passed,
            note=note,
            new_deadline=new_deadline,
            expected_version=version,
        )
        return HazardPayload(hazard=HazardType.from_model(hazard))

    @strawberry.mutation(
        description="销号: close a hazard whose re-inspection passed.",
        extensions=allow("inspection", "reinspect"),
    )
    async def close_hazard(
        self, info: Info, id: strawberry.ID, note: str = "", version: int | None = None
    ) -> HazardResult:
        hazard = await inspections.close(
            actor=info.context.principal,
            hazard_id=_uuid(id, "hazard"),
            note=note,
            expected_version=version,
        )
        return HazardPayload(hazard=HazardType.from_model(hazard))

    @strawberry.mutation(
        description="Report an open hazard as an event in one step (a retry is the same event).",
        extensions=allow("inspection", "escalate"),
    )
    async def escalate_hazard(
        self, info: Info, id: strawberry.ID, category_key: str, title: str | None = None
    ) -> HazardEscalationResult:
        hazard, event = await inspections.escalate(
            actor=info.context.principal,
            hazard_id=_uuid(id, "hazard"),
            category_key=category_key,
            title=title,
        )
        return HazardEscalatedPayload(
            hazard=HazardType.from_model(hazard),
            event_id=strawberry.ID(str(event.id)),
            case_number=event.case_number,
        )
