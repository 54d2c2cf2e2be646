"""People (人口): register, correct, move (迁移)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

import strawberry

from api.domains.registry import service
from api.domains.registry.enums import (
    PersonType,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.permissions import allow
from schema.registry.mutations.base import (
    CREATE,
    UNSET,
    UPDATE,
    held,
    optional_id,
    provided,
    required_id,
)
from schema.registry.types import (
    PendingChangeType,
    PersonNode,
)
from schema.types import Info


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
    client_id: UUID | None = strawberry.field(
        default=None,
        description="A client-chosen id (a UUID): a retried create with it (offline phones) "
        "returns the same record.",
    )
    household_id: strawberry.ID | None = None
    relation_to_head: str | None = strawberry.field(default=None, description="GB/T 4761 code")
    house_id: strawberry.ID | None = None


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


@strawberry.type(description="The person after the change.")
class PersonPayload:
    person: PersonNode
    pending_change: PendingChangeType | None = strawberry.field(
        default=None,
        description="Set when the edit was held for the community's review (审核); the record is then unchanged.",
    )


PersonResult = Annotated[
    PersonPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PersonResult", description="Outcome of a registry change."),
]


def _person(person: Any, info: Info) -> PersonPayload:
    return PersonPayload(person=PersonNode.from_model(person), pending_change=held(info, person))


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(description="登记: register a person in a grid.", extensions=CREATE)
    async def register_person(self, info: Info, input: RegisterPersonInput) -> PersonResult:
        person = await service.register_person(
            actor=info.context.principal,
            region_code=input.region_code,
            values=provided(
                input,
                skip=frozenset(
                    {"region_code", "household_id", "relation_to_head", "house_id", "client_id"}
                ),
            ),
            household_id=optional_id(input.household_id, "Household", "householdId"),
            relation_to_head=input.relation_to_head,
            house_id=optional_id(input.house_id, "House", "houseId"),
            client_id=input.client_id,
        )
        return _person(person, info)

    @strawberry.mutation(description="Correct or complete a person's fields.", extensions=UPDATE)
    async def update_person(
        self,
        info: Info,
        id: strawberry.ID,
        input: PersonFieldsInput,
        expected_version: int | None = None,
    ) -> PersonResult:
        person = await service.update_person(
            actor=info.context.principal,
            person_id=required_id(id, "Person"),
            values=provided(input),
            expected_version=expected_version,
        )
        return _person(person, info)

    @strawberry.mutation(
        description="迁移: a person moves house, household or grid.",
        extensions=allow("registry", "move"),
    )
    async def move_person(self, info: Info, input: MovePersonInput) -> PersonResult:
        person = await service.move_person(
            actor=info.context.principal,
            person_id=required_id(input.id, "Person"),
            region_code=input.region_code,
            house_id=optional_id(input.house_id, "House", "houseId"),
            household_id=optional_id(input.household_id, "Household", "householdId"),
            relation_to_head=input.relation_to_head,
            leave_household=input.leave_household,
            reason=input.reason,
            expected_version=input.expected_version,
        )
        return _person(person, info)
