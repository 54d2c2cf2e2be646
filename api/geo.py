"""Coordinates at the edge: datums (GCJ-02 ⇄ WGS-84), points and areas checked once, map tiles.

Everything is stored in WGS-84. Chinese map providers (AMap/Gaode, Tencent) draw and report
GCJ-02 (the "Mars" datum, 国测局坐标): a front end sends what its map gives it and names the
datum; the edge converts to WGS-84 before anything is checked or stored.

The GCJ-02 offset is the published formula (Krasovsky 1940 ellipsoid, the polynomial and sine
terms below) as implemented by eviltransform (github.com/googollee/eviltransform, MIT) and
coordtransform (github.com/wandergis/coordtransform); the inverse here iterates the forward
transform to a fixed point (below a millimetre) instead of the one-step approximation those
libraries offer by default. Its tests pin the pairs those projects publish.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from api.errors import ErrorCode, ValidationFailed
from api.i18n import _


class Datum(StrEnum):
    """The geodetic datum of coordinates a client sends or asks for."""

    WGS84 = "WGS84"
    GCJ02 = "GCJ02"


_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses it
_EE = 0.00669342162296594323  # its first eccentricity squared

# The formula applies inside this box and leaves points outside it alone (as the providers do).
CHINA_MIN_LNG, CHINA_MAX_LNG = 72.004, 137.8347
CHINA_MIN_LAT, CHINA_MAX_LAT = 0.8293, 55.8271


def in_china(lat: float, lng: float) -> bool:
    """Inside the box where GCJ-02 differs from WGS-84 (and where every region of ours lies)."""
    return CHINA_MIN_LNG <= lng <= CHINA_MAX_LNG and CHINA_MIN_LAT <= lat <= CHINA_MAX_LAT


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return ret


def _offset_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return ret


def _delta(lat: float, lng: float) -> tuple[float, float]:
    dlat = _offset_lat(lng - 105.0, lat - 35.0)
    dlng = _offset_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """A WGS-84 point as a Chinese map draws it."""
    if not in_china(lat, lng):
        return lat, lng
    dlat, dlng = _delta(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The WGS-84 point a Chinese map's GCJ-02 point stands for (iterated to < 1e-9 degrees)."""
    if not in_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _unused in range(30):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        wlat, wlng = wlat - dlat, wlng - dlng
        if abs(dlat) < 1e-9 and abs(dlng) < 1e-9:
            break
    return wlat, wlng


def to_wgs84(lat: float, lng: float, datum: Datum) -> tuple[float, float]:
    return gcj02_to_wgs84(lat, lng) if datum is Datum.GCJ02 else (lat, lng)


def from_wgs84(lat: float, lng: float, datum: Datum) -> tuple[float, float]:
    return wgs84_to_gcj02(lat, lng) if datum is Datum.GCJ02 else (lat, lng)


def parse_datum(value: str | None, *, field: str = "datum") -> Datum:
    """A datum named in text (imports, GeoJSON `crs`); unknown names are refused, not guessed."""
    if value is None or value == "":
        return Datum.WGS84
    normalised = value.strip().upper().replace("-", "").replace("_", "")
    aliases = {"WGS84": Datum.WGS84, "EPSG4326": Datum.WGS84, "GCJ02": Datum.GCJ02}
    if normalised not in aliases:
        raise ValidationFailed(
            _("unknown datum {value!r}: WGS84 or GCJ02", value=value[:20]),
            field=field,
            code=ErrorCode.INVALID,
        )
    return aliases[normalised]


def check_point(lat: float, lng: float, *, field: str) -> None:
    """A point of ours: finite, in range, and in China (a swapped latitude/longitude lands
    outside it, so it is flagged instead of stored somewhere in the Indian Ocean)."""
    if not (math.isfinite(lat) and math.isfinite(lng)):
        raise ValidationFailed(_("coordinates must be numbers"), field=field)
    if not in_china(lat, lng) and in_china(lng, lat):
        raise ValidationFailed(
            _(
                "point {lat:.6f}, {lng:.6f} lies outside China (latitude and longitude swapped?)",
                lat=lat,
                lng=lng,
            ),
            field=field,
            code=ErrorCode.OUTSIDE_AREA,
        )
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(
            _("latitude must be within ±90 and longitude within ±180"), field=field
        )
    if not in_china(lat, lng):
        raise ValidationFailed(
            _("point {lat:.6f}, {lng:.6f} lies outside China", lat=lat, lng=lng),
            field=field,
            code=ErrorCode.OUTSIDE_AREA,
        )


def point_to_wgs84(lat: float, lng: float, datum: Datum, *, field: str) -> tuple[float, float]:
    """A client's point, checked and in WGS-84."""
    check_point(lat, lng, field=field)
    return to_wgs84(lat, lng, datum)


def _map_rings(coordinates: Any, convert: Any) -> Any:
    if (
        isinstance(coordinates, Sequence)
        and len(coordinates) >= 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
    ):
        lng, lat = float(coordinates[0]), float(coordinates[1])
        lat, lng = convert(lat, lng)
        return [lng, lat]
    if isinstance(coordinates, Sequence) and not isinstance(coordinates, str):
        return [_map_rings(part, convert) for part in coordinates]
    return coordinates  # malformed: the shape check that follows reports it


def geometry_to_wgs84(geometry: dict[str, Any], datum: Datum) -> dict[str, Any]:
    """A GeoJSON geometry in WGS-84 (a `crs` member, if any, names the datum instead)."""
    crs = geometry.get("crs")
    if crs is not None:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        datum = parse_datum(name if isinstance(name, str) else str(crs), field="boundary.crs")
    converted = {key: value for key, value in geometry.items() if key != "crs"}
    if datum is not Datum.WGS84 and "coordinates" in geometry:
        converted["coordinates"] = _map_rings(
            geometry["coordinates"], lambda lat, lng: to_wgs84(lat, lng, datum)
        )
    return converted


def geometry_from_wgs84(geometry: dict[str, Any] | None, datum: Datum) -> dict[str, Any] | None:
    """A stored WGS-84 geometry as the client's map draws it."""
    if geometry is None or datum is Datum.WGS84:
        return geometry
    return {
        **geometry,
        "coordinates": _map_rings(
            geometry.get("coordinates"), lambda lat, lng: from_wgs84(lat, lng, datum)
        ),
    }


# ---------------------------------------------------------------- areas of a map query

EARTH_RADIUS_M = 6_371_008.8
MAX_BOX_DEGREES = 3.0  # ~330 km north-south: a city (with its counties) fits, a province doesn't
MAX_RADIUS_M = 50_000.0


@dataclass(frozen=True, slots=True)
class Box:
    """A WGS-84 bounding box (south-west and north-east corners)."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


@dataclass(frozen=True, slots=True)
class Near:
    """A circle: `radius` metres around a WGS-84 point."""

    lat: float
    lng: float
    radius: float

    def box(self) -> Box:
        """The box that holds the circle (an index narrows to it, the distance decides)."""
        dlat = math.degrees(self.radius / EARTH_RADIUS_M)
        dlng = dlat / max(math.cos(math.radians(self.lat)), 1e-6)
        return Box(self.lat - dlat, self.lng - dlng, self.lat + dlat, self.lng + dlng)


Area = Box | Near


def make_box(
    south: float, west: float, north: float, east: float, datum: Datum, *, field: str
) -> Box:
    """A client's box, checked (corners in China, in order, no larger than a city), in WGS-84."""
    south, west = point_to_wgs84(south, west, datum, field=field)
    north, east = point_to_wgs84(north, east, datum, field=field)
    if south >= north or west >= east:
        raise ValidationFailed(
            _("the box's south-west corner must lie south and west of its north-east corner"),
            field=field,
        )
    if north - south > MAX_BOX_DEGREES or east - west > MAX_BOX_DEGREES:
        raise ValidationFailed(
            _(
                "the box spans more than {MAX_BOX_DEGREES} degrees: larger than a city; zoom in",
                MAX_BOX_DEGREES=MAX_BOX_DEGREES,
            ),
            field=field,
        )
    return Box(south, west, north, east)


def make_near(lat: float, lng: float, radius: float, datum: Datum, *, field: str) -> Near:
    """A client's circle, checked (centre in China, 1 m ≤ radius ≤ 50 km), in WGS-84."""
    lat, lng = point_to_wgs84(lat, lng, datum, field=field)
    if not (math.isfinite(radius) and 1 <= radius <= MAX_RADIUS_M):
        raise ValidationFailed(
            _("radius must be between 1 and {MAX_RADIUS_M:.0f} metres", MAX_RADIUS_M=MAX_RADIUS_M),
            field=field,
        )
    return Near(lat, lng, radius)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine; the SQL below computes the same)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# PostGIS: where the server has it, the events table carries a generated geometry column with a
# GiST index (migration 0029_maps) and area conditions use it; otherwise plain comparisons on lat/lng
# and the haversine distance. Both select the same rows (tests/maps/test_postgis.py).
_postgis: bool | None = None


async def detect_postgis(connection: Any) -> bool:
    """Whether the events table has its PostGIS geometry column (asked once per process)."""
    global _postgis
    if _postgis is None:
        rows = await connection.execute_query_dict(
            "SELECT 1 FROM pg_attribute WHERE attrelid = 'events'::regclass"
            " AND attname = 'geom' AND NOT attisdropped"
        )
        _postgis = bool(rows)
    return _postgis


def use_postgis(enabled: bool | None) -> None:
    """Force the path (tests run both), or None to detect again."""
    global _postgis
    _postgis = enabled


def postgis() -> bool:
    return bool(_postgis)


def sql_number(value: float) -> str:
    """A checked coordinate written into the statement: with parameters, PostgreSQL's generic
    plan guesses a box's share of the rows blind (it picked a latitude index and sorted 140k
    rows for a page a city index gives in 0.4 ms); literals get a plan for the box itself."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("coordinates are finite")
    return f"{number!r}::float8"


def area_condition(
    area: Area,
    bind: Any,
    *,
    lat: str = '"lat"',
    lng: str = '"lng"',
    geometry: str | None = None,
) -> str:
    """The SQL condition of rows whose point lies in the area (`bind` as api.query.Parameters).
    The box test uses plain comparisons an index serves; a circle adds the haversine distance.
    With `geometry` (a PostGIS column) and PostGIS detected, the GiST index answers instead."""
    if geometry is not None and postgis():
        return _postgis_condition(area, bind, geometry)
    box = area.box() if isinstance(area, Near) else area
    condition = (
        f"{lat} BETWEEN {sql_number(box.south)} AND {sql_number(box.north)}"
        f" AND {lng} BETWEEN {sql_number(box.west)} AND {sql_number(box.east)}"
    )
    if isinstance(area, Near):
        condition += (
            f" AND {distance_sql(area, bind, lat=lat, lng=lng)} <= {sql_number(area.radius)}"
        )
    return condition


def _postgis_condition(area: Area, bind: Any, geometry: str) -> str:
    box = area.box() if isinstance(area, Near) else area
    envelope = (
        f"ST_MakeEnvelope({sql_number(box.west)},{sql_number(box.south)},"
        f"{sql_number(box.east)},{sql_number(box.north)},4326)"
    )
    if isinstance(area, Box):
        # && finds the candidates by the GiST index (its boxes are rounded outward to float4);
        # the exact comparisons decide, as on the plain path (ST_Covers would too, but its
        # declared cost kept the planner off the newest-first index: 480 ms instead of 0.5).
        return (
            f'"{geometry}" && {envelope}'
            f' AND "lat" BETWEEN {sql_number(box.south)} AND {sql_number(box.north)}'
            f' AND "lng" BETWEEN {sql_number(box.west)} AND {sql_number(box.east)}'
        )
    centre = f"ST_SetSRID(ST_MakePoint({sql_number(area.lng)},{sql_number(area.lat)}),4326)"
    # The envelope lets the GiST index (on the geometry) find candidates; the distance is
    # measured on the sphere (use_spheroid false), as the haversine path measures it.
    return (
        f'"{geometry}" && {envelope} AND ST_DWithin("{geometry}"::geography,'
        f"{centre}::geography,{sql_number(area.radius)},false)"
    )


def distance_sql(point: Near, bind: Any, *, lat: str = '"lat"', lng: str = '"lng"') -> str:
    """The haversine distance in metres of a row's point (SQL column expressions) from the
    circle's centre, in SQL."""
    plat, plng = sql_number(point.lat), sql_number(point.lng)
    return (
        f"(2*{EARTH_RADIUS_M}*asin(least(1.0,sqrt("
        f"power(sin(radians({lat}-{plat})/2),2)"
        f"+cos(radians({plat}))*cos(radians({lat}))"
        f"*power(sin(radians({lng}-{plng})/2),2)))))"
    )


# ---------------------------------------------------------------- map tiles (clusters)

# Every event stores its Web-Mercator tile at this zoom (two generated columns): the tile at a
# coarser zoom z is that tile's x and y shifted right by TILE_ZOOM - z, so clusters at any zoom
# are one GROUP BY over stored integers, and cells coincide with the slippy-map tiles a web map
# draws.
TILE_ZOOM = 20
MAX_LAT_MERCATOR = 85.05112878


def tile_of(lat: float, lng: float, zoom: int = TILE_ZOOM) -> tuple[int, int]:
    """The slippy-map tile (x, y) holding a WGS-84 point."""
    n = 2**zoom
    lat = max(-MAX_LAT_MERCATOR, min(MAX_LAT_MERCATOR, lat))
    x = math.floor((lng + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = math.floor((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds(x: int, y: int, zoom: int) -> Box:
    """A tile's WGS-84 box."""
    n = 2**zoom

    def lat_of(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return Box(lat_of(y + 1), x / n * 360.0 - 180.0, lat_of(y), (x + 1) / n * 360.0 - 180.0)


def centroid(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    listed = list(points)
    if not listed:
        return None
    return sum(p[0] for p in listed) / len(listed), sum(p[1] for p in listed) / len(listed)
