"""Admin mutations on regions and departments."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api import geo
from api.domains.hierarchy import service
from api.domains.hierarchy.enums import UrbanRural
from api.errors import NotFound
from api.i18n import _
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.geo import point_in
from schema.hierarchy.types import DepartmentType, GeoPointInput, RegionType
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.input(description="A new region; its level and parent follow from the code.")
class CreateRegionInput:
    code: str = strawberry.field(description="4/6/9/12/15 digits extending the parent's code.")
    name: str = strawberry.field(description="Name, 1–100 characters.")
    urban_rural: UrbanRural = UrbanRural.URBAN
    households: int = 0
    leader_name: str | None = None
    leader_phone: str | None = None
    centre: GeoPointInput | None = None
    boundary: JSON | None = strawberry.field(
        default=None, description="GeoJSON Polygon/MultiPolygon."
    )
    external_codes: JSON | None = strawberry.field(
        default=None, description="Codes in other schemes."
    )
    aliases: list[str] | None = strawberry.field(
        default=None,
        description="Other names (简称, former names; ≤ 10): searched and matched in addresses.",
    )
    datum: geo.Datum = strawberry.field(
        default=geo.Datum.WGS84, description="Datum of centre and boundary (stored as WGS-84)."
    )


@strawberry.input(description="Changes to a region; omitted fields stay. The code never changes.")
class UpdateRegionInput:
    name: str | None = None
    urban_rural: UrbanRural | None = None
    households: int | None = None
    leader_name: str | None = None
    leader_phone: str | None = None
    centre: GeoPointInput | None = None
    boundary: JSON | None = None
    external_codes: JSON | None = None
    aliases: list[str] | None = strawberry.field(
        default=None, description="Replaces the other names (≤ 10)."
    )
    datum: geo.Datum = strawberry.field(
        default=geo.Datum.WGS84, description="Datum of centre and boundary (stored as WGS-84)."
    )


@strawberry.input(description="A new functional department.")
class CreateDepartmentInput:
    region_code: str = strawberry.field(description="City, district or township code.")
    code: str = strawberry.field(description="Short code, unique in the region.")
    name: str
    categories: list[str] = strawberry.field(
        default_factory=list, description="Category codes handled."
    )
    phone: str | None = None


@strawberry.input(description="Changes to a department; omitted fields stay.")
class UpdateDepartmentInput:
    name: str | None = None
    categories: list[str] | None = None
    phone: str | None = None


@strawberry.type(description="The region after the change.")
class RegionPayload:
    region: RegionType


@strawberry.type(description="The department after the change.")
class DepartmentPayload:
    department: DepartmentType


RegionResult = Annotated[
    RegionPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RegionResult", description="Outcome of a region change."),
]
DepartmentResult = Annotated[
    DepartmentPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("DepartmentResult", description="Outcome of a department change."),
]


def _json_object(value: object, field: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise service.ValidationFailed(_("must be a JSON object"), field=field)
    return value


@strawberry.type
class HierarchyMutation:
    @strawberry.mutation(description="Add a region (admin).", extensions=allow("region", "create"))
    async def create_region(self, info: Info, input: CreateRegionInput) -> RegionResult:
        region = await service.create_region(
            actor=info.context.principal,
            data=service.RegionInput(
                code=input.code,
                name=input.name,
                urban_rural=input.urban_rural,
                households=input.households,
                leader_name=input.leader_name,
                leader_phone=input.leader_phone,
                centre=point_in(input.centre, input.datum),
                boundary=_json_object(input.boundary, "boundary"),
                external_codes=_json_object(input.external_codes, "externalCodes"),
                aliases=input.aliases,
                datum=input.datum,
            ),
        )
        return RegionPayload(region=RegionType.from_model(region))

    @strawberry.mutation(
        description="Change a region's attributes (admin).", extensions=allow("region", "update")
    )
    async def update_region(self, info: Info, code: str, input: UpdateRegionInput) -> RegionResult:
        region = await service.update_region(
            actor=info.context.principal,
            code=code,
            changes=service.RegionChanges(
                name=input.name,
                urban_rural=input.urban_rural,
                households=input.households,
                leader_name=input.leader_name,
                leader_phone=input.leader_phone,
                centre=point_in(input.centre, input.datum),
                boundary=_json_object(input.boundary, "boundary"),
                external_codes=_json_object(input.external_codes, "externalCodes"),
                aliases=input.aliases,
                datum=input.datum,
            ),
        )
        return RegionPayload(region=RegionType.from_model(region))

    @strawberry.mutation(
        description="Deactivate a region with no active sub-regions (admin).",
        extensions=allow("region", "deactivate"),
    )
    async def deactivate_region(self, info: Info, code: str) -> RegionResult:
        return await _set_region_active(info, code, active=False)

    @strawberry.mutation(
        description="Reactivate a region under an active parent (admin).",
        extensions=allow("region", "deactivate"),
    )
    async def reactivate_region(self, info: Info, code: str) -> RegionResult:
        return await _set_region_active(info, code, active=True)

    @strawberry.mutation(
        description="Add a department (admin).", extensions=allow("department", "create")
    )
    async def create_department(self, info: Info, input: CreateDepartmentInput) -> DepartmentResult:
        department = await service.create_department(
            actor=info.context.principal,
            data=service.DepartmentInput(
                region_code=input.region_code,
                code=input.code,
                name=input.name,
                categories=input.categories,
                phone=input.phone,
            ),
        )
        return DepartmentPayload(department=DepartmentType.from_model(department))

    @strawberry.mutation(
        description="Change a department (admin).", extensions=allow("department", "update")
    )
    async def update_department(
        self, info: Info, id: strawberry.ID, input: UpdateDepartmentInput
    ) -> DepartmentResult:
        department = await service.update_department(
            actor=info.context.principal,
            department_id=_department_id(id),
            changes=service.DepartmentChanges(
                name=input.name, categories=input.categories, phone=input.phone
            ),
        )
        return DepartmentPayload(department=DepartmentType.from_model(department))

    @strawberry.mutation(
        description="Deactivate a department (admin).", extensions=allow("department", "deactivate")
    )
    async def deactivate_department(self, info: Info, id: strawberry.ID) -> DepartmentResult:
        return await _set_department_active(info, id, active=False)

    @strawberry.mutation(
        description="Reactivate a department (admin).", extensions=allow("department", "deactivate")
    )
    async def reactivate_department(self, info: Info, id: strawberry.ID) -> DepartmentResult:
        return await _set_department_active(info, id, active=True)


def _department_id(value: str) -> uuid.UUID:
    department_id = parse_uuid(value, "Department")
    if department_id is None:
        raise NotFound("department", value, field="id")
    return department_id


async def _set_region_active(info: Info, code: str, *, active: bool) -> RegionResult:
    region = await service.set_region_active(actor=info.context.principal, code=code, active=active)
    return RegionPayload(region=RegionType.from_model(region))


async def _set_department_active(info: Info, id: str, *, active: bool) -> DepartmentResult:
    department = await service.set_department_active(
        actor=info.context.principal, department_id=_department_id(id), active=active
    )
    return DepartmentPayload(department=DepartmentType.from_model(department))
