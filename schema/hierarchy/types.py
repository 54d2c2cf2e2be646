"""GraphQL types of the hierarchy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api import geo
from api.domains.hierarchy import models
from api.domains.hierarchy.enums import UrbanRural
from api.regions import Level
from schema.geo import convert_to_wgs84
from schema.node import Node

strawberry.enum(Level, name="Level", description="City → district → township → community → grid.")
strawberry.enum(UrbanRural, name="UrbanRural", description="Community (urban) or village (rural).")


@strawberry.type(description="A WGS-84 point.")
class GeoPoint:
    lat: float = strawberry.field(description="Latitude, WGS-84.")
    lng: float = strawberry.field(description="Longitude, WGS-84.")


@strawberry.input(
    description="A point: WGS-84 (GPS), or GCJ-02 (AMap/Tencent maps) when `datum` says so; "
    "converted to WGS-84 at the edge, stored in WGS-84."
)
class GeoPointInput:
    lat: float = strawberry.field(description="Latitude, -90..90.")
    lng: float = strawberry.field(description="Longitude, -180..180.")
    datum: geo.Datum | None = strawberry.field(
        default=None,
        description="Datum of lat/lng; by default WGS84 (or the enclosing input's `datum`).",
    )

    def __post_init__(self) -> None:
        convert_to_wgs84(self, self.datum)


@strawberry.type(name="Region", description="A node of the hierarchy; its code is its path.")
class RegionType(Node):
    code: str = strawberry.field(
        description="4/6/9/12/15-digit code; a child's extends its parent's."
    )
    parent_code: str | None = strawberry.field(description="Code of the parent region.")
    name: str = strawberry.field(description="Name.")
    level: Level = strawberry.field(description="Level, implied by the code length.")
    urban_rural: UrbanRural = strawberry.field(description="Urban community or rural village.")
    households: int = strawberry.field(description="Households (a grid holds about 100–500).")
    leader_name: str | None = strawberry.field(description="Person in charge (网格长/书记).")
    leader_phone: str | None = strawberry.field(description="Their public duty phone.")
    centre: GeoPoint | None = strawberry.field(description="Centre point for maps.")
    boundary: JSON | None = strawberry.field(description="GeoJSON Polygon/MultiPolygon, WGS-84.")
    external_codes: JSON = strawberry.field(description="Codes of this region in other schemes.")
    aliases: list[str] = strawberry.field(description="Other names (简称, former names).")
    is_active: bool = strawberry.field(description="False once deactivated.")
    created_at: datetime = strawberry.field(description="Created.")
    updated_at: datetime = strawberry.field(description="Last changed.")

    def node_key(self) -> str:
        return self.code

    @classmethod
    def from_model(cls, region: models.Region) -> RegionType:
        centre = (
            GeoPoint(lat=region.centre_lat, lng=region.centre_lng)
            if region.centre_lat is not None and region.centre_lng is not None
            else None
        )
        return cls(
            code=region.code,
            parent_code=region.parent_code,
            name=region.name,
            level=region.level,
            urban_rural=region.urban_rural,
            households=region.households,
            leader_name=region.leader_name,
            leader_phone=region.leader_phone,
            centre=centre,
            boundary=region.boundary,
            external_codes=region.external_codes,
            aliases=list(region.aliases or []),
            is_active=region.is_active,
            created_at=region.created_at,
            updated_at=region.updated_at,
        )


@strawberry.type(name="Department", description="A functional department (职能部门) of a region.")
class DepartmentType(Node):
    department_id: strawberry.Private[Any]
    code: str = strawberry.field(description="Code, unique within its region.")
    name: str = strawberry.field(description="Name.")
    region_code: str = strawberry.field(description="The city, district or township it belongs to.")
    categories: list[str] = strawberry.field(description="Event category codes it handles.")
    phone: str | None = strawberry.field(description="Duty phone.")
    is_active: bool = strawberry.field(description="False once deactivated.")
    created_at: datetime = strawberry.field(description="Created.")

    def node_key(self) -> str:
        return str(self.department_id)

    @classmethod
    def from_model(cls, department: models.Department) -> DepartmentType:
        return cls(
            department_id=department.id,
            code=department.code,
            name=department.name,
            region_code=department.region_code,
            categories=list(department.categories or []),
            phone=department.phone,
            is_active=department.is_active,
            created_at=department.created_at,
        )
