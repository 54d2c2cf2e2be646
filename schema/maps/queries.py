"""Map queries: clusters for whole-city maps, events with their popups, buildings, houses and
workers by area, region and compound layers as GeoJSON, and the report of boundaries that do
not fit."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from api import geo
from api.domains.events.lists import LIST_COLUMNS
from api.domains.hierarchy.boundaries import boundary_violations
from api.domains.maps import service
from api.domains.registry.models import Building, House
from api.pagination import page_request
from api.regions import Level
from schema.events.queries import EventFilterInput, event_filters
from schema.events.types import EventContactType, EventType
from schema.geo import MapAreaInput, area_of
from schema.hierarchy.types import GeoPoint
from schema.maps.types import (
    BoundaryReport,
    BoundaryReportResult,
    BoundaryViolation,
    CardCount,
    CompoundFeatures,
    CompoundFeaturesResult,
    EventCluster,
    EventClusters,
    EventClustersResult,
    GeoBox,
    MapBuilding,
    MapBuildingPage,
    MapBuildingsResult,
    MapEvent,
    MapEventPage,
    MapEventsResult,
    MapHouse,
    MapHousePage,
    MapHousesResult,
    MapWorker,
    MapWorkers,
    MapWorkersResult,
    RegionFeatures,
    RegionFeaturesResult,
    StatusCount,
    point,
)
from schema.pagination import connection
from schema.permissions import allow
from schema.registry.queries import RegistryFilterInput, place_filter
from schema.types import Info

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
                    centre=point(cell.lat, cell.lng, datum) or GeoPoint(lat=0, lng=0),
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
        page, filtered, contacts = await service.map_events(
            actor=info.context.principal,
            area=where,
            filters=event_filters(filter),
            page=page_request(first, after),
        )

        def shown(row: Any) -> MapEvent:
            lat, lng = row["lat"], row["lng"]
            found = contacts.get(row["id"])
            return MapEvent(
                event=_EVENT_ROW(row),
                location=point(lat, lng, area.datum),
                reporter=EventContactType.from_contact(found.reporter if found else None),
                collector=EventContactType.from_contact(found.collector if found else None),
                distance=(
                    geo.distance_m(where.lat, where.lng, lat, lng)
                    if isinstance(where, geo.Near) and lat is not None and lng is not None
                    else None
                ),
            )

        return MapEventPage(events=connection(page, filtered, shown))

    @strawberry.field(
        description="The `buildings` list (your scope, its filter) in the area, with their "
        "houses counted.",
        extensions=allow("registry", "read"),
    )
    async def map_buildings(
        self,
        info: Info,
        area: MapAreaInput,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> MapBuildingsResult:
        page, filtered = await service.map_buildings(
            actor=info.context.principal,
            area=area_of(area),
            filters=place_filter(filter),
            page=page_request(first, after),
        )
        counts = await service.house_counts([b.id for b in page.items])

        def shown(building: Building) -> MapBuilding:
            return MapBuilding(
                id=strawberry.ID(str(building.id)),
                building_code=building.building_code,
                name=building.name,
                address=building.address,
                region_code=building.region_code,
                location=point(building.lat, building.lng, area.datum),
                footprint=JSON(geo.geometry_from_wgs84(building.footprint, area.datum)),
                compound_code=building.compound_code,
                houses=counts.get(building.id, 0),
            )

        return MapBuildingPage(buildings=connection(page, filtered, shown))

    @strawberry.field(
        description="The `houses` list (your scope, its filter) whose building stands in the area.",
        extensions=allow("registry", "read"),
    )
    async def map_houses(
        self,
        info: Info,
        area: MapAreaInput,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> MapHousesResult:
        page, filtered = await service.map_houses(
            actor=info.context.principal,
            area=area_of(area),
            filters=place_filter(filter),
            page=page_request(first, after),
        )

        def shown(house: House) -> MapHouse:
            building = house.building
            return MapHouse(
                id=strawberry.ID(str(house.id)),
                house_code=house.house_code,
                address=house.address,
                region_code=house.region_code,
                building_code=building.building_code if building else None,
                location=point(building.lat, building.lng, area.datum) if building else None,
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
                    location=point(row.lat, row.lng, area.datum) or GeoPoint(lat=0, lng=0),
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
