"""Map mutations: compounds (小区) and building footprints."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api import geo
from api.domains.hierarchy import compounds
from api.domains.maps import service
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.geo import point_in
from schema.hierarchy.types import GeoPoint, GeoPointInput
from schema.maps.types import MapBuilding, point
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.input(description="A compound (小区) of a community: added, or changed by its code.")
class SaveCompoundInput:
    code: str = strawberry.field(description="Natural key, 1–40 letters, digits, - _ .")
    community_code: str = strawberry.field(description="The community (12 digits).")
    name: str = strawberry.field(description="1–100 characters.")
    boundary: JSON | None = strawberry.field(
        default=None, description="GeoJSON Polygon/MultiPolygon inside the community's."
    )
    centre: GeoPointInput | None = None
    datum: geo.Datum = strawberry.field(
        default=geo.Datum.WGS84, description="Datum of centre and boundary (stored as WGS-84)."
    )


@strawberry.type(name="Compound", description="A residential compound (小区).")
class CompoundType:
    code: str
    community_code: str
    name: str
    boundary: JSON | None = strawberry.field(description="GeoJSON, WGS-84.")
    centre: GeoPoint | None = strawberry.field(description="WGS-84.")


@strawberry.type(description="The compound after the change.")
class CompoundPayload:
    compound: CompoundType


@strawberry.type(description="The building's map data after the change.")
class BuildingMapPayload:
    building: MapBuilding


CompoundResult = Annotated[
    CompoundPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CompoundResult", description="Outcome of saving a compound."),
]
BuildingMapResult = Annotated[
    BuildingMapPayload | ValidationError | NotFoundError,
    strawberry.union("BuildingMapResult", description="Outcome of drawing a building."),
]


@strawberry.type
class MapsMutation:
    @strawberry.mutation(
        description="Add or change a compound (小区) under a community; its boundary is checked "
        "like a region's (inside the community's, clear of its other compounds).",
        extensions=allow("region", "update"),
    )
    async def save_compound(self, info: Info, input: SaveCompoundInput) -> CompoundResult:
        compound = await compounds.save_compound(
            actor=info.context.principal,
            data=compounds.CompoundInput(
                code=input.code,
                community_code=input.community_code,
                name=input.name,
                boundary=_json_object(input.boundary, "boundary"),
                centre=point_in(input.centre, input.datum),
                datum=input.datum,
            ),
        )
        return CompoundPayload(
            compound=CompoundType(
                code=compound.code,
                community_code=compound.community_code,
                name=compound.name,
                boundary=JSON(compound.boundary),
                centre=point(compound.centre_lat, compound.centre_lng, geo.Datum.WGS84),
            )
        )

    @strawberry.mutation(
        description="Draw a building's footprint (a GeoJSON Polygon besides its point) and/or "
        "put it in a compound of its community; omitted fields stay.",
        extensions=allow("registry", "update"),
    )
    async def set_building_map(
        self,
        info: Info,
        id: strawberry.ID,
        footprint: JSON | None = None,
        compound_code: str | None = None,
        datum: geo.Datum = geo.Datum.WGS84,
    ) -> BuildingMapResult:
        building_id = parse_uuid(id, "Building")
        if building_id is None:
            raise NotFound("building", id, field="id")
        building = await service.set_building_map(
            actor=info.context.principal,
            building_id=building_id,
            footprint=_json_object(footprint, "footprint"),
            compound_code=compound_code,
            datum=datum,
        )
        counts = await service.house_counts([building.id])
        return BuildingMapPayload(
            building=MapBuilding(
                id=strawberry.ID(str(building.id)),
                building_code=building.building_code,
                name=building.name,
                address=building.address,
                region_code=building.region_code,
                location=point(building.lat, building.lng, datum),
                footprint=JSON(geo.geometry_from_wgs84(building.footprint, datum)),
                compound_code=building.compound_code,
                houses=counts.get(building.id, 0),
            )
        )


def _json_object(value: object, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationFailed(_("must be a JSON object"), field=field)
    return value
