"""Party building (党建) and volunteers: party organisations, party members, volunteers."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.domains.registry import service
from api.domains.registry.enums import (
    PartyOrganisationLevel,
    RecordKind,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.registry.mutations.base import CREATE, UNSET, UPDATE, optional_id, provided, required_id
from schema.registry.types import (
    PartyMemberType,
    PartyOrganisationType,
    VolunteerType,
)
from schema.types import Info


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


@strawberry.type(description="The party organisation registered.")
class PartyOrganisationPayload:
    party_organisation: PartyOrganisationType


@strawberry.type(description="The party member registered.")
class PartyMemberPayload:
    party_member: PartyMemberType


@strawberry.type(description="The volunteer registered.")
class VolunteerPayload:
    volunteer: VolunteerType


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


def _party_organisation(organisation: Any) -> PartyOrganisationPayload:
    return PartyOrganisationPayload(
        party_organisation=PartyOrganisationType.from_model(organisation)
    )


@strawberry.type
class PartyMutation:
    @strawberry.mutation(
        description="Register a party organisation (社区党委, 大网格党支部, 中网格党小组).",
        extensions=CREATE,
    )
    async def register_party_organisation(
        self, info: Info, input: PartyOrganisationInput
    ) -> PartyOrganisationResult:
        organisation = await service.register_party_organisation(
            actor=info.context.principal,
            region_code=input.region_code,
            values=provided(input, skip=frozenset({"region_code", "parent_id"})),
            parent_id=optional_id(input.parent_id, "PartyOrganisation", "parentId"),
        )
        return _party_organisation(organisation)

    @strawberry.mutation(description="Register a party member (党员).", extensions=CREATE)
    async def register_party_member(self, info: Info, input: PartyMemberInput) -> PartyMemberResult:
        member = await service.register_party_member(
            actor=info.context.principal,
            person_id=required_id(input.person_id, "Person", "personId"),
            values=provided(
                input, skip=frozenset({"person_id", "party_organisation_id", "building_id"})
            ),
            party_organisation_id=optional_id(
                input.party_organisation_id, "PartyOrganisation", "partyOrganisationId"
            ),
            building_id=optional_id(input.building_id, "Building", "buildingId"),
        )
        return PartyMemberPayload(party_member=PartyMemberType.from_model(member))

    @strawberry.mutation(description="Register a volunteer (志愿者).", extensions=CREATE)
    async def register_volunteer(self, info: Info, input: VolunteerInput) -> VolunteerResult:
        volunteer = await service.register_volunteer(
            actor=info.context.principal,
            person_id=required_id(input.person_id, "Person", "personId"),
            values=provided(input, skip=frozenset({"person_id"})),
        )
        return VolunteerPayload(volunteer=VolunteerType.from_model(volunteer))

    @strawberry.mutation(description="Correct a party organisation.", extensions=UPDATE)
    async def update_party_organisation(
        self,
        info: Info,
        id: strawberry.ID,
        input: PartyOrganisationFieldsInput,
        expected_version: int | None = None,
    ) -> PartyOrganisationResult:
        organisation = await service.update_party_record(
            actor=info.context.principal,
            kind=RecordKind.PARTY_ORGANISATION,
            record_id=required_id(id, "PartyOrganisation"),
            values=provided(input),
            expected_version=expected_version,
        )
        return _party_organisation(organisation)

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
        member = await service.update_party_record(
            actor=info.context.principal,
            kind=RecordKind.PARTY_MEMBER,
            record_id=required_id(id, "PartyMember"),
            values=provided(input),
            party_organisation_id=optional_id(
                party_organisation_id, "PartyOrganisation", "partyOrganisationId"
            ),
            expected_version=expected_version,
        )
        return PartyMemberPayload(party_member=PartyMemberType.from_model(member))

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
        volunteer = await service.update_party_record(
            actor=info.context.principal,
            kind=RecordKind.VOLUNTEER,
            record_id=required_id(id, "Volunteer"),
            values=provided(input),
            expected_version=expected_version,
        )
        return VolunteerPayload(volunteer=VolunteerType.from_model(volunteer))
