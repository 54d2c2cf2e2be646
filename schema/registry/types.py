"""GraphQL types of the basic-data registry (基础数据).

Identifiers (ID numbers, phones, document numbers) resolve masked unless the caller's role holds
`person.read_sensitive` at the record's region; each unmasked value read is written to the audit
log, batched once per request (a page of the people search: one row listing its records).
Special-group membership resolves only for roles that may read
special groups there."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from uuid import UUID

import strawberry
from asyncpg import Record
from strawberry.scalars import JSON

from api.domains.registry import analysis, codes, models, service
from api.domains.registry.enums import (
    ChangeAction,
    HouseholdType,
    OrganisationKind,
    PartyOrganisationLevel,
    PendingStatus,
    PersonType,
    Programme,
    RecordKind,
    RecordStatus,
    SpecialGroup,
)
from api.domains.registry.privacy import (
    mask,
    may_read_enrolments,
    may_read_sensitive,
    may_read_special_groups,
)
from schema.money import Money
from schema.node import Node
from schema.types import Info

strawberry.enum(PersonType, name="PersonType", description="户籍, 流动 or 境外 resident.")
strawberry.enum(RecordStatus, name="RecordStatus", description="Registered or deregistered.")
strawberry.enum(SpecialGroup, name="SpecialGroup", description="Special groups (特殊人群).")
strawberry.enum(
    analysis.Attribute,
    name="RegistryAttribute",
    description="What a registry breakdown groups by (统计分析).",
)
strawberry.enum(
    Programme,
    name="Programme",
    description="Welfare and social-security programmes (低保, 特困 …).",
)
strawberry.enum(HouseholdType, name="HouseholdType", description="Family or collective household.")
strawberry.enum(OrganisationKind, name="OrganisationKind", description="Enterprise or social.")
strawberry.enum(
    PartyOrganisationLevel,
    name="PartyOrganisationLevel",
    description="社区党委 → 大网格党支部 → 中网格党小组.",
)
strawberry.enum(RecordKind, name="RegistryRecordKind", description="Kinds of registry record.")
strawberry.enum(ChangeAction, name="RegistryChangeAction", description="What a change did.")
strawberry.enum(
    PendingStatus, name="RegistryPendingStatus", description="Where a held edit stands (审核)."
)

T = TypeVar("T")


def build(cls: type[T], source: Any, **extra: Any) -> T:
    """An instance of the GraphQL type from the model's same-named attributes."""
    names = _init_fields(cls)  # type: ignore[arg-type]
    values = {name: extra[name] if name in extra else getattr(source, name) for name in names}
    return cls(**values)


@functools.cache
def _init_fields(cls: type) -> tuple[str, ...]:
    # dataclasses.fields() rebuilds its tuple on every call: once per class is enough
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


async def sensitive(
    info: Info, kind: RecordKind, record_id: UUID, region_code: str, column: str, value: str | None
) -> str | None:
    """The value whole for a caller who may see it (and audited), else masked."""
    if value is None:
        return None
    actor = info.context.principal
    if not may_read_sensitive(actor, region_code):
        return mask(value)
    await info.context.loaders.sensitive_read.load(
        (actor, kind.value, str(record_id), region_code, column)
    )
    return value


@strawberry.type(name="RegistryChange", description="One change of a record: who, when, what.")
class RegistryChangeType:
    action: ChangeAction
    actor_label: str = strawberry.field(description="Who made it.")
    at: dt.datetime
    region_code: str = strawberry.field(description="The record's region after the change.")
    changes: JSON = strawberry.field(
        description='field → {"old", "new"}; identifiers masked unless you may see them.'
    )
    approved_by_label: str | None = strawberry.field(
        description="Who approved it, for an edit held for review (审核)."
    )

    @classmethod
    def from_model(cls, change: models.RegistryChange, info: Info) -> RegistryChangeType:
        return cls(
            action=change.action,
            actor_label=change.actor_label,
            at=change.at,
            region_code=change.region_code,
            changes=service.visible_changes(info.context.principal, change),  # type: ignore[arg-type]
            approved_by_label=change.approved_by_label,
        )


@strawberry.type(
    name="RegistryPendingChange",
    description="An edit held for the community's review (审核): the diff against the record.",
)
class PendingChangeType(Node):
    uuid: UUID
    record_kind: RecordKind
    record_id: UUID
    region_code: str = strawberry.field(description="The record's grid.")
    status: PendingStatus
    base_version: int = strawberry.field(description="The record's version the diff was taken at.")
    changes: JSON = strawberry.field(
        description='field → {"old", "new"}; identifiers masked unless you may see them.'
    )
    submitted_by_label: str
    reviewed_by_label: str | None
    reviewed_at: dt.datetime | None
    note: str = strawberry.field(description="The reviewer's latest note.")
    due_at: dt.datetime | None = strawberry.field(description="When the review is due.")
    card: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @classmethod
    def from_model(cls, change: models.PendingChange, info: Info) -> PendingChangeType:
        return build(
            cls,
            change,
            uuid=change.id,
            status=PendingStatus(change.status),
            changes=service.visible_changes(info.context.principal, change),  # type: ignore[arg-type]
        )


@strawberry.type(name="RegistryReviewed")
class Reviewed:
    """A record whose edits a community may hold for review."""

    @strawberry.field(
        description="The edit of this record awaiting review or returned (审核), where you may "
        "read held edits."
    )
    async def pending_change(self, info: Info) -> PendingChangeType | None:
        record_id: UUID = getattr(self, "uuid")  # noqa: B009 (every reviewed node has one)
        found = await info.context.loaders.pending_change.load((info.context.principal, record_id))
        return PendingChangeType.from_model(found, info) if found else None


# ---------------------------------------------------------------- special groups


@strawberry.type(description="刑满释放人员: fields of GB/T 31000 §5.20–5.23.")
class ReleasedPrisonerDetails:
    crime_type: str | None = strawberry.field(description="5.20 罪名分类")
    original_sentence: str | None
    released_on: dt.date | None
    prison: str | None
    handover: str | None = strawberry.field(description="5.22 衔接情况")
    placement: str | None = strawberry.field(description="5.23 安置情况")
    is_recidivist: bool | None


@strawberry.type(description="社区矫正人员: fields of GB/T 31000 §5.24–5.29.")
class CommunityCorrectionDetails:
    correction_type: str | None = strawberry.field(description="5.24 矫正类别")
    reception_method: str | None = strawberry.field(description="5.25 接收方式")
    histories: list[str] = strawberry.field(description='5.26 "四史"情况')
    involvements: list[str] = strawberry.field(description='5.27 "三涉"情况')
    team_composition: list[str] = strawberry.field(description="5.28 矫正小组人员组成")
    starts_on: dt.date | None
    ends_on: dt.date | None
    termination_type: str | None = strawberry.field(description="5.29 矫正解除(终止)类型")


@strawberry.type(description="严重精神障碍患者: fields of GB/T 31000 §5.30–5.36.")
class MentalDisorderDetails:
    family_economy: str | None = strawberry.field(description="5.30 家庭经济状况")
    diagnosis: str | None = strawberry.field(description="5.31 目前诊断类型")
    treatment: str | None = strawberry.field(description="5.33 治疗情况")
    hospitalisation_reason: str | None = strawberry.field(description="5.34 实施住院治疗原因")
    managers: list[str] = strawberry.field(description="5.35 参与管理人员")
    assistance: list[str] = strawberry.field(description="5.36 帮扶情况")
    guardian_name: str | None


@strawberry.type(description="吸毒人员.")
class DrugUserDetails:
    first_found_on: dt.date | None
    drug_type: str | None
    control_status: str | None = strawberry.field(description="5.37 管控情况")
    has_criminal_record: bool | None


@strawberry.type(description="重点青少年: fields of GB/T 31000 §5.41–5.43.")
class KeyYouthDetails:
    youth_type: str | None = strawberry.field(description="5.41 人员类型")
    family_situation: str | None = strawberry.field(description="5.42 家庭情况")
    guardian_name: str | None
    assistance_means: list[str] = strawberry.field(description="5.43 帮扶手段")


@strawberry.type(description="艾滋病危险人员: fields of GB/T 31000 §5.38–5.40.")
class AidsRiskDetails:
    infection_route: str | None = strawberry.field(description="5.38 感染途径")
    attention_type: str | None = strawberry.field(description="5.39 关注类型")
    treatment: str | None = strawberry.field(description="5.40 收治情况")
    has_criminal_record: bool | None


@strawberry.type(description="农村留守儿童: guardian and the parents' whereabouts.")
class LeftBehindChildDetails:
    guardian_name: str | None = strawberry.field(description="监护人")
    guardian_relation: str | None
    father_whereabouts: str | None = strawberry.field(description="父亲外出去向")
    mother_whereabouts: str | None = strawberry.field(description="母亲外出去向")
    school: str | None


@strawberry.type(description="独居、孤寡老人: whether childless, and the carer.")
class ElderlyAloneDetails:
    is_childless: bool | None = strawberry.field(description="孤寡")
    carer_name: str | None = strawberry.field(description="照护人")
    carer_relation: str | None
    health: str | None


@strawberry.type(description="残疾人: category, grade and carer.")
class DisabledDetails:
    disability_category: str | None = strawberry.field(description="残疾类别")
    disability_grade: str | None = strawberry.field(description="残疾等级")
    carer_name: str | None = strawberry.field(description="照护人")
    carer_relation: str | None


SpecialGroupDetails = Annotated[
    ReleasedPrisonerDetails
    | CommunityCorrectionDetails
    | MentalDisorderDetails
    | DrugUserDetails
    | KeyYouthDetails
    | AidsRiskDetails
    | LeftBehindChildDetails
    | ElderlyAloneDetails
    | DisabledDetails,
    strawberry.union("SpecialGroupDetails", description="The group's own fields."),
]
DETAIL_TYPES: dict[SpecialGroup, type] = {
    SpecialGroup.RELEASED_PRISONER: ReleasedPrisonerDetails,
    SpecialGroup.COMMUNITY_CORRECTION: CommunityCorrectionDetails,
    SpecialGroup.MENTAL_DISORDER: MentalDisorderDetails,
    SpecialGroup.DRUG_USER: DrugUserDetails,
    SpecialGroup.KEY_YOUTH: KeyYouthDetails,
    SpecialGroup.AIDS_RISK: AidsRiskDetails,
    SpecialGroup.LEFT_BEHIND_CHILD: LeftBehindChildDetails,
    SpecialGroup.ELDERLY_ALONE: ElderlyAloneDetails,
    SpecialGroup.DISABLED: DisabledDetails,
}


def details_of(group: SpecialGroup, stored: dict[str, Any]) -> Any:
    cls = DETAIL_TYPES[group]
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        value = stored.get(f.name)
        if value is None and "list" in str(f.type):
            value = []
        elif isinstance(value, str) and ("date" in str(f.type)):
            value = dt.date.fromisoformat(value)
        values[f.name] = value
    return cls(**values)


@strawberry.type(
    name="SpecialGroupRecord",
    description="A person under special-group management, with the latest follow-up.",
)
class SpecialGroupRecordType(Node):
    uuid: UUID
    person_id: UUID
    group: SpecialGroup
    region_code: str
    risk_level: str | None = strawberry.field(description="Code of the group's risk table.")
    management_status: str | None = strawberry.field(description="5.37 管控情况")
    attention_level: str | None = strawberry.field(description="5.46 关注程度")
    helpers: list[str] = strawberry.field(description="帮扶人员")
    last_follow_up_at: dt.datetime | None
    follow_up_note: str | None
    details: SpecialGroupDetails
    status: RecordStatus
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @classmethod
    def from_model(cls, record: models.SpecialGroupRecord) -> SpecialGroupRecordType:
        return build(
            cls,
            record,
            uuid=record.id,
            person_id=record.person_id,
            details=details_of(record.group, record.details),
        )


# ---------------------------------------------------------------- programme enrolments


@strawberry.type(
    name="Enrolment",
    description="A person's or household's enrolment in a programme (低保, 特困, 优抚 …): "
    "read only by roles that may read enrolments; the beneficiary's ID number masked and its "
    "whole reads audited as for every registry identifier.",
)
class EnrolmentType(Node):
    uuid: UUID
    person_id: UUID | None
    household_id: UUID | None
    programme: Programme
    region_code: str
    starts_on: dt.date
    ends_on: dt.date | None = strawberry.field(description="The last day granted, inclusive.")
    benefit: Money | None = strawberry.field(description="Per month.")
    granting_department_id: UUID | None
    note: str | None
    status: RecordStatus = strawberry.field(description="DEREGISTERED: ended.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(description="The person enrolled (or null for a household).")
    async def beneficiary_name(self, info: Info) -> str | None:
        if self.person_id is None:
            return None
        found = await info.context.loaders.person.load(self.person_id)
        return found.name if found else None

    @strawberry.field(description="The person's ID number; masked unless you may see it.")
    async def id_number(self, info: Info) -> str | None:
        if self.person_id is None:
            return None
        found = await info.context.loaders.person.load(self.person_id)
        if found is None:
            return None
        return await sensitive(
            info, RecordKind.ENROLMENT, self.uuid, self.region_code, "id_number", found.id_number
        )

    @classmethod
    def from_model(cls, record: models.Enrolment) -> EnrolmentType:
        benefit = (
            None
            if record.benefit_amount is None
            else Money(amount=record.benefit_amount, currency=record.currency)
        )
        return build(
            cls,
            record,
            uuid=record.id,
            person_id=record.person_id,
            household_id=record.household_id,
            benefit=benefit,
        )


# ---------------------------------------------------------------- places


@strawberry.type(name="Building", description="A building (楼栋).")
class BuildingType(Node, Reviewed):
    uuid: UUID
    building_code: str
    region_code: str
    name: str
    address: str
    use: str | None = strawberry.field(description="5.17 建筑用途")
    floors_above: int | None
    floors_below: int | None
    lat: float | None = strawberry.field(description="WGS-84")
    lng: float | None = strawberry.field(description="WGS-84")
    status: RecordStatus
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @classmethod
    def from_model(cls, building: models.Building) -> BuildingType:
        return build(cls, building, uuid=building.id)


@strawberry.type(name="House", description="A house or premises (房屋); rental (出租房屋) too.")
class HouseType(Node, Reviewed):
    uuid: UUID
    house_code: str
    region_code: str
    building_id: UUID | None
    address: str
    unit: str | None
    floor: int | None
    number: str | None
    area: Decimal | None = strawberry.field(description="m²")
    use: str | None = strawberry.field(description="5.17 建筑用途")
    owner_name: str | None
    is_rental: bool
    landlord_name: str | None
    rental_use: str | None = strawberry.field(description="5.18 出租用途")
    hazard_type: str | None = strawberry.field(description="5.19 隐患类型")
    status: RecordStatus
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    record: strawberry.Private[models.House]

    def node_key(self) -> str:
        return str(self.uuid)

    async def _sensitive(self, info: Info, column: str) -> str | None:
        value = getattr(self.record, column)
        return await sensitive(info, RecordKind.HOUSE, self.uuid, self.region_code, column, value)

    @strawberry.field(description="Masked unless you may see it.")
    async def owner_id_number(self, info: Info) -> str | None:
        return await self._sensitive(info, "owner_id_number")

    @strawberry.field(description="Masked unless you may see it.")
    async def owner_phone(self, info: Info) -> str | None:
        return await self._sensitive(info, "owner_phone")

    @strawberry.field(description="Masked unless you may see it.")
    async def landlord_id_number(self, info: Info) -> str | None:
        return await self._sensitive(info, "landlord_id_number")

    @strawberry.field(description="Masked unless you may see it.")
    async def landlord_phone(self, info: Info) -> str | None:
        return await self._sensitive(info, "landlord_phone")

    @strawberry.field(description="Registered people living here (tenants of a rental).")
    async def residents(self, info: Info) -> list[PersonNode]:
        people = await info.context.loaders.residents_by_house.load(self.uuid)
        return [PersonNode.from_model(person) for person in people]

    @strawberry.field(description="The building it is in.")
    async def building(self, info: Info) -> BuildingType | None:
        if self.building_id is None:
            return None
        found = await info.context.loaders.building.load(self.building_id)
        return BuildingType.from_model(found) if found else None

    @classmethod
    def from_model(cls, house: models.House) -> HouseType:
        return build(cls, house, uuid=house.id, record=house)


@strawberry.type(name="Household", description="A household (户) and its members.")
class HouseholdNode(Node, Reviewed):
    uuid: UUID
    household_number: str
    region_code: str
    household_type: HouseholdType
    head_name: str | None
    address: str | None
    house_id: UUID | None
    status: RecordStatus
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(description="Registered members, by relation to the head.")
    async def members(self, info: Info) -> list[PersonNode]:
        people = await info.context.loaders.members_by_household.load(self.uuid)
        return [PersonNode.from_model(person) for person in people]

    @strawberry.field(description="The house it lives in.")
    async def house(self, info: Info) -> HouseType | None:
        if self.house_id is None:
            return None
        found = await info.context.loaders.house.load(self.house_id)
        return HouseType.from_model(found) if found else None

    @classmethod
    def from_model(cls, household: models.Household) -> HouseholdNode:
        return build(cls, household, uuid=household.id)


# ---------------------------------------------------------------- people


@strawberry.type(
    name="Person",
    description="A person living in the grid (实有人口) with the GB/T 31000 person fields. "
    "Code fields hold codes of the named table (registryCodeTable).",
)
class PersonNode(Node, Reviewed):
    uuid: UUID
    region_code: str = strawberry.field(description="The grid the person is registered in.")
    person_type: PersonType
    name: str
    former_name: str | None
    sex: str | None = strawberry.field(description="GB/T 2261.1 (sex)")
    birth_date: strawberry.Private[dt.date]
    ethnicity: str | None = strawberry.field(description="GB/T 3304 (ethnicity)")
    native_place: str | None = strawberry.field(description="籍贯, region code")
    household_register_code: str | None = strawberry.field(description="户籍地, region code")
    household_register_address: str | None
    current_address: str | None
    current_address_code: str | None
    education: str | None = strawberry.field(description="GB/T 4658 (education)")
    occupation: str | None
    political_status: str | None = strawberry.field(description="GB/T 4762 (political_status)")
    marital_status: str | None = strawberry.field(description="GB/T 2261.2 (marital_status)")
    religion: str | None = strawberry.field(description="GA 214.12 (religion)")
    household_id: UUID | None
    relation_to_head: str | None = strawberry.field(description="GB/T 4761 (relation_to_head)")
    house_id: UUID | None
    residence_consistency: str | None = strawberry.field(description="5.10 人户一致标识")
    inflow_reason: str | None = strawberry.field(description="5.11 流入原因 (floating)")
    certificate_type: str | None = strawberry.field(description="5.12 办证类型 (floating)")
    certificate_expires_on: dt.date | None
    dwelling_type: str | None = strawberry.field(description="5.13 住所类型 (floating)")
    left_behind_type: str | None = strawberry.field(description="5.15 留守人员类型")
    health_status: str | None = strawberry.field(description="5.14 健康状况")
    nationality: str | None = strawberry.field(description="ISO 3166 alpha-3 (foreign)")
    foreign_name: str | None
    visit_purpose: str | None = strawberry.field(description="5.16 来华目的 (foreign)")
    tags: list[str]
    status: RecordStatus
    deregistered_reason: str | None
    version: int = strawberry.field(description="Changes with every change (expectedVersion).")
    created_at: dt.datetime
    updated_at: dt.datetime
    record: strawberry.Private[models.Person | Record]
    # A list row's identifiers as its reader sees them, the whole ones already audited with
    # the page (people search): column → value; a column missing is resolved one by one.
    shown: strawberry.Private[dict[str, str | None] | None] = None

    def node_key(self) -> str:
        return str(self.uuid)

    def _sensitive(self, info: Info, column: str, default: str | None = None) -> Any:
        """The value as shown with a list row, else (an awaitable) masked or read whole and
        audited. The resolvers are not coroutines so that a list's rows, shown already, cost
        no task each (graphql-core awaits what a resolver returns when it is awaitable)."""
        if self.shown is not None and column in self.shown:
            value = self.shown[column]
            return default if value is None else value
        return self._read(info, column, default)

    async def _read(self, info: Info, column: str, default: str | None) -> str | None:
        record = self.record
        value = record[column] if isinstance(record, Record) else getattr(record, column)
        found = await sensitive(info, RecordKind.PERSON, self.uuid, self.region_code, column, value)
        return default if found is None else found

    @strawberry.field(description="18-character ID number; masked unless you may see it.")
    def id_number(self, info: Info) -> str:
        return self._sensitive(info, "id_number", "")

    @strawberry.field(description="Phone (E.164); masked unless you may see it.")
    def phone(self, info: Info) -> str | None:
        return self._sensitive(info, "phone")

    @strawberry.field(description="Residence permit number (floating); masked likewise.")
    def certificate_number(self, info: Info) -> str | None:
        return self._sensitive(info, "certificate_number")

    @strawberry.field(description="Passport number (foreign); masked likewise.")
    def passport_number(self, info: Info) -> str | None:
        return self._sensitive(info, "passport_number")

    @strawberry.field(
        name="birthDate",
        description="The birth date; null unless you may see the ID number whole, since it "
        "is the ID number's middle part and would rebuild the masked number. `age` is given "
        "to everyone.",
    )
    def shown_birth_date(self, info: Info) -> dt.date | None:
        if not may_read_sensitive(info.context.principal, self.region_code):
            return None
        return self.birth_date

    @strawberry.field(description="Age in whole years today.")
    def age(self) -> int:
        from api import clock

        today = clock.now().date()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @strawberry.field(description="The household the person belongs to.")
    async def household(self, info: Info) -> HouseholdNode | None:
        if self.household_id is None:
            return None
        found = await info.context.loaders.household.load(self.household_id)
        return HouseholdNode.from_model(found) if found else None

    @strawberry.field(description="The house the person lives in.")
    async def house(self, info: Info) -> HouseType | None:
        if self.house_id is None:
            return None
        found = await info.context.loaders.house.load(self.house_id)
        return HouseType.from_model(found) if found else None

    @strawberry.field(
        description="Special-group records; null unless your role may read special groups here."
    )
    async def special_groups(self, info: Info) -> list[SpecialGroupRecordType] | None:
        if not may_read_special_groups(info.context.principal, self.region_code):
            return None
        records = await info.context.loaders.special_groups_by_person.load(self.uuid)
        return [SpecialGroupRecordType.from_model(record) for record in records]

    @strawberry.field(
        description="Programme enrolments (低保, 特困, 优抚 …); null unless your role may read "
        "enrolments here, as for special groups."
    )
    async def enrolments(self, info: Info) -> list[EnrolmentType] | None:
        if not may_read_enrolments(info.context.principal, self.region_code):
            return None
        records = await info.context.loaders.enrolments_by_person.load(self.uuid)
        return [EnrolmentType.from_model(record) for record in records]

    @classmethod
    def from_model(cls, person: models.Person) -> PersonNode:
        return build(
            cls, person, uuid=person.id, record=person, tags=list(person.tags or []), shown=None
        )

    @staticmethod
    def from_row(row: Record) -> PersonNode:
        """From a row of `registry_people` as the driver returns it (people_rows.PERSON_COLUMNS):
        what from_model makes of the same row's model, without building the model."""
        return _person_from_row(row)


# How PersonNode's init fields are made from a row's columns; the rest are the column itself.
_PERSON_CONVERTED: dict[str, str] = {
    "uuid": "row['id']",
    "person_type": "_PERSON_TYPE[row['person_type']]",
    "status": "_RECORD_STATUS[row['status']]",
    "tags": "list(row['tags'] or ())",
    "record": "row",
    "shown": "None",
}
_PERSON_TYPE = {member.value: member for member in PersonType}
_RECORD_STATUS = {member.value: member for member in RecordStatus}


def _make_person_from_row() -> Any:
    """PersonNode from a row, generated once as straight-line code filling the instance's
    attributes (what the dataclass's `__init__` does; a test holds them equal), as the event
    lists' rows_of does."""
    values = ", ".join(
        f"{name!r}: {_PERSON_CONVERTED.get(name, f'row[{name!r}]')}"
        for name in _init_fields(PersonNode)
    )
    namespace: dict[str, Any] = {
        "_cls": PersonNode,
        "_new": object.__new__,
        "_PERSON_TYPE": _PERSON_TYPE,
        "_RECORD_STATUS": _RECORD_STATUS,
    }
    source = (
        "def build(row):\n"
        "    person = _new(_cls)\n"
        f"    person.__dict__ = {{{values}}}\n"
        "    return person"
    )
    exec(source, namespace)  # noqa: S102 - the source is built here from the type's field names
    return namespace["build"]


_person_from_row = _make_person_from_row()


# ---------------------------------------------------------------- organisations


@strawberry.type(
    name="Organisation", description="An enterprise (非公有制经济组织) or social organisation."
)
class OrganisationType(Node, Reviewed):
    uuid: UUID
    credit_code: str | None = strawberry.field(description="统一社会信用代码")
    region_code: str
    kind: OrganisationKind
    name: str
    enterprise_category: str | None = strawberry.field(description="5.44 企业类别")
    social_organisation_type: str | None = strawberry.field(description="5.47 社会组织类型")
    registration_type: str | None = strawberry.field(description="5.51 登记注册类型")
    legal_person_name: str | None
    address: str | None
    building_id: UUID | None
    employee_count: int | None
    safety_hazard_type: str | None = strawberry.field(description="5.45 安全隐患类型")
    attention_level: str | None = strawberry.field(description="5.46 关注程度")
    status: RecordStatus
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    record: strawberry.Private[models.Organisation]

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(description="Masked unless you may see it.")
    async def legal_person_id_number(self, info: Info) -> str | None:
        return await sensitive(
            info,
            RecordKind.ORGANISATION,
            self.uuid,
            self.region_code,
            "legal_person_id_number",
            self.record.legal_person_id_number,
        )

    @strawberry.field(description="Masked unless you may see it.")
    async def legal_person_phone(self, info: Info) -> str | None:
        return await sensitive(
            info,
            RecordKind.ORGANISATION,
            self.uuid,
            self.region_code,
            "legal_person_phone",
            self.record.legal_person_phone,
        )

    @classmethod
    def from_model(cls, organisation: models.Organisation) -> OrganisationType:
        return build(cls, organisation, uuid=organisation.id, record=organisation)


@strawberry.type(name="PartyOrganisation", description="A party organisation of the grid.")
class PartyOrganisationType(Node):
    uuid: UUID
    region_code: str
    level: PartyOrganisationLevel
    name: str
    parent_id: UUID | None
    secretary_name: str | None
    status: RecordStatus
    version: int
    created_at: dt.datetime
    record: strawberry.Private[models.PartyOrganisation]

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(description="Masked unless you may see it.")
    async def secretary_phone(self, info: Info) -> str | None:
        return await sensitive(
            info,
            RecordKind.PARTY_ORGANISATION,
            self.uuid,
            self.region_code,
            "secretary_phone",
            self.record.secretary_phone,
        )

    @classmethod
    def from_model(cls, organisation: models.PartyOrganisation) -> PartyOrganisationType:
        return build(cls, organisation, uuid=organisation.id, record=organisation)


@strawberry.type(name="PartyMember", description="A party member (党员); 在职党员 if in service.")
class PartyMemberType(Node):
    uuid: UUID
    person_id: UUID
    region_code: str
    party_organisation_id: UUID | None
    workplace: str | None
    building_id: UUID | None
    specialties: list[str] = strawberry.field(description="5.5 专业特长")
    is_in_service: bool
    registered_community_code: str | None
    status: RecordStatus
    version: int
    created_at: dt.datetime
    record: strawberry.Private[models.PartyMember]

    def node_key(self) -> str:
        return str(self.uuid)

    @strawberry.field(description="Masked unless you may see it.")
    async def contact_phone(self, info: Info) -> str | None:
        return await sensitive(
            info,
            RecordKind.PARTY_MEMBER,
            self.uuid,
            self.region_code,
            "contact_phone",
            self.record.contact_phone,
        )

    @classmethod
    def from_model(cls, member: models.PartyMember) -> PartyMemberType:
        return build(
            cls, member, uuid=member.id, record=member, specialties=list(member.specialties or [])
        )


@strawberry.type(name="Volunteer", description="A volunteer (志愿者).")
class VolunteerType(Node):
    uuid: UUID
    person_id: UUID
    region_code: str
    team: str | None = strawberry.field(
        description="The team as free text, as first registered.",
        deprecation_reason="Teams are service teams (服务团队): serviceTeams(regionCode, memberId)"
        " lists a volunteer's; migration 0031 made each community's team text a team.",
    )
    specialties: list[str] = strawberry.field(description="5.5 专业特长")
    service_hours: Decimal = strawberry.field(
        description="Hours recorded before the points ledger (its opening entry since).",
        deprecation_reason="Service hours are the points ledger's: a member's `hours`"
        " (myPointsMember, memberLedger), certified per completed post.",
    )
    status: RecordStatus
    version: int
    created_at: dt.datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @classmethod
    def from_model(cls, volunteer: models.Volunteer) -> VolunteerType:
        return build(
            cls, volunteer, uuid=volunteer.id, specialties=list(volunteer.specialties or [])
        )


CONVERTERS: dict[RecordKind, Any] = {
    RecordKind.PERSON: PersonNode.from_model,
    RecordKind.HOUSEHOLD: HouseholdNode.from_model,
    RecordKind.HOUSE: HouseType.from_model,
    RecordKind.BUILDING: BuildingType.from_model,
    RecordKind.ORGANISATION: OrganisationType.from_model,
    RecordKind.SPECIAL_GROUP: SpecialGroupRecordType.from_model,
    RecordKind.PARTY_ORGANISATION: PartyOrganisationType.from_model,
    RecordKind.PARTY_MEMBER: PartyMemberType.from_model,
    RecordKind.VOLUNTEER: VolunteerType.from_model,
    RecordKind.ENROLMENT: EnrolmentType.from_model,
}
NODE_NAMES: dict[str, RecordKind] = {
    "Person": RecordKind.PERSON,
    "Household": RecordKind.HOUSEHOLD,
    "House": RecordKind.HOUSE,
    "Building": RecordKind.BUILDING,
    "Organisation": RecordKind.ORGANISATION,
    "SpecialGroupRecord": RecordKind.SPECIAL_GROUP,
    "PartyOrganisation": RecordKind.PARTY_ORGANISATION,
    "PartyMember": RecordKind.PARTY_MEMBER,
    "Volunteer": RecordKind.VOLUNTEER,
    "Enrolment": RecordKind.ENROLMENT,
}


# ---------------------------------------------------------------- statistics and code tables


@strawberry.type(description="A count of one kind in one region.")
class RegistryCount:
    region_code: str
    kind: str = strawberry.field(description="e.g. person:floating, house:rental, building")
    count: int


@strawberry.type(description="Active records with one combination of attribute values.")
class RegistryBreakdownCell:
    region_code: str = strawberry.field(description="The region, or its child when per child.")
    values: list[str] = strawberry.field(
        description="One value per attribute asked for, in that order: an age band (0-6, 7-17,"
        " 18-34, 35-59, 60-79, 80+), a GB/T 2261.1 sex code, a person type or special group"
        " code (lower case), a GB/T 31000 5.17 house-use code ('' when not recorded)."
    )
    count: int


@strawberry.type(description="People registered and deregistered in one month.")
class RegistryMonth:
    month: str = strawberry.field(description="YYYY-MM (UTC).")
    registered: int = strawberry.field(description="People registered (created) that month.")
    deregistered: int = strawberry.field(description="People deregistered (注销) that month.")
    registered_at_end: int = strawberry.field(
        description="Registered by the month's end less deregistered by then (people now in"
        " the region; moves in or out are not replayed)."
    )


@strawberry.type(description="Counts for a region's map: per child region and per kind.")
class RegistryStatistics:
    region_code: str
    children: list[RegistryCount] = strawberry.field(
        description="Per child region (a grid: itself) and kind."
    )
    totals: list[RegistryCount] = strawberry.field(description="Per kind for the whole region.")
    breakdown: list[RegistryBreakdownCell] = strawberry.field(
        default_factory=list,
        description="Active people (houses, for house use alone) counted by the attributes of"
        " `by`; empty without it.",
    )
    trend: list[RegistryMonth] = strawberry.field(
        default_factory=list, description="The last `trendMonths` months, oldest first."
    )


@strawberry.type(description="A code and its name.")
class CodeEntry:
    code: str
    name: str
    is_national: bool = strawberry.field(
        default=True,
        description="The standard's own code (fixed); false: the city's or a region's.",
    )
    region_code: str | None = strawberry.field(
        default=None,
        description="A region's own extension, used in its subtree (none: everywhere).",
    )
    is_active: bool = strawberry.field(
        default=True, description="False once retired: refused on new values, shown on old ones."
    )
    version: int = strawberry.field(
        default=0, description="The code tables' version when this code last changed."
    )

    @classmethod
    def from_code(cls, code: codes.Code) -> CodeEntry:
        return cls(
            code=code.code,
            name=code.name,
            is_national=code.is_national,
            region_code=code.region_code,
            is_active=code.is_active,
            version=code.version,
        )


@strawberry.type(name="CodeTable", description="A code table of GB/T 31000 or a national one.")
class CodeTableType:
    key: str = strawberry.field(description='"5.11", "ethnicity" …')
    name: str
    standard: str
    entries: list[CodeEntry] = strawberry.field(
        description="Every code, retired ones and regions' extensions included (see their flags)."
    )
    version: int = strawberry.field(
        default=0, description="The highest version of its codes: changes when any of them does."
    )

    @classmethod
    def from_table(cls, table: codes.CodeTable) -> CodeTableType:
        return cls(
            key=table.key,
            name=table.name,
            standard=table.standard,
            entries=[CodeEntry.from_code(code) for code in table.codes.values()],
            version=table.version,
        )
