"""Map queries: clusters for whole-city maps, events with their popups, buildings, houses and
workers by area, region layers as GeoJSON, and the report of boundaries that do not fit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api import geo
from api.domains.events.enums import Card, EventStatus
from api.domains.events.lists import LIST_COLUMNS
from api.domains.hierarchy import compounds
from api.domains.hierarchy.boundaries import boundary_violations
from api.domains.maps import service
from api.domains.registry.models import Building, House
from api.errors import NotFound, ValidationFailed
from api.pagination import page_request
from api.regions import Level
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.events.queries import EventFilterInput, event_filters
from schema.events.types import EventType
from schema.geo import MapAreaInput, area_of
from schema.hierarchy.types import GeoPoint, GeoPointInput
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info


def _point(lat: float | None, lng: float | None, datum: geo.Datum) -> GeoPoint | None:
    if lat is None or lng is None:
        return None
    shown = geo.from_wgs84(lat, lng, datum)
    return GeoPoint(lat=shown[0], lng=shown[1])


@strawberry.type(description="A bounding box in the datum asked for.")
class GeoBox:
    south: float
    west: float
    north: float
    east: float


@strawberry.type(description="Events of a cluster in one status.")
class StatusCount:
    status: EventStatus
    count: int


@strawberry.type(description="Events of a cluster with one card.")
class CardCount:
    card: Card
    count: int


@strawberry.type(description="The events of one map cell (a slippy-map tile at `zoom`).")
class EventCluster:
    x: int = strawberry.field(description="Tile column at the cells' zoom.")
    y: int = strawberry.field(description="Tile row at the cells' zoom.")
    count: int
    centre: GeoPoint = strawberry.field(description="The mean position of its events.")
    bounds: GeoBox = strawberry.field(description="The cell's extent.")
    by_status: list[StatusCount]
    by_card: list[CardCount]


@strawberry.type(description="A map's events counted per cell; `total` = the list's totalCount.")
class EventClusters:
    zoom: int = strawberry.field(description="Zoom of the cells (the view's + 2: 64 px cells).")
    total: int
    cells: list[EventCluster]


@strawberry.type(name="Reporter", description="Who reported an event, as its popup shows them.")
class ReporterType:
    name: str | None
    phone: str | None = strawberry.field(
        description="Masked unless you may read personal data there (whole reads audited)."
    )
    masked: bool
    is_citizen: bool = strawberry.field(description="A resident or caller, not a staff member.")


@strawberry.type(description="An event on the map, with its popup's fields.")
class MapEvent:
    event: EventType = strawberry.field(
        description="Progress (status, stage), evaluation (satisfaction) and the rest."
    )
    location: GeoPoint | None = strawberry.field(description="In the datum asked for.")
    reporter: ReporterType | None
    distance: float | None = strawberry.field(description="Metres from a `near` centre.")


@strawberry.type(description="A building on the map.")
class MapBuilding:
    id: strawberry.ID
    building_code: str
    name: str
    address: str
    region_code: str
    location: GeoPoint | None = strawberry.field(description="In the datum asked for.")
    footprint: JSON | None = strawberry.field(
        description="GeoJSON Polygon in the datum asked for, if drawn."
    )
    compound_code: str | None = strawberry.field(description="Its compound (小区), if any.")
    houses: int = strawberry.field(description="Active houses in it.")


@strawberry.type(description="A house on the map, at its building's position.")
class MapHouse:
    id: strawberry.ID
    house_code: str
    address: str
    region_code: str
    building_code: str | None
    location: GeoPoint | None = strawberry.field(description="In the datum asked for.")


@strawberry.type(description="A worker's latest position on the map.")
class MapWorker:
    user_id: strawberry.ID
    region_code: str
    location: GeoPoint = strawberry.field(description="In the datum asked for.")
    accuracy: float = strawberry.field(description="Metres.")
    at: datetime


@strawberry.type(description="A boundary that leaves its parent or overlaps a sibling.")
class BoundaryViolation:
    region_code: str
    kind: str = strawberry.field(description="outside_parent or overlaps_sibling.")
    other_code: str = strawberry.field(description="The parent or the sibling.")
    area_m2: float = strawberry.field(description="Square metres outside or overlapping.")


@strawberry.type(description="A page of events on the map.")
class MapEventPage:
    events: Connection[MapEvent]


@strawberry.type(description="A page of buildings on the map.")
class MapBuildingPage:
    buildings: Connection[MapBuilding]


@strawberry.type(description="A page of houses on the map.")
class MapHousePage:
    houses: Connection[MapHouse]


@strawberry.type(description="Workers' latest positions on the map.")
class MapWorkers:
    workers: list[MapWorker]


@strawberry.type(description="A GeoJSON FeatureCollection of regions.")
class RegionFeatures:
    collection: JSON = strawberry.field(
        description="FeatureCollection: boundary, and in properties code, name, level, centre "
        "[lng, lat], leaderName, buildings, houses, people, openEvents."
    )


@strawberry.type(description="A GeoJSON FeatureCollection of compounds (小区).")
class CompoundFeatures:
    collection: JSON = strawberry.field(
        description="FeatureCollection: boundary, and in properties code, name, communityCode, "
        "centre [lng, lat], buildings, houses."
    )


@strawberry.type(description="Stored boundaries that do not fit, under a scope.")
class BoundaryReport:
    violations: list[BoundaryViolation]


EventClustersResult = Annotated[
    EventClusters | ValidationError,
    strawberry.union("EventClustersResult", description="Clusters, or why not."),
]
MapEventsResult = Annotated[
    MapEventPage | ValidationError,
    strawberry.union("MapEventsResult", description="Events in the area, or why not."),
]
MapBuildingsResult = Annotated[
    MapBuildingPage | ValidationError,
    strawberry.union("MapBuildingsResult", description="Buildings in the area, or why not."),
]
MapHousesResult = Annotated[
    MapHousePage | ValidationError,
    strawberry.union("MapHousesResult", description="Houses in the area, or why not."),
]
MapWorkersResult = Annotated[
    MapWorkers | ValidationError | NotFoundError,
    strawberry.union("MapWorkersResult", description="Workers in the area, or why not."),
]
RegionFeaturesResult = Annotated[
    RegionFeatures | ValidationError | NotFoundError,
    strawberry.union("RegionFeaturesResult", description="A region layer, or why not."),
]
CompoundFeaturesResult = Annotated[
    CompoundFeatures | ValidationError | NotFoundError,
    strawberry.union("CompoundFeaturesResult", description="A compound layer, or why not."),
]
BoundaryReportResult = Annotated[
    BoundaryReport | ValidationError | NotFoundError,
    strawberry.union("BoundaryReportResult", description="The report, or why not."),
]

_EVENT_ROW = EventType.from_rows(LIST_COLUMNS)


@strawberry.type
class MapsQuery:
    @strawberry.field(
        description="Events of the list with this filter in the area, counted per map cell at "
        "the view's zoom (3–20): for whole-city maps. Cells add up to `events`' totalCount.",
        extensions=allow("event", "read"),
    )
    async def event_clusters(
        self, info: Info, zoom: int, area: MapAreaInput, filter: EventFilterInput | None = None
    ) -> EventClustersResult:
        found = await service.event_clusters(
            actor=info.context.principal,
            zoom=zoom,
            area=area_of(area),
            filters=event_filters(filter),
        )
        datum = area.datum
        cells = []
        for cell in found.cells:
            box = cell.bounds
            south, west = geo.from_wgs84(box.south, box.west, datum)
            north, east = geo.from_wgs84(box.north, box.east, datum)
            cells.append(
                EventCluster(
                    x=cell.x,
                    y=cell.y,
                    count=cell.count,
                    centre=_point(cell.lat, cell.lng, datum) or GeoPoint(lat=0, lng=0),
                    bounds=GeoBox(south=south, west=west, north=north, east=east),
                    by_status=[
                        StatusCount(status=s, count=n) for s, n in sorted(cell.by_status.items())
                    ],
                    by_card=[CardCount(card=c, count=n) for c, n in sorted(cell.by_card.items())],
                )
            )
        return EventClusters(zoom=found.zoom, total=found.total, cells=cells)

    @strawberry.field(
        description="Events of the list with this filter in the area (newest first), each with "
        "its popup's fields: reporter (masked), progress, evaluation.",
        extensions=allow("event", "read"),
    )
    async def map_events(
        self,
        info: Info,
        area: MapAreaInput,
        filter: EventFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> MapEventsResult:
        where = area_of(area)
        page, filtered, reporters = await service.map_events(
            actor=info.context.principal,
            area=where,
            filters=event_filters(filter),
            page=page_request(first, after),
        )

        def shown(row: Any) -> MapEvent:
            lat, lng = row["lat"], row["lng"]
            return MapEvent(
                event=_EVENT_ROW(row),
                location=_point(lat, lng, area.datum),
                reporter=_reporter(reporters.get(row["id"])),
                distance=(
                    geo.distance_m(where.lat, where.lng, lat, lng)
                    if isinstance(where, geo.Near) and lat is not None and lng is not None
                    else None
                ),
            )

        return MapEventPage(events=connection(page, filtered, shown))

    @strawberry.field(
        description="Buildings in your scope in the area, with their houses counted.",
        extensions=allow("registry", "read"),
    )
    async def map_buildings(
        self, info: Info, area: MapAreaInput, first: int | None = None, after: str | None = None
    ) -> MapBuildingsResult:
        page, filtered = await service.map_buildings(
            actor=info.context.principal, area=area_of(area), page=page_request(first, after)
        )
        counts = await service.house_counts([b.id for b in page.items])

        def shown(building: Building) -> MapBuilding:
            return MapBuilding(
                id=strawberry.ID(str(building.id)),
                building_code=building.building_code,
                name=building.name,
                address=building.address,
                region_code=building.region_code,
                location=_point(building.lat, building.lng, area.datum),
                footprint=JSON(geo.geometry_from_wgs84(building.footprint, area.datum)),
                compound_code=building.compound_code,
                houses=counts.get(building.id, 0),
            )

        return MapBuildingPage(buildings=connection(page, filtered, shown))

    @strawberry.field(
        description="Houses in your scope whose building lies in the area.",
        extensions=allow("registry", "read"),
    )
    async def map_houses(
        self, info: Info, area: MapAreaInput, first: int | None = None, after: str | None = None
    ) -> MapHousesResult:
        page, filtered = await service.map_houses(
            actor=info.context.principal, area=area_of(area), page=page_request(first, after)
        )

        def shown(house: House) -> MapHouse:
            building = house.building
            return MapHouse(
                id=strawberry.ID(str(house.id)),
                house_code=house.house_code,
                address=house.address,
                region_code=house.region_code,
                building_code=building.building_code if building else None,
                location=_point(building.lat, building.lng, area.datum) if building else None,
            )

        return MapHousePage(houses=connection(page, filtered, shown))

    @strawberry.field(
        description="Each worker's latest position under scope (last 12 hours) in the area.",
        extensions=allow("position", "read"),
    )
    async def map_workers(self, info: Info, scope: str, area: MapAreaInput) -> MapWorkersResult:
        rows = await service.latest_workers(
            actor=info.context.principal, scope=scope, area=area_of(area)
        )
        return MapWorkers(
            workers=[
                MapWorker(
                    user_id=strawberry.ID(str(row.user_id)),
                    region_code=row.region_code,
                    location=_point(row.lat, row.lng, area.datum) or GeoPoint(lat=0, lng=0),
                    accuracy=row.accuracy,
                    at=row.at,
                )
                for row in rows
            ]
        )

    @strawberry.field(
        description="The regions of a level under scope as GeoJSON (WGS-84, or GCJ-02 asked).",
        extensions=allow("region", "read"),
    )
    async def region_features(
        self, info: Info, scope: str, level: Level, datum: geo.Datum = geo.Datum.WGS84
    ) -> RegionFeaturesResult:
        collection = await service.region_features(
            actor=info.context.principal, scope=scope, level=level, datum=datum
        )
        return RegionFeatures(collection=JSON(collection))

    @strawberry.field(
        description="The compounds (小区) under scope as GeoJSON (WGS-84, or GCJ-02 asked).",
        extensions=allow("region", "read"),
    )
    async def compound_features(
        self, info: Info, scope: str, datum: geo.Datum = geo.Datum.WGS84
    ) -> CompoundFeaturesResult:
        collection = await service.compound_features(
            actor=info.context.principal, scope=scope, datum=datum
        )
        return CompoundFeatures(collection=JSON(collection))

    @strawberry.field(
        description="Stored boundaries under scope that leave their parent's or overlap a "
        "sibling's (each pair once).",
        extensions=allow("region", "read"),
    )
    async def boundary_violations(self, info: Info, scope: str) -> BoundaryReportResult:
        found = await boundary_violations(actor=info.context.principal, scope=scope)
        return BoundaryReport(
            violations=[
                BoundaryViolation(
                    region_code=v.region_code,
                    kind=v.kind,
                    other_code=v.other_code,
                    area_m2=v.area_m2,
                )
                for v in found
            ]
        )


def _reporter(reporter: service.Reporter | None) -> ReporterType | None:
    if reporter is None:
        return None
    return ReporterType(
        name=reporter.name,
        phone=reporter.phone,
        masked=reporter.masked,
        is_citizen=reporter.is_citizen,
    )


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
                centre=(input.centre.lat, input.centre.lng) if input.centre else None,
                datum=input.datum,
            ),
        )
        return CompoundPayload(
            compound=CompoundType(
                code=compound.code,
                community_code=compound.community_code,
                name=compound.name,
                boundary=JSON(compound.boundary),
                centre=_point(compound.centre_lat, compound.centre_lng, geo.Datum.WGS84),
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
                location=_point(building.lat, building.lng, datum),
                footprint=JSON(geo.geometry_from_wgs84(building.footprint, datum)),
                compound_code=building.compound_code,
                houses=counts.get(building.id, 0),
            )
        )


def _json_object(value: object, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationFailed("must be a JSON object", field=field)
    return value
