"""GraphQL types of the map queries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api import geo
from api.domains.events.enums import Card, EventStatus
from schema.errors import NotFoundError, ValidationError
from schema.events.types import EventContactType, EventType
from schema.hierarchy.types import GeoPoint
from schema.pagination import Connection


def point(lat: float | None, lng: float | None, datum: geo.Datum) -> GeoPoint | None:
    """A stored WGS-84 point in the datum asked for."""
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


@strawberry.type(description="An event on the map, with its popup's fields.")
class MapEvent:
    event: EventType = strawberry.field(
        description="Progress (status, stage), evaluation (satisfaction) and the rest."
    )
    location: GeoPoint | None = strawberry.field(description="In the datum asked for.")
    reporter: EventContactType | None = strawberry.field(
        description="上报人, as the event's own `reporter` shows it (masked, audited)."
    )
    collector: EventContactType | None = strawberry.field(
        description="采集人, as the event's own `collector` shows it."
    )
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
    MapBuildingPage | ValidationError | NotFoundError,
    strawberry.union("MapBuildingsResult", description="Buildings in the area, or why not."),
]
MapHousesResult = Annotated[
    MapHousePage | ValidationError | NotFoundError,
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
