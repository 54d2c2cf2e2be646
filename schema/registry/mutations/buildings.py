"""Buildings (楼栋): register, correct."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api import geo
from api.domains.registry import service
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.geo import convert_to_wgs84, datum_field
from schema.registry.mutations.base import (
    CREATE,
    UNSET,
    UPDATE,
    ClientId,
    held,
    provided,
    required_id,
)
from schema.registry.types import (
    BuildingType,
    PendingChangeType,
)
from schema.types import Info


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
    datum: geo.Datum = datum_field()

    def __post_init__(self) -> None:
        convert_to_wgs84(self, self.datum)


@strawberry.type(description="The building after the change.")
class BuildingPayload:
    building: BuildingType
    pending_change: PendingChangeType | None = strawberry.field(
        default=None,
        description="Set when the edit was held for the community's review (审核); the record is then unchanged.",
    )


BuildingResult = Annotated[
    BuildingPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("BuildingResult", description="Outcome of a registry change."),
]


@strawberry.type
class BuildingsMutation:
    @strawberry.mutation(description="Register a building (楼栋).", extensions=CREATE)
    async def register_building(
        self,
        info: Info,
        region_code: str,
        input: BuildingFieldsInput,
        client_id: ClientId = None,
    ) -> BuildingResult:
        building = await service.register_building(
            actor=info.context.principal,
            region_code=region_code,
            values=provided(input, skip=frozenset({"datum"})),
            client_id=client_id,
        )
        return BuildingPayload(
            building=BuildingType.from_model(building), pending_change=held(info, building)
        )

    @strawberry.mutation(description="Correct a building's fields.", extensions=UPDATE)
    async def update_building(
        self,
        info: Info,
        id: strawberry.ID,
        input: BuildingFieldsInput,
        expected_version: int | None = None,
    ) -> BuildingResult:
        building = await service.update_building(
            actor=info.context.principal,
            building_id=required_id(id, "Building"),
            values=provided(input, skip=frozenset({"datum"})),
            expected_version=expected_version,
        )
        return BuildingPayload(
            building=BuildingType.from_model(building), pending_change=held(info, building)
        )
