"""Grid norms: grids outside their household band, households per staff member."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domains.hierarchy.enums import UrbanRural
from api.domains.stats import norms
from api.pagination import page_request
from schema.errors import NotFoundError, ValidationError
from schema.pagination import Connection, Counted, connection
from schema.permissions import allow
from schema.types import Info


@strawberry.type(name="GridNormBand", description="The households a grid of a type should hold.")
class GridNormBandType:
    urban_rural: UrbanRural
    min_households: int
    max_households: int

    @classmethod
    def of(cls, band: norms.Band) -> GridNormBandType:
        return cls(
            urban_rural=band.urban_rural,
            min_households=band.min_households,
            max_households=band.max_households,
        )


@strawberry.type(description="A grid whose households fall outside the band of its type.")
class GridOutsideBand:
    code: str
    name: str
    urban_rural: UrbanRural = strawberry.field(description="Its community's type.")
    households: int
    band: GridNormBandType
    below: bool = strawberry.field(description="Fewer households than the band (else more).")

    @classmethod
    def of(cls, grid: norms.GridOutsideBand) -> GridOutsideBand:
        return cls(
            code=grid.code,
            name=grid.name,
            urban_rural=grid.urban_rural,
            households=grid.households,
            band=GridNormBandType.of(grid.band),
            below=grid.below,
        )


@strawberry.type(description="Households per staff member of a region against its norm.")
class RegionStaffing:
    region_code: str
    name: str
    households: int = strawberry.field(description="Of its grids.")
    staff: int = strawberry.field(description="Grid workers, grid leaders and community staff.")
    households_per_staff: float | None = strawberry.field(description="None without staff.")
    norm: int = strawberry.field(description="Households per staff member at most.")
    norm_region_code: str | None = strawberry.field(
        description="Where the norm was set (none: the default)."
    )
    staff_needed: int = strawberry.field(description="Staff the norm asks for.")
    meets_norm: bool

    @classmethod
    def of(cls, staffing: norms.Staffing) -> RegionStaffing:
        return cls(
            region_code=staffing.region_code,
            name=staffing.name,
            households=staffing.households,
            staff=staffing.staff,
            households_per_staff=staffing.households_per_staff,
            norm=staffing.norm,
            norm_region_code=staffing.norm_region_code,
            staff_needed=staffing.staff_needed,
            meets_norm=staffing.meets_norm,
        )


@strawberry.type(description="Grid norms of a scope: household bands and staffing.")
class GridNorms:
    scope: str
    bands: list[GridNormBandType]
    grids: int = strawberry.field(description="Active grids in the scope.")
    grids_below_band: int
    grids_above_band: int
    staffing: RegionStaffing = strawberry.field(description="Of the scope itself.")
    children: list[RegionStaffing] = strawberry.field(description="Of each region below it.")

    @classmethod
    def of(cls, found: norms.GridNorms) -> GridNorms:
        return cls(
            scope=found.scope_code,
            bands=[GridNormBandType.of(band) for band in found.bands],
            grids=found.grids,
            grids_below_band=found.grids_below,
            grids_above_band=found.grids_above,
            staffing=RegionStaffing.of(found.staffing),
            children=[RegionStaffing.of(child) for child in found.children],
        )


GridNormsResult = Annotated[
    GridNorms | ValidationError | NotFoundError,
    strawberry.union("GridNormsResult", description="The grid norms of a scope, or why not."),
]
StaffingNormResult = Annotated[
    RegionStaffing | ValidationError | NotFoundError,
    strawberry.union("StaffingNormResult", description="The region's staffing, or why not."),
]
GridNormBandResult = Annotated[
    GridNormBandType | ValidationError,
    strawberry.union("GridNormBandResult", description="The band as set, or why not."),
]


@strawberry.type
class NormsQuery:
    @strawberry.field(
        description="Grids outside the household band of their type and households per staff"
        " member, for a scope and each region directly below it.",
        extensions=allow("statistics", "read"),
    )
    async def grid_norms(self, info: Info, scope: str) -> GridNormsResult:
        return GridNorms.of(await norms.grid_norms(actor=info.context.principal, scope_code=scope))

    @strawberry.field(
        description="The grids of a scope outside the household band of their type, by code.",
        extensions=allow("statistics", "read"),
    )
    async def grids_outside_band(
        self, info: Info, scope: str, first: int | None = None, after: str | None = None
    ) -> Connection[GridOutsideBand]:
        page = await norms.grids_outside_band(
            actor=info.context.principal, scope_code=scope, page=page_request(first, after)
        )
        _, below, above = await norms.band_counts(scope)
        return connection(page, Counted(below + above), GridOutsideBand.of)


@strawberry.type
class NormsMutation:
    @strawberry.mutation(
        description="Set (or with null clear) the households per staff member a region's"
        " subtree should not exceed.",
        extensions=allow("grid_norm", "set"),
    )
    async def set_staffing_norm(
        self, info: Info, region_code: str, households_per_staff: int | None
    ) -> StaffingNormResult:
        staffing = await norms.set_staffing_norm(
            actor=info.context.principal,
            region_code=region_code,
            households_per_staff=households_per_staff,
        )
        return RegionStaffing.of(staffing)

    @strawberry.mutation(
        description="Set the household band of grids of one type, city-wide (the city).",
        extensions=allow("grid_norm", "set"),
    )
    async def set_grid_norm_band(
        self, info: Info, urban_rural: UrbanRural, min_households: int, max_households: int
    ) -> GridNormBandResult:
        band = await norms.set_band(
            actor=info.context.principal,
            urban_rural=urban_rural,
            min_households=min_households,
            max_households=max_households,
        )
        return GridNormBandType.of(band)
