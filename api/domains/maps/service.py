"""Map queries: events, buildings and workers by area, event clusters per zoom, region layers.

Every query is the list it stands for (same scope, same filters) narrowed to an area, so a map
and a list of the same filter always agree: the clusters of a box add up to the totalCount of
`events` with that box (tests/maps/test_map_queries.py).
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from asyncpg import Record
from tortoise.transactions import in_transaction

from api import geo
from api.auth import Principal
from api.domains.audit.service import record
from api.domains.events.contacts import Contacts, contacts_of
from api.domains.events.enums import OPEN_STATUSES, Card, EventStatus
from api.domains.events.models import Event
from api.domains.events.scope import department_staff
from api.domains.events.service import EventFilter, list_events, list_statement
from api.domains.hierarchy.models import Compound, Region
from api.domains.hierarchy.service import check_boundary
from api.domains.positions import service as positions
from api.domains.positions.models import LatestPosition
from api.domains.registry.enums import RecordKind, RecordStatus
from api.domains.registry.models import Building, House, Person
from api.domains.registry.reads import PlaceFilter, list_records
from api.domains.registry.records import readable
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest
from api.query import Filtered, Parameters, fetch, starts_with
from api.regions import Level
from policies.enforcer import authorize, scope_prefixes

MIN_ZOOM = 3
# Cells are the map tiles two zoom levels below the view's: 64 screen pixels, the usual size of
# a cluster marker's reach; at CELL_ZOOM (zoom 18 views) a cell is a few metres and a map shows
# the events themselves (mapEvents).
CELL_ZOOM_OFFSET = 2
MAX_CELLS = (
    16_384  # a 4K screen's worth of 64-pixel cells; a larger ask is a zoom that is too far out
)


@dataclass(frozen=True, slots=True)
class Cluster:
    """The events of one map cell: where, how many, and how many by status and card."""

    x: int
    y: int
    zoom: int
    count: int
    lat: float
    lng: float
    by_status: dict[EventStatus, int]
    by_card: dict[Card, int]

    @property
    def bounds(self) -> geo.Box:
        return geo.tile_bounds(self.x, self.y, self.zoom)


@dataclass(frozen=True, slots=True)
class Clusters:
    zoom: int  # of the cells
    total: int
    cells: list[Cluster]


def cell_zoom(zoom: int) -> int:
    if not MIN_ZOOM <= zoom <= geo.TILE_ZOOM:
        raise ValidationFailed(
            _(
                "zoom must be between {MIN_ZOOM} and {TILE_ZOOM}",
                MIN_ZOOM=MIN_ZOOM,
                TILE_ZOOM=geo.TILE_ZOOM,
            ),
            field="zoom",
        )
    return min(zoom + CELL_ZOOM_OFFSET, geo.TILE_ZOOM)


# Cells counted ahead (event_map_cells, kept by triggers): zoom-16 tiles per grid, status and
# card. They answer the clusters of a box at view zooms up to 14 for a caller who reads whole
# subtrees and filters by status, card or region only; the tiles the box's edge cuts through are
# counted from the events themselves, so the answer is exactly the list's. Anything else (a
# circle, other filters, department staff, deeper zooms) groups the events directly.
ROLLUP_ZOOM = 16
_ROLLUP_SHIFT = geo.TILE_ZOOM - ROLLUP_ZOOM
_rollup_enabled = True


def use_rollup(enabled: bool) -> None:
    """Tests compare both ways of counting."""
    global _rollup_enabled
    _rollup_enabled = enabled


def _rollup_scope(actor: Principal, filters: EventFilter) -> list[str] | None:
    """The subtrees the counted cells may answer for, or None when they may not."""
    if not _rollup_enabled or any(department_staff(a) for a in actor.assignments):
        return None
    plain = EventFilter(
        statuses=filters.statuses, card=filters.card, region_code=filters.region_code
    )
    if dataclasses.replace(filters, area=None) != plain:
        return None
    prefixes = scope_prefixes(actor.assignments, "event", "read")
    if filters.region_code is None:
        return prefixes
    # the filter's subtree within the caller's: the deeper of each overlapping pair
    return [
        max(prefix, filters.region_code, key=len)
        for prefix in prefixes
        if prefix.startswith(filters.region_code) or filters.region_code.startswith(prefix)
    ]


async def event_clusters(
    *, actor: Principal, zoom: int, area: geo.Area, filters: EventFilter
) -> Clusters:
    """The events of the list with these filters in the area, counted per map cell."""
    cells_at = cell_zoom(zoom)
    box = area.box() if isinstance(area, geo.Near) else area
    west_x, north_y = geo.tile_of(box.north, box.west, cells_at)
    east_x, south_y = geo.tile_of(box.south, box.east, cells_at)
    if (east_x - west_x + 1) * (south_y - north_y + 1) > MAX_CELLS:
        raise ValidationFailed(
            _(
                "the box holds more than {MAX_CELLS} cells at zoom {zoom}: zoom out or shrink it",
                MAX_CELLS=MAX_CELLS,
                zoom=zoom,
            ),
            field="zoom",
        )
    await geo.detect_postgis(Event._meta.db)
    _unused, _unused2, filtered = list_statement(
        actor=actor,
        page=PageRequest(first=1, after=None),
        filters=dataclasses.replace(filters, area=area),
        columns=("id", "reported_at"),
    )
    shift = geo.TILE_ZOOM - cells_at
    rows: list[Any] = []
    scope = _rollup_scope(actor, filters) if isinstance(area, geo.Box) else None
    inner = _inner_tiles(box) if scope is not None and cells_at <= ROLLUP_ZOOM else None
    if scope is not None and inner is not None:
        rows += await _counted_cells(scope, filters, inner, shift - _ROLLUP_SHIFT)
        rows += await _grouped_events(filtered, shift, box, cells_at, outside=inner)
    else:
        rows += await _grouped_events(filtered, shift, box, cells_at, outside=None)
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        n = int(row["n"])
        if n == 0:
            continue
        cell = cells.setdefault(
            (row["x"], row["y"]),
            {"count": 0, "lat": 0.0, "lng": 0.0, "status": {}, "card": {}},
        )
        cell["count"] += n
        cell["lat"] += float(row["lat"]) * n
        cell["lng"] += float(row["lng"]) * n
        status, card = EventStatus(row["status"]), Card(row["card"])
        cell["status"][status] = cell["status"].get(status, 0) + n
        cell["card"][card] = cell["card"].get(card, 0) + n
    found = [
        Cluster(
            x=x,
            y=y,
            zoom=cells_at,
            count=cell["count"],
            lat=cell["lat"] / cell["count"],
            lng=cell["lng"] / cell["count"],
            by_status=cell["status"],
            by_card=cell["card"],
        )
        for (x, y), cell in sorted(cells.items())
    ]
    return Clusters(
        zoom=(found and found[0].zoom) or cells_at, total=sum(c.count for c in found), cells=found
    )


def _inner_tiles(box: geo.Box) -> tuple[int, int, int, int] | None:
    """The zoom-16 tiles wholly inside the box (x0, y0, x1, y1), or None if there are none."""
    west_x, north_y = geo.tile_of(box.north, box.west, ROLLUP_ZOOM)
    east_x, south_y = geo.tile_of(box.south, box.east, ROLLUP_ZOOM)
    x0, y0, x1, y1 = west_x + 1, north_y + 1, east_x - 1, south_y - 1
    return (x0, y0, x1, y1) if x0 <= x1 and y0 <= y1 else None


async def _counted_cells(
    scope: list[str], filters: EventFilter, inner: tuple[int, int, int, int], shift: int
) -> list[Any]:
    """The counted cells of the inner tiles, regrouped to the view's cells (their centres are
    the tiles' centres: the counts keep no positions)."""
    if not scope:
        return []
    bind = Parameters()
    x0, y0, x1, y1 = inner
    where = [
        "("
        + " OR ".join(
            f'"city_code"={bind(p)}'
            if Level.of_code(p) is Level.CITY
            else starts_with("region_code", p, bind)
            for p in scope
        )
        + ")",
        f'"tile_x" BETWEEN {int(x0)} AND {int(x1)}',
        f'"tile_y" BETWEEN {int(y0)} AND {int(y1)}',
    ]
    if filters.statuses:
        where.append(f'"status" IN ({bind.each(filters.statuses)})')
    if filters.card:
        where.append(f'"card"={bind(filters.card)}')
    rows = await fetch(
        Event,
        f'SELECT "tile_x">>{shift} AS x,"tile_y">>{shift} AS y,"status","card",'
        'SUM("n") AS n,SUM("n"*("tile_x"+0.5::float8)) AS sx,SUM("n"*("tile_y"+0.5::float8)) AS sy'
        f' FROM "event_map_cells" WHERE {" AND ".join(where)} GROUP BY 1,2,3,4',
        bind.values,
    )
    counted = []
    for row in rows:
        n = int(row["n"])
        if n == 0:
            continue
        lat, lng = _tile_point(float(row["sx"]) / n, float(row["sy"]) / n, ROLLUP_ZOOM)
        counted.append({**dict(row), "lat": lat, "lng": lng})
    return counted


def _tile_point(x: float, y: float, zoom: int) -> tuple[float, float]:
    """The WGS-84 point at fractional tile coordinates."""
    n = 2**zoom
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lat, x / n * 360.0 - 180.0


async def _grouped_events(
    filtered: Filtered,
    shift: int,
    box: geo.Box,
    cells_at: int,
    *,
    outside: tuple[int, int, int, int] | None,
) -> list[Any]:
    """The list's events grouped by cell; with `outside` (inner zoom-16 tiles), only those in
    the box's edge: four bands, each narrowed by an index on latitude or longitude."""
    bind = Parameters()
    bind.values.extend(filtered.values)
    west_x, north_y = geo.tile_of(box.north, box.west, cells_at)
    east_x, south_y = geo.tile_of(box.south, box.east, cells_at)
    # The tiles' range repeats the area's condition in the stored tile columns (a tile's width
    # of slack: the area condition decides the edge, exactly as the list does).
    low_x, high_x = (west_x << shift) - 1, ((east_x + 1) << shift)
    low_y, high_y = (north_y << shift) - 1, ((south_y + 1) << shift)
    head = (
        f'SELECT "map_x">>{shift} AS x,"map_y">>{shift} AS y,"status","card",'
        'COUNT(*) AS n,AVG("lat") AS lat,AVG("lng") AS lng'
        f' FROM "{Event._meta.db_table}" WHERE {filtered.where}'
        f' AND "map_x" BETWEEN {int(low_x)} AND {int(high_x)}'
        f' AND "map_y" BETWEEN {int(low_y)} AND {int(high_y)}'
    )
    if outside is None:
        return await fetch(Event, head + " GROUP BY 1,2,3,4", bind.values)
    x0, y0, x1, y1 = outside
    s = _ROLLUP_SHIFT
    north = geo.tile_bounds(x0, y0, ROLLUP_ZOOM).north
    south = geo.tile_bounds(x1, y1, ROLLUP_ZOOM).south
    west = geo.tile_bounds(x0, y0, ROLLUP_ZOOM).west
    east = geo.tile_bounds(x1, y1, ROLLUP_ZOOM).east
    # Numbers are written into the statement (see geo.sql_number): each box gets its own plan.
    # Each band's stored-tile test decides; the latitude/longitude bound beside it (a hair
    # wider) only lets an index find the band's rows.
    slack = 1e-6
    bands = [
        (
            f'("map_y">>{s})<{int(y0)} AND "lat">={geo.sql_number(north - slack)}',
            geo.Box(north - slack, box.west, box.north, box.east),
        ),
        (
            f'("map_y">>{s})>{int(y1)} AND "lat"<={geo.sql_number(south + slack)}',
            geo.Box(box.south, box.west, south + slack, box.east),
        ),
        (
            f'("map_y">>{s}) BETWEEN {int(y0)} AND {int(y1)} AND ("map_x">>{s})<{int(x0)}'
            f' AND "lng"<={geo.sql_number(west + slack)}',
            geo.Box(box.south, box.west, box.north, west + slack),
        ),
        (
            f'("map_y">>{s}) BETWEEN {int(y0)} AND {int(y1)} AND ("map_x">>{s})>{int(x1)}'
            f' AND "lng">={geo.sql_number(east - slack)}',
            geo.Box(box.south, east - slack, box.north, box.east),
        ),
    ]
    # With PostGIS the list's area condition is the geometry's: the band's own envelope lets
    # the GiST index find the band instead of the whole box.
    conditions = [
        f"{band} AND {geo.area_condition(extent, bind, geometry='geom')}" if geo.postgis() else band
        for band, extent in bands
    ]
    sql = " UNION ALL ".join(f"({head} AND {band} GROUP BY 1,2,3,4)" for band in conditions)
    return await fetch(Event, sql, bind.values)


# ---------------------------------------------------------------- events with their popups


async def map_events(
    *, actor: Principal, area: geo.Area, filters: EventFilter, page: PageRequest
) -> tuple[Page[Record], Filtered, dict[uuid.UUID, Contacts]]:
    """A page of the events list in the area, with each event's reporter and collector for its
    popup (read, masked and audited as the event itself shows them: events/contacts.py)."""
    found, filtered = await list_events(
        actor=actor, page=page, filters=dataclasses.replace(filters, area=area)
    )
    contacts = await contacts_of(actor=actor, event_ids=[row["id"] for row in found.items])
    return found, filtered, contacts


# ---------------------------------------------------------------- buildings, houses, workers


async def map_buildings(
    *, actor: Principal, area: geo.Area, filters: PlaceFilter, page: PageRequest
) -> tuple[Page[Building], Any]:
    """The buildings list (scope, filters, order) narrowed to those standing in the area."""
    if filters.area is not None:
        raise ValidationFailed(_("give the area once, as `area`"), field="filter.area")
    return await list_records(
        actor=actor,
        kind=RecordKind.BUILDING,
        page=page,
        filters=dataclasses.replace(filters, area=area),
    )


async def house_counts(building_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Active houses per building."""
    if not building_ids:
        return {}
    rows = await fetch(
        House,
        'SELECT "building_id",COUNT(*) AS n FROM "registry_houses"'
        ' WHERE "building_id"=ANY($1::uuid[]) AND "status"=$2 GROUP BY 1',
        [list(building_ids), RecordStatus.ACTIVE.value],
    )
    return {row["building_id"]: int(row["n"]) for row in rows}


async def map_houses(
    *, actor: Principal, area: geo.Area, filters: PlaceFilter, page: PageRequest
) -> tuple[Page[House], Any]:
    """The houses list (scope, filters, order) narrowed to those whose building stands in the
    area, each with its building loaded (the map places a house at its building)."""
    if filters.area is not None:
        raise ValidationFailed(_("give the area once, as `area`"), field="filter.area")
    found, filtered = await list_records(
        actor=actor,
        kind=RecordKind.HOUSE,
        page=page,
        filters=dataclasses.replace(filters, area=area),
    )
    await House.fetch_for_list(found.items, "building")
    return found, filtered


# A city's grid workers fit (鹤壁: ~3,000); more on one map is refused, never cut short unseen.
MAX_WORKERS = 5_000


async def latest_workers(
    *, actor: Principal, scope: str, area: geo.Area, since: timedelta = timedelta(hours=12)
) -> list[LatestPosition]:
    """The latest fix of each worker under `scope` within `since`, if it lies in the area; a
    typed refusal rather than a map silently cut short."""
    rows = await positions.latest(
        actor=actor, scope=scope, since=since, area=area, limit=MAX_WORKERS + 1
    )
    if len(rows) > MAX_WORKERS:
        raise ValidationFailed(
            _(
                "more than {MAX_WORKERS} workers in the area: zoom in or choose a smaller scope",
                MAX_WORKERS=MAX_WORKERS,
            ),
            field="area",
        )
    return rows


# ---------------------------------------------------------------- region layers (GeoJSON)

MAX_FEATURES = 2_000


async def region_features(
    *, actor: Principal, scope: str, level: Level, datum: geo.Datum
) -> dict[str, Any]:
    """The regions of `level` under `scope` as a GeoJSON FeatureCollection: boundary, centre,
    name, code, leader and counts of buildings, houses, people and open events."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    authorize(actor.assignments, "region", "read", at=scope)
    depth = list(Level).index(level)
    if depth < list(Level).index(Level.of_code(scope) or Level.CITY):
        raise ValidationFailed(_("level must be the scope's or below it"), field="level")
    regions = (
        await Region.filter(code__startswith=scope, level=level, is_active=True)
        .order_by("code")
        .limit(MAX_FEATURES + 1)
    )
    if len(regions) > MAX_FEATURES:
        raise ValidationFailed(
            _(
                "more than {MAX_FEATURES} regions: choose a smaller scope or a higher level",
                MAX_FEATURES=MAX_FEATURES,
            ),
            field="scope",
        )
    width = len(regions[0].code) if regions else 0
    counts: dict[str, dict[str, int]] = {r.code: {} for r in regions}
    if regions:
        for name, table, condition, values in (
            ("buildings", "registry_buildings", '"status"=$2', [RecordStatus.ACTIVE.value]),
            ("houses", "registry_houses", '"status"=$2', [RecordStatus.ACTIVE.value]),
            ("people", "registry_people", '"status"=$2', [RecordStatus.ACTIVE.value]),
            (
                "openEvents",
                "events",
                '"status"=ANY($2::text[])',
                [[s.value for s in OPEN_STATUSES]],
            ),
        ):
            rows = await fetch(
                Person,
                f'SELECT left("region_code",{width}) AS code,COUNT(*) AS n FROM "{table}"'
                f' WHERE "region_code" LIKE $1 AND {condition} GROUP BY 1',
                [f"{scope}%", *values],
            )
            for row in rows:
                if row["code"] in counts:
                    counts[row["code"]][name] = int(row["n"])
    features = []
    for region in regions:
        centre = (
            geo.from_wgs84(region.centre_lat, region.centre_lng, datum)
            if region.centre_lat is not None and region.centre_lng is not None
            else None
        )
        features.append(
            {
                "type": "Feature",
                "id": region.code,
                "geometry": geo.geometry_from_wgs84(region.boundary, datum),
                "properties": {
                    "code": region.code,
                    "name": region.name,
                    "level": region.level.value,
                    "centre": [centre[1], centre[0]] if centre else None,
                    "leaderName": region.leader_name,
                    "buildings": counts[region.code].get("buildings", 0),
                    "houses": counts[region.code].get("houses", 0),
                    "people": counts[region.code].get("people", 0),
                    "openEvents": counts[region.code].get("openEvents", 0),
                },
            }
        )
    return {"type": "FeatureCollection", "datum": datum.value, "features": features}


# ---------------------------------------------------------------- compounds and footprints


async def set_building_map(
    *,
    actor: Principal,
    building_id: uuid.UUID,
    footprint: dict[str, Any] | None,
    compound_code: str | None,
    datum: geo.Datum,
) -> Building:
    """Draw a building's footprint (a polygon besides its point) and/or put it in a compound of
    its community; None leaves a field as it is."""
    shape_ = check_boundary(footprint, datum, field="footprint")
    if shape_ is not None and shape_["type"] != "Polygon":
        raise ValidationFailed(_("a footprint is one GeoJSON Polygon"), field="footprint")
    async with in_transaction():
        building = (
            await Building.filter(readable(actor), id=building_id).select_for_update().first()
        )
        if building is None:
            raise NotFound("building", building_id, field="id")
        authorize(actor.assignments, "registry", "update", at=building.region_code)
        values: dict[str, Any] = {}
        if compound_code is not None:
            compound = await Compound.get_or_none(code=compound_code.strip(), is_active=True)
            if compound is None or not building.region_code.startswith(compound.community_code):
                raise ValidationFailed(
                    _(
                        "no compound {compound_code} in the building's community",
                        compound_code=compound_code[:40],
                    ),
                    field="compoundCode",
                )
            values["compound_code"] = compound.code
        if shape_ is not None:
            values["footprint"] = shape_
        if values:
            values["version"] = building.version + 1
            building.update_from_dict(values)
            await building.save(update_fields=[*values, "updated_at"])
            await record(
                actor=actor,
                action="building.map",
                object_type="building",
                object_id=str(building.id),
                region_code=building.region_code,
                detail={k: v for k, v in values.items() if k != "footprint"}
                | {"footprint": shape_ is not None},
            )
    return building


async def compound_features(*, actor: Principal, scope: str, datum: geo.Datum) -> dict[str, Any]:
    """The active compounds under `scope` (a region code) as a GeoJSON FeatureCollection, with
    their buildings and houses counted, and their buildings' footprints as a second layer."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    authorize(actor.assignments, "region", "read", at=scope)
    compounds = (
        await Compound.filter(community_code__startswith=scope, is_active=True)
        .order_by("code")
        .limit(MAX_FEATURES + 1)
    )
    if len(compounds) > MAX_FEATURES:
        raise ValidationFailed(
            _(
                "more than {MAX_FEATURES} compounds: choose a smaller scope",
                MAX_FEATURES=MAX_FEATURES,
            ),
            field="scope",
        )
    codes = [c.code for c in compounds]
    counts: dict[str, dict[str, int]] = {code: {} for code in codes}
    if codes:
        for name, sql in (
            (
                "buildings",
                'SELECT "compound_code" AS code,COUNT(*) AS n FROM "registry_buildings"'
                ' WHERE "compound_code"=ANY($1::text[]) AND "status"=$2 GROUP BY 1',
            ),
            (
                "houses",
                'SELECT b."compound_code" AS code,COUNT(*) AS n FROM "registry_houses" h'
                ' JOIN "registry_buildings" b ON b."id"=h."building_id"'
                ' WHERE b."compound_code"=ANY($1::text[]) AND h."status"=$2 GROUP BY 1',
            ),
        ):
            for row in await fetch(Building, sql, [codes, RecordStatus.ACTIVE.value]):
                counts[row["code"]][name] = int(row["n"])
    features = []
    for compound in compounds:
        centre = (
            geo.from_wgs84(compound.centre_lat, compound.centre_lng, datum)
            if compound.centre_lat is not None and compound.centre_lng is not None
            else None
        )
        features.append(
            {
                "type": "Feature",
                "id": compound.code,
                "geometry": geo.geometry_from_wgs84(compound.boundary, datum),
                "properties": {
                    "code": compound.code,
                    "name": compound.name,
                    "communityCode": compound.community_code,
                    "centre": [centre[1], centre[0]] if centre else None,
                    "buildings": counts[compound.code].get("buildings", 0),
                    "houses": counts[compound.code].get("houses", 0),
                },
            }
        )
    return {"type": "FeatureCollection", "datum": datum.value, "features": features}
