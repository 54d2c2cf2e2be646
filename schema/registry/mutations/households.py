"""Households (户): register one with its members, correct its own fields."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.domains.registry import service
from api.domains.registry.enums import (
    HouseholdType,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.registry.mutations.base import (
    CREATE,
    UNSET,
    UPDATE,
    held,
    optional_id,
    provided,
    required_id,
)
from schema.registry.mutations.people import PersonFieldsInput
from schema.registry.types import (
    HouseholdNode,
    PendingChangeType,
)
from schema.types import Info


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
    client_id: UUID | None = strawberry.field(
        default=None,
        description="A client-chosen id (a UUID): a retried create with it (offline phones) "
        "returns the same record.",
    )


@strawberry.input(description="A household's own fields.")
class HouseholdFieldsInput:
    household_number: str | None = UNSET
    household_type: HouseholdType | None = UNSET
    address: str | None = UNSET


@strawberry.type(description="The household after the change, with its members.")
class HouseholdPayload:
    household: HouseholdNode
    pending_change: PendingChangeType | None = strawberry.field(
        default=None,
        description="Set when the edit was held for the community's review (审核); the record is then unchanged.",
    )


HouseholdResult = Annotated[
    HouseholdPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("HouseholdResult", description="Outcome of a registry change."),
]


@strawberry.type
class HouseholdsMutation:
    @strawberry.mutation(
        description="登记: register a household with its members (new or registered people).",
        extensions=CREATE,
    )
    async def register_household(
        self, info: Info, input: RegisterHouseholdInput
    ) -> HouseholdResult:
        members = [
            service.MemberInput(
                relation_to_head=member.relation_to_head,
                person_id=optional_id(member.person_id, "Person", f"members.{index}.personId"),
                person=provided(member.person) if member.person is not None else None,
            )
            for index, member in enumerate(input.members)
        ]
        household = await service.register_household(
            actor=info.context.principal,
            region_code=input.region_code,
            values={
                "household_number": input.household_number,
                "household_type": input.household_type,
                "address": input.address,
            },
            house_id=optional_id(input.house_id, "House", "houseId"),
            members=members,
            client_id=input.client_id,
        )
        return HouseholdPayload(
            household=HouseholdNode.from_model(household), pending_change=held(info, household)
        )

    @strawberry.mutation(description="Correct a household's own fields.", extensions=UPDATE)
    async def update_household(
        self,
        info: Info,
        id: strawberry.ID,
        input: HouseholdFieldsInput,
        house_id: strawberry.ID | None = None,
        expected_version: int | None = None,
    ) -> HouseholdResult:
        household = await service.update_household(
            actor=info.context.principal,
            household_id=required_id(id, "Household"),
            values=provided(input),
            house_id=optional_id(house_id, "House", "houseId"),
            expected_version=expected_version,
        )
        return HouseholdPayload(
            household=HouseholdNode.from_model(household), pending_change=held(info, household)
        )
