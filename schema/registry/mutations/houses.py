"""Houses (房屋), rental ones with their landlords: register, correct."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.domains.registry import service
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.registry.mutations.base import (
    CREATE,
    UNSET,
    UPDATE,
    ClientId,
    held,
    optional_id,
    provided,
    required_id,
)
from schema.registry.types import (
    HouseType,
    PendingChangeType,
)
from schema.types import Info


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


@strawberry.type(description="The house after the change.")
class HousePayload:
    house: HouseType
    pending_change: PendingChangeType | None = strawberry.field(
        default=None,
        description="Set when the edit was held for the community's review (审核); the record is then unchanged.",
    )


HouseResult = Annotated[
    HousePayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("HouseResult", description="Outcome of a registry change."),
]


@strawberry.type
class HousesMutation:
    @strawberry.mutation(
        description="Register a house (房屋), a rental one with its landlord.", extensions=CREATE
    )
    async def register_house(
        self,
        info: Info,
        region_code: str,
        input: HouseFieldsInput,
        building_id: strawberry.ID | None = None,
        client_id: ClientId = None,
    ) -> HouseResult:
        house = await service.register_house(
            actor=info.context.principal,
            region_code=region_code,
            values=provided(input),
            building_id=optional_id(building_id, "Building", "buildingId"),
            client_id=client_id,
        )
        return HousePayload(house=HouseType.from_model(house), pending_change=held(info, house))

    @strawberry.mutation(description="Correct a house's fields.", extensions=UPDATE)
    async def update_house(
        self,
        info: Info,
        id: strawberry.ID,
        input: HouseFieldsInput,
        building_id: strawberry.ID | None = None,
        expected_version: int | None = None,
    ) -> HouseResult:
        house = await service.update_house(
            actor=info.context.principal,
            house_id=required_id(id, "House"),
            values=provided(input),
            building_id=optional_id(building_id, "Building", "buildingId"),
            expected_version=expected_version,
        )
        return HousePayload(house=HouseType.from_model(house), pending_change=held(info, house))
