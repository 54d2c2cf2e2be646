"""Registry mutations for grid workers' apps: register, update, move, deregister. Each returns
the record or a typed error naming the field at fault (and then nothing was written)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from api.domains.registry import service
from api.domains.registry.enums import (
    HouseholdType,
    OrganisationKind,
    PartyOrganisationLevel,
    PersonType,
    RecordKind,
    RecordStatus,
    SpecialGroup,
)
from api.errors import DomainError, NotFound, ValidationFailed
from schema.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    ValidationError,
    error_result,
)
from schema.permissions import allow
from schema.registry.types import (
    BuildingType,
    HouseholdNode,
    HouseType,
    OrganisationType,
    PartyMemberType,
    PartyOrganisationType,
    PersonNode,
    SpecialGroupRecordType,
    VolunteerType,
)
from schema.scalars import parse_uuid
from schema.types import Info

UNSET: Any = strawberry.UNSET


def provided(value: Any, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client sent (null included: it clears), as the model's column names."""
    if value is None:
        return {}
    return {
        f.name: getattr(value, f.name)
        for f in dataclasses.fields(value)
        if f.name not in skip and getattr(value, f.name) is not strawberry.UNSET
    }


def _id(value: strawberry.ID | None, type_name: str | None, field: str) -> uuid.UUID | None:
    if value is None or value is strawberry.UNSET:
        return None
    parsed = parse_uuid(value, type_name)
    if parsed is None:
        raise NotFound((type_name or "record").lower(), value, field=field)
    return parsed


def _required_id(value: strawberry.ID, type_name: str | None, field: str = "id") -> uuid.UUID:
    parsed = _id(value, type_name, field)
    assert parsed is not None
    return parsed


# ---------------------------------------------------------------- inputs


@strawberry.input(description="A person's fields; on update, leave out what stays, null clears.")
class PersonFieldsInput:
    id_number: str | None = strawberry.field(default=UNSET, description="18 characters.")
    person_type: PersonType | None = UNSET
    name: str | None = UNSET
    former_name: str | None = UNSET
    sex: str | None = strawberry.field(default=UNSET, description="GB/T 2261.1; from the ID.")
    birth_date: dt.date | None = strawberry.field(default=UNSET, description="From the ID.")
    ethnicity: str | None = strawberry.field(default=UNSET, description="GB/T 3304 code")
    native_place: str | None = UNSET
    household_register_code: str | None = UNSET
    household_register_address: str | None = UNSET
    current_address: str | None = UNSET
    current_address_code: str | None = UNSET
    phone: str | None = UNSET
    education: str | None = strawberry.field(default=UNSET, description="GB/T 4658 code")
    occupation: str | None = UNSET
    political_status: str | None = strawberry.field(default=UNSET, description="GB/T 4762 code")
    marital_status: str | None = strawberry.field(default=UNSET, description="GB/T 2261.2 code")
    religion: str | None = strawberry.field(default=UNSET, description="GA 214.12 code")
    residence_consistency: str | None = strawberry.field(default=UNSET, description="5.10")
    inflow_reason: str | None = strawberry.field(default=UNSET, description="5.11 (floating)")
    certificate_type: str | None = strawberry.field(default=UNSET, description="5.12 (floating)")
    certificate_number: str | None = UNSET
    certificate_expires_on: dt.date | None = UNSET
    dwelling_type: str | None = strawberry.field(default=UNSET, description="5.13 (floating)")
    left_behind_type: str | None = strawberry.field(default=UNSET, description="5.15")
    health_status: str | None = strawberry.field(default=UNSET, description="5.14")
    nationality: str | None = strawberry.field(default=UNSET, description="ISO alpha-3")
    foreign_name: str | None = UNSET
    passport_number: str | None = UNSET
    visit_purpose: str | None = strawberry.field(default=UNSET, description="5.16 (foreign)")
    tags: list[str] | None = UNSET


@strawberry.input(description="Register a person in a grid.")
class RegisterPersonInput(PersonFieldsInput):
    region_code: str = strawberry.field(description="The grid (or lowest region).")
    household_id: strawberry.ID | None = None
    relation_to_head: str | None = strawberry.field(default=None, description="GB/T 4761 code")
    house_id: strawberry.ID | None = None


@strawberry.input(description="A member of a new household: a new person, or a registered one.")
class HouseholdMemberInput:
    relation_to_head: str = strawberry.field(description="GB/T 4761 code; 02 is the head.")
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A registered person moving in."
    )
    person: PersonFieldsInput | None = strawberry.field(default=None, description="A new person.")


@strawberry.input(description="Register a household with its members (all or nothing).")
class RegisterHouseholdInput:
    region_code: str
    household_number: str = strawberry.field(description="户号, unique.")
    household_type: HouseholdType = HouseholdType.FAMILY
    address: str | None = None
    house_id: strawberry.ID | None = None
    members: list[HouseholdMemberInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Where a person moves: another grid, house and/or household.")
class MovePersonInput:
    id: strawberry.ID
    region_code: str | None = None
    house_id: strawberry.ID | None = None
    household_id: strawberry.ID | None = None
    relation_to_head: str | None = None
    leave_household: bool = False
    reason: str = ""
    expected_version: int | None = None


@strawberry.input(description="A household's own fields.")
class HouseholdFieldsInput:
    household_number: str | None = UNSET
    household_type: HouseholdType | None = UNSET
    address: str | None = UNSET


@strawberry.input(description="A building's fields; on update, leave out what stays.")
class BuildingFieldsInput:
    building_code: str | None = UNSET
    name: str | None = UNSET
    address: str | None = UNSET
    use: str | None = strawberry.field(default=UNSET, description="5.17")
    floors_above: int | None = UNSET
    floors_below: int | None = UNSET
    lat: float | None = UNSET
    lng: float | None = UNSET


@strawberry.input(description="A house's fields; on update, leave out what stays.")
class HouseFieldsInput:
    house_code: str | None = UNSET
    address: str | None = UNSET
    unit: str | None = UNSET
    floor: int | None = UNSET
    number: str | None = UNSET
    area: Decimal | None = UNSET
    use: str | None = strawberry.field(default=UNSET, description="5.17")
    owner_name: str | None = UNSET
    owner_id_number: str | None = UNSET
    owner_phone: str | None = UNSET
    is_rental: bool | None = UNSET
    landlord_name: str | None = UNSET
    landlord_id_number: str | None = UNSET
    landlord_phone: str | None = UNSET
    rental_use: str | None = strawberry.field(default=UNSET, description="5.18")
    hazard_type: str | None = strawberry.field(default=UNSET, description="5.19")


@strawberry.input(description="An organisation's fields; on update, leave out what stays.")
class OrganisationFieldsInput:
    kind: OrganisationKind | None = UNSET
    name: str | None = UNSET
    credit_code: str | None = strawberry.field(default=UNSET, description="统一社会信用代码")
    enterprise_category: str | None = strawberry.field(default=UNSET, description="5.44")
    social_organisation_type: str | None = strawberry.field(default=UNSET, description="5.47")
    registration_type: str | None = strawberry.field(default=UNSET, description="5.51")
    legal_person_name: str | None = UNSET
    legal_person_id_number: str | None = UNSET
    legal_person_phone: str | None = UNSET
    address: str | None = UNSET
    employee_count: int | None = UNSET
    safety_hazard_type: str | None = strawberry.field(default=UNSET, description="5.45")
    attention_level: str | None = strawberry.field(default=UNSET, description="5.46")


@strawberry.input(description="刑满释放人员 fields.")
class ReleasedPrisonerDetailsInput:
    crime_type: str | None = UNSET
    original_sentence: str | None = UNSET
    released_on: dt.date | None = UNSET
    prison: str | None = UNSET
    handover: str | None = UNSET
    placement: str | None = UNSET
    is_recidivist: bool | None = UNSET


@strawberry.input(description="社区矫正人员 fields.")
class CommunityCorrectionDetailsInput:
    correction_type: str | None = UNSET
    reception_method: str | None = UNSET
    histories: list[str] | None = UNSET
    involvements: list[str] | None = UNSET
    team_composition: list[str] | None = UNSET
    starts_on: dt.date | None = UNSET
    ends_on: dt.date | None = UNSET
    termination_type: str | None = UNSET


@strawberry.input(description="严重精神障碍患者 fields.")
class MentalDisorderDetailsInput:
    family_economy: str | None = UNSET
    diagnosis: str | None = UNSET
    treatment: str | None = UNSET
    hospitalisation_reason: str | None = UNSET
    managers: list[str] | None = UNSET
    assistance: list[str] | None = UNSET
    guardian_name: str | None = UNSET


@strawberry.input(description="吸毒人员 fields.")
class DrugUserDetailsInput:
    first_found_on: dt.date | None = UNSET
    drug_type: str | None = UNSET
    control_status: str | None = UNSET
    has_criminal_record: bool | None = UNSET


@strawberry.input(description="重点青少年 fields.")
class KeyYouthDetailsInput:
    youth_type: str | None = UNSET
    family_situation: str | None = UNSET
    guardian_name: str | None = UNSET
    assistance_means: list[str] | None = UNSET


@strawberry.input(description="艾滋病危险人员 fields.")
class AidsRiskDetailsInput:
    infection_route: str | None = UNSET
    attention_type: str | None = UNSET
    treatment: str | None = UNSET
    has_criminal_record: bool | None = UNSET


@strawberry.input(description="The group's own fields: fill the one member matching the group.")
class SpecialGroupDetailsInput:
    released_prisoner: ReleasedPrisonerDetailsInput | None = None
    community_correction: CommunityCorrectionDetailsInput | None = None
    mental_disorder: MentalDisorderDetailsInput | None = None
    drug_user: DrugUserDetailsInput | None = None
    key_youth: KeyYouthDetailsInput | None = None
    aids_risk: AidsRiskDetailsInput | None = None


@strawberry.input(description="Follow-up fields common to every special group.")
class FollowUpInput:
    risk_level: str | None = strawberry.field(
        default=UNSET, description="Code of the group's risk table (5.21, 5.32 or 5.60)."
    )
    management_status: str | None = strawberry.field(default=UNSET, description="5.37")
    attention_level: str | None = strawberry.field(default=UNSET, description="5.46")
    helpers: list[str] | None = strawberry.field(default=UNSET, description="帮扶人员")
    follow_up_note: str | None = UNSET


@strawberry.input(description="Put a registered person under special-group management.")
class AddToSpecialGroupInput:
    person_id: strawberry.ID
    group: SpecialGroup
    follow_up: FollowUpInput | None = None
    details: SpecialGroupDetailsInput | None = None


@strawberry.input(description="A party organisation of the grid structure.")
class PartyOrganisationInput:
    region_code: str
    level: PartyOrganisationLevel
    name: str
    parent_id: strawberry.ID | None = None
    secretary_name: str | None = UNSET
    secretary_phone: str | None = UNSET


@strawberry.input(description="A registered person as a party member.")
class PartyMemberInput:
    person_id: strawberry.ID
    party_organisation_id: strawberry.ID | None = None
    building_id: strawberry.ID | None = None
    workplace: str | None = UNSET
    specialties: list[str] | None = strawberry.field(default=UNSET, description="5.5 codes")
    contact_phone: str | None = UNSET
    is_in_service: bool | None = strawberry.field(default=UNSET, description="在职党员")
    registered_community_code: str | None = UNSET


@strawberry.input(description="A registered person as a volunteer.")
class VolunteerInput:
    person_id: strawberry.ID
    team: str | None = UNSET
    specialties: list[str] | None = strawberry.field(default=UNSET, description="5.5 codes")
    service_hours: Decimal | None = UNSET


@strawberry.input(description="A party organisation's own fields; leave out what stays.")
class PartyOrganisationFieldsInput:
    name: str | None = UNSET
    secretary_name: str | None = UNSET
    secretary_phone: str | None = UNSET


@strawberry.input(description="A party member's fields; leave out what stays.")
class PartyMemberFieldsInput:
    workplace: str | None = UNSET
    specialties: list[str] | None = strawberry.field(default=UNSET, description="5.5 codes")
    contact_phone: str | None = UNSET
    is_in_service: bool | None = strawberry.field(default=UNSET, description="在职党员")
    registered_community_code: str | None = UNSET


@strawberry.input(description="A volunteer's fields; leave out what stays.")
class VolunteerFieldsInput:
    team: str | None = UNSET
    specialties: list[str] | None = strawberry.field(default=UNSET, description="5.5 codes")
    service_hours: Decimal | None = UNSET


def _details(group: SpecialGroup, value: SpecialGroupDetailsInput | None) -> dict[str, Any]:
    if value is None:
        return {}
    chosen = provided(value)
    other = next(
        (name for name, v in chosen.items() if v is not None and name != group.value), None
    )
    if other is not None:
        raise ValidationFailed(f"details.{other} does not fit group {group.value}", field="details")
    return provided(chosen.get(group.value))


# ---------------------------------------------------------------- payloads


@strawberry.type(description="The person after the change.")
class PersonPayload:
    person: PersonNode


@strawberry.type(description="The household after the change, with its members.")
class HouseholdPayload:
    household: HouseholdNode


@strawberry.type(description="The house after the change.")
class HousePayload:
    house: HouseType


@strawberry.type(description="The building after the change.")
class BuildingPayload:
    building: BuildingType


@strawberry.type(description="The organisation after the change.")
class OrganisationPayload:
    organisation: OrganisationType


@strawberry.type(description="The special-group record after the change.")
class SpecialGroupRecordPayload:
    record: SpecialGroupRecordType


@strawberry.type(description="The party organisation registered.")
class PartyOrganisationPayload:
    party_organisation: PartyOrganisationType


@strawberry.type(description="The party member registered.")
class PartyMemberPayload:
    party_member: PartyMemberType


@strawberry.type(description="The volunteer registered.")
class VolunteerPayload:
    volunteer: VolunteerType


@strawberry.type(description="The record deregistered (kept, with its history).")
class DeregisterPayload:
    kind: RecordKind
    uuid: uuid.UUID
    status: RecordStatus
    version: int


PersonResult = Annotated[
    PersonPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PersonResult", description="Outcome of a registry change."),
]
HouseholdResult = Annotated[
    HouseholdPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("HouseholdResult", description="Outcome of a registry change."),
]
HouseResult = Annotated[
    HousePayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("HouseResult", description="Outcome of a registry change."),
]
BuildingResult = Annotated[
    BuildingPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("BuildingResult", description="Outcome of a registry change."),
]
OrganisationResult = Annotated[
    OrganisationPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("OrganisationResult", description="Outcome of a registry change."),
]
SpecialGroupRecordResult = Annotated[
    SpecialGroupRecordPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("SpecialGroupRecordResult", description="Outcome of a registry change."),
]
PartyOrganisationResult = Annotated[
    PartyOrganisationPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PartyOrganisationResult", description="Outcome of a registry change."),
]
PartyMemberResult = Annotated[
    PartyMemberPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PartyMemberResult", description="Outcome of a registry change."),
]
VolunteerResult = Annotated[
    VolunteerPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("VolunteerResult", description="Outcome of a registry change."),
]
DeregisterResult = Annotated[
    DeregisterPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("DeregisterResult", description="Outcome of a registry change."),
]


async def _run(step: Callable[[], Awaitable[Any]], shape: Callable[[Any], Any]) -> Any:
    try:
        return shape(await step())
    except DomainError as error:
        return error_result(error)


def _person(person: Any) -> PersonPayload:
    return PersonPayload(person=PersonNode.from_model(person))


CREATE = allow("registry", "create")
UPDATE = allow("registry", "update")


@strawberry.type
class RegistryMutation:
    @strawberry.mutation(
        description="登记: register a household with its members (new or registered people).",
        extensions=CREATE,
    )
    async def register_household(
        self, info: Info, input: RegisterHouseholdInput
    ) -> HouseholdResult:
        actor = info.context.principal

        async def step() -> Any:
            members = [
                service.MemberInput(
                    relation_to_head=member.relation_to_head,
                    person_id=_id(member.person_id, "Person", f"members.{index}.personId"),
                    person=provided(member.person) if member.person is not None else None,
                )
                for index, member in enumerate(input.members)
            ]
            return await service.register_household(
                actor=actor,
                region_code=input.region_code,
                values={
                    "household_number": input.household_number,
                    "household_type": input.household_type,
                    "address": input.address,
                },
                house_id=_id(input.house_id, "House", "houseId"),
                members=members,
            )

        return await _run(step, lambda h: HouseholdPayload(household=HouseholdNode.from_model(h)))

    @strawberry.mutation(description="Correct a household's own fields.", extensions=UPDATE)
    async def update_household(
        self,
        info: Info,
        id: strawberry.ID,
        input: HouseholdFieldsInput,
        house_id: strawberry.ID | None = None,
        expected_version: int | None = None,
    ) -> HouseholdResult:
        return await _run(
            lambda: service.update_household(
                actor=info.context.principal,
                household_id=_required_id(id, "Household"),
                values=provided(input),
                house_id=_id(house_id, "House", "houseId"),
                expected_version=expected_version,
            ),
            lambda h: HouseholdPayload(household=HouseholdNode.from_model(h)),
        )

    @strawberry.mutation(description="登记: register a person in a grid.", extensions=CREATE)
    async def register_person(self, info: Info, input: RegisterPersonInput) -> PersonResult:
        return await _run(
            lambda: service.register_person(
                actor=info.context.principal,
                region_code=input.region_code,
                values=provided(
                    input,
                    skip=frozenset({"region_code", "household_id", "relation_to_head", "house_id"}),
                ),
                household_id=_id(input.household_id, "Household", "householdId"),
                relation_to_head=input.relation_to_head,
                house_id=_id(input.house_id, "House", "houseId"),
            ),
            _person,
        )

    @strawberry.mutation(description="Correct or complete a person's fields.", extensions=UPDATE)
    async def update_person(
        self,
        info: Info,
        id: strawberry.ID,
        input: PersonFieldsInput,
        expected_version: int | None = None,
    ) -> PersonResult:
        return await _run(
            lambda: service.update_person(
                actor=info.context.principal,
                person_id=_required_id(id, "Person"),
                values=provided(input),
                expected_version=expected_version,
            ),
            _person,
        )

    @strawberry.mutation(
        description="迁移: a person moves house, household or grid.",
        extensions=allow("registry", "move"),
    )
    async def move_person(self, info: Info, input: MovePersonInput) -> PersonResult:
        return await _run(
            lambda: service.move_person(
                actor=info.context.principal,
                person_id=_required_id(input.id, "Person"),
                region_code=input.region_code,
                house_id=_id(input.house_id, "House", "houseId"),
                household_id=_id(input.household_id, "Household", "householdId"),
                relation_to_head=input.relation_to_head,
                leave_household=input.leave_household,
                reason=input.reason,
                expected_version=input.expected_version,
            ),
            _person,
        )

    @strawberry.mutation(description="Register a building (楼栋).", extensions=CREATE)
    async def register_building(
        self, info: Info, region_code: str, input: BuildingFieldsInput
    ) -> BuildingResult:
        return await _run(
            lambda: service.register_building(
                actor=info.context.principal, region_code=region_code, values=provided(input)
            ),
            lambda b: BuildingPayload(building=BuildingType.from_model(b)),
        )

    @strawberry.mutation(description="Correct a building's fields.", extensions=UPDATE)
    async def update_building(
        self,
        info: Info,
        id: strawberry.ID,
        input: BuildingFieldsInput,
        expected_version: int | None = None,
    ) -> BuildingResult:
        return await _run(
            lambda: service.update_building(
                actor=info.context.principal,
                building_id=_required_id(id, "Building"),
                values=provided(input),
                expected_version=expected_version,
            ),
            lambda b: BuildingPayload(building=BuildingType.from_model(b)),
        )

    @strawberry.mutation(
        description="Register a house (房屋), a rental one with its landlord.", extensions=CREATE
    )
    async def register_house(
        self,
        info: Info,
        region_code: str,
        input: HouseFieldsInput,
        building_id: strawberry.ID | None = None,
    ) -> HouseResult:
        return await _run(
            lambda: service.register_house(
                actor=info.context.principal,
                region_code=region_code,
                values=provided(input),
                building_id=_id(building_id, "Building", "buildingId"),
            ),
            lambda h: HousePayload(house=HouseType.from_model(h)),
        )

    @strawberry.mutation(description="Correct a house's fields.", extensions=UPDATE)
    async def update_house(
        self,
        info: Info,
        id: strawberry.ID,
        input: HouseFieldsInput,
        building_id: strawberry.ID | None = None,
        expected_version: int | None = None,
    ) -> HouseResult:
        return await _run(
            lambda: service.update_house(
                actor=info.context.principal,
                house_id=_required_id(id, "House"),
                values=provided(input),
                building_id=_id(building_id, "Building", "buildingId"),
                expected_version=expected_version,
            ),
            lambda h: HousePayload(house=HouseType.from_model(h)),
        )

    @strawberry.mutation(
        description="Register an enterprise or a social organisation.", extensions=CREATE
    )
    async def register_organisation(
        self,
        info: Info,
        region_code: str,
        input: OrganisationFieldsInput,
        building_id: strawberry.ID | None = None,
    ) -> OrganisationResult:
        return await _run(
            lambda: service.register_organisation(
                actor=info.context.principal,
                region_code=region_code,
                values=provided(input),
                building_id=_id(building_id, "Building", "buildingId"),
            ),
            lambda o: OrganisationPayload(organisation=OrganisationType.from_model(o)),
        )

    @strawberry.mutation(description="Correct an organisation's fields.", extensions=UPDATE)
    async def update_organisation(
        self,
        info: Info,
        id: strawberry.ID,
        input: OrganisationFieldsInput,
        expected_version: int | None = None,
    ) -> OrganisationResult:
        return await _run(
            lambda: service.update_organisation(
                actor=info.context.principal,
                organisation_id=_required_id(id, "Organisation"),
                values=provided(input),
                expected_version=expected_version,
            ),
            lambda o: OrganisationPayload(organisation=OrganisationType.from_model(o)),
        )

    @strawberry.mutation(
        description="Put a registered person under special-group management (特殊人群).",
        extensions=allow("special_group", "create"),
    )
    async def add_to_special_group(
        self, info: Info, input: AddToSpecialGroupInput
    ) -> SpecialGroupRecordResult:
        return await _run(
            lambda: service.add_to_special_group(
                actor=info.context.principal,
                person_id=_required_id(input.person_id, "Person", "personId"),
                group=input.group,
                values=provided(input.follow_up),
                details=_details(input.group, input.details),
            ),
            lambda r: SpecialGroupRecordPayload(record=SpecialGroupRecordType.from_model(r)),
        )

    @strawberry.mutation(
        description="Record a follow-up (随访) of a special-group record.",
        extensions=allow("special_group", "update"),
    )
    async def record_follow_up(
        self,
        info: Info,
        id: strawberry.ID,
        input: FollowUpInput,
        group: SpecialGroup,
        details: SpecialGroupDetailsInput | None = None,
        expected_version: int | None = None,
    ) -> SpecialGroupRecordResult:
        return await _run(
            lambda: service.record_follow_up(
                actor=info.context.principal,
                record_id=_required_id(id, "SpecialGroupRecord"),
                values=provided(input),
                details=_details(group, details) if details is not None else None,
                expected_version=expected_version,
            ),
            lambda r: SpecialGroupRecordPayload(record=SpecialGroupRecordType.from_model(r)),
        )

    @strawberry.mutation(
        description="Register a party organisation (社区党委, 大网格党支部, 中网格党小组).",
        extensions=CREATE,
    )
    async def register_party_organisation(
        self, info: Info, input: PartyOrganisationInput
    ) -> PartyOrganisationResult:
        return await _run(
            lambda: service.register_party_organisation(
                actor=info.context.principal,
                region_code=input.region_code,
                values=provided(input, skip=frozenset({"region_code", "parent_id"})),
                parent_id=_id(input.parent_id, "PartyOrganisation", "parentId"),
            ),
            lambda o: PartyOrganisationPayload(
                party_organisation=PartyOrganisationType.from_model(o)
            ),
        )

    @strawberry.mutation(description="Register a party member (党员).", extensions=CREATE)
    async def register_party_member(self, info: Info, input: PartyMemberInput) -> PartyMemberResult:
        return await _run(
            lambda: service.register_party_member(
                actor=info.context.principal,
                person_id=_required_id(input.person_id, "Person", "personId"),
                values=provided(
                    input, skip=frozenset({"person_id", "party_organisation_id", "building_id"})
                ),
                party_organisation_id=_id(
                    input.party_organisation_id, "PartyOrganisation", "partyOrganisationId"
                ),
                building_id=_id(input.building_id, "Building", "buildingId"),
            ),
            lambda m: PartyMemberPayload(party_member=PartyMemberType.from_model(m)),
        )

    @strawberry.mutation(description="Register a volunteer (志愿者).", extensions=CREATE)
    async def register_volunteer(self, info: Info, input: VolunteerInput) -> VolunteerResult:
        return await _run(
            lambda: service.register_volunteer(
                actor=info.context.principal,
                person_id=_required_id(input.person_id, "Person", "personId"),
                values=provided(input, skip=frozenset({"person_id"})),
            ),
            lambda v: VolunteerPayload(volunteer=VolunteerType.from_model(v)),
        )

    @strawberry.mutation(description="Correct a party organisation.", extensions=UPDATE)
    async def update_party_organisation(
        self,
        info: Info,
        id: strawberry.ID,
        input: PartyOrganisationFieldsInput,
        expected_version: int | None = None,
    ) -> PartyOrganisationResult:
        return await _run(
            lambda: service.update_party_record(
                actor=info.context.principal,
                kind=RecordKind.PARTY_ORGANISATION,
                record_id=_required_id(id, "PartyOrganisation"),
                values=provided(input),
                expected_version=expected_version,
            ),
            lambda o: PartyOrganisationPayload(
                party_organisation=PartyOrganisationType.from_model(o)
            ),
        )

    @strawberry.mutation(
        description="Correct a party member, or move them to another party organisation.",
        extensions=UPDATE,
    )
    async def update_party_member(
        self,
        info: Info,
        id: strawberry.ID,
        input: PartyMemberFieldsInput,
        party_organisation_id: strawberry.ID | None = None,
        expected_version: int | None = None,
    ) -> PartyMemberResult:
        return await _run(
            lambda: service.update_party_record(
                actor=info.context.principal,
                kind=RecordKind.PARTY_MEMBER,
                record_id=_required_id(id, "PartyMember"),
                values=provided(input),
                party_organisation_id=_id(
                    party_organisation_id, "PartyOrganisation", "partyOrganisationId"
                ),
                expected_version=expected_version,
            ),
            lambda m: PartyMemberPayload(party_member=PartyMemberType.from_model(m)),
        )

    @strawberry.mutation(
        description="Correct a volunteer's team, skills or hours.", extensions=UPDATE
    )
    async def update_volunteer(
        self,
        info: Info,
        id: strawberry.ID,
        input: VolunteerFieldsInput,
        expected_version: int | None = None,
    ) -> VolunteerResult:
        return await _run(
            lambda: service.update_party_record(
                actor=info.context.principal,
                kind=RecordKind.VOLUNTEER,
                record_id=_required_id(id, "Volunteer"),
                values=provided(input),
                expected_version=expected_version,
            ),
            lambda v: VolunteerPayload(volunteer=VolunteerType.from_model(v)),
        )

    @strawberry.mutation(
        description="注销: deregister a record (kept with its history); a special-group record "
        "ends.",
        extensions=allow("registry", "read"),
    )
    async def deregister_record(
        self,
        info: Info,
        kind: RecordKind,
        id: strawberry.ID,
        reason: str,
        expected_version: int | None = None,
    ) -> DeregisterResult:
        return await _run(
            lambda: service.deregister(
                actor=info.context.principal,
                kind=kind,
                record_id=_required_id(id, None),
                reason=reason,
                expected_version=expected_version,
            ),
            lambda r: DeregisterPayload(kind=kind, uuid=r.id, status=r.status, version=r.version),
        )
