"""GCJ-02 ⇄ WGS-84 against the pairs eviltransform publishes, map tiles against known tiles,
and the edge's checks of points, boxes and circles."""

from __future__ import annotations

import math

import pytest

from api import geo
from api.errors import ErrorCode, ValidationFailed

# (WGS-84 lat, lng, GCJ-02 lat, lng): eviltransform's test pairs (Shanghai, Shenzhen, Beijing).
PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), PAIRS)
def test_known_pairs_convert_both_ways(wlat: float, wlng: float, glat: float, glng: float) -> None:
    lat, lng = geo.wgs84_to_gcj02(wlat, wlng)
    assert abs(lat - glat) < 1e-9 and abs(lng - glng) < 1e-9
    lat, lng = geo.gcj02_to_wgs84(glat, glng)
    # the inverse is iterated: well under a millimetre (1e-8° ≈ 1 mm)
    assert abs(lat - wlat) < 1e-8 and abs(lng - wlng) < 1e-8


def test_the_offset_is_hundreds_of_metres_in_china_and_none_outside() -> None:
    lat, lng = geo.wgs84_to_gcj02(35.74, 114.30)
    assert 100 < geo.distance_m(35.74, 114.30, lat, lng) < 1000
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)  # London
    assert geo.gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)


def test_geojson_geometries_convert_every_vertex_and_a_crs_names_the_datum() -> None:
    ring = [[114.2, 35.7], [114.3, 35.7], [114.3, 35.8], [114.2, 35.7]]
    converted = geo.geometry_to_wgs84({"type": "Polygon", "coordinates": [ring]}, geo.Datum.GCJ02)
    for (lng, lat), (glng, glat) in zip(converted["coordinates"][0], ring, strict=True):
        assert (lat, lng) == geo.gcj02_to_wgs84(glat, glng)
    named = geo.geometry_to_wgs84(
        {"type": "Polygon", "coordinates": [ring], "crs": {"properties": {"name": "GCJ-02"}}},
        geo.Datum.WGS84,
    )
    assert named == converted
    with pytest.raises(ValidationFailed) as refused:
        geo.parse_datum("BD-09")
    assert refused.value.field == "datum"


def test_tiles_match_the_slippy_map_scheme() -> None:
    assert geo.tile_of(35.74, 114.30, 0) == (0, 0)
    assert geo.tile_of(10.0, 10.0, 1) == (1, 0) and geo.tile_of(-10.0, -10.0, 1) == (0, 1)
    # zoom 10 around Beijing: x = floor((116.3976 + 180) / 360 * 1024), y from the Mercator row
    assert geo.tile_of(39.9055, 116.3976, 10) == (843, 388)
    assert geo.tile_bounds(843, 388, 10).contains(39.9055, 116.3976)
    x, y = geo.tile_of(35.74, 114.30)
    assert geo.tile_of(35.74, 114.30, 12) == (x >> 8, y >> 8)


@pytest.mark.parametrize(
    ("corners", "code"),
    [
        ((35.6, 114.2, 35.5, 114.4), ErrorCode.INVALID),  # north below south
        ((35.0, 114.0, 38.5, 114.4), ErrorCode.INVALID),  # larger than a city
        ((114.2, 35.6, 114.4, 35.8), ErrorCode.OUTSIDE_AREA),  # swapped
        ((95.0, 114.0, 95.1, 114.1), ErrorCode.INVALID),  # out of range
        ((float("nan"), 114.0, 35.8, 114.1), ErrorCode.INVALID),
    ],
)
def test_bad_boxes_are_refused(corners: tuple[float, float, float, float], code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        geo.make_box(*corners, geo.Datum.WGS84, field="area.box")
    assert refused.value.code == code and refused.value.field == "area.box"


def test_circles_hold_their_radius_and_refuse_absurd_ones() -> None:
    near = geo.make_near(35.74, 114.30, 1000, geo.Datum.WGS84, field="area.near")
    box = near.box()
    assert math.isclose(geo.distance_m(35.74, 114.30, box.north, 114.30), 1000, rel_tol=1e-6)
    assert math.isclose(geo.distance_m(35.74, 114.30, 35.74, box.east), 1000, rel_tol=1e-3)
    for radius in (0, -5, 60_000, float("inf")):
        with pytest.raises(ValidationFailed):
            geo.make_near(35.74, 114.30, radius, geo.Datum.WGS84, field="area.near")
