"""Map inputs shared by every map query: the datum a client speaks and the area it looks at."""

from __future__ import annotations

import math
from typing import Protocol

import strawberry

from api import geo
from api.errors import ValidationFailed
from api.i18n import _

strawberry.enum(
    geo.Datum,
    name="Datum",
    description="Geodetic datum: WGS84 (GPS, stored) or GCJ02 (AMap/Tencent maps, 火星坐标).",
)


@strawberry.input(description="A bounding box: south-west and north-east corners.")
class BoxInput:
    south: float = strawberry.field(description="Latitude of the south edge.")
    west: float = strawberry.field(description="Longitude of the west edge.")
    north: float = strawberry.field(description="Latitude of the north edge.")
    east: float = strawberry.field(description="Longitude of the east edge.")


@strawberry.input(description="A circle: `radius` metres (1–50,000) around a point.")
class NearInput:
    lat: float = strawberry.field(description="Latitude of the centre.")
    lng: float = strawberry.field(description="Longitude of the centre.")
    radius: float = strawberry.field(description="Metres.")


@strawberry.input(
    description="Where to look: exactly one of a box (at most 3° a side: a city) or a circle, "
    "in the datum named (converted to WGS-84 at the edge)."
)
class MapAreaInput:
    box: BoxInput | None = None
    near: NearInput | None = None
    datum: geo.Datum = geo.Datum.WGS84


def area_of(value: MapAreaInput, *, field: str = "area") -> geo.Area:
    """The area checked and in WGS-84; bad corners, radii or both/neither given are refused."""
    if (value.box is None) == (value.near is None):
        raise ValidationFailed(_("give exactly one of box and near"), field=field)
    if value.box is not None:
        box = value.box
        return geo.make_box(
            box.south, box.west, box.north, box.east, value.datum, field=f"{field}.box"
        )
    assert value.near is not None
    near = value.near
    return geo.make_near(near.lat, near.lng, near.radius, value.datum, field=f"{field}.near")


def convert_to_wgs84(value: object, datum: geo.Datum | None) -> None:
    """Replace an input object's `lat` and `lng` (when both are numbers) by their WGS-84
    values: called from the input's `__post_init__`, so every resolver reads WGS-84 and the
    conversion happens once, at the edge. Points outside China stay as given (GCJ-02 equals
    WGS-84 there), for the domain's own range and area checks to judge."""
    if datum is None or datum is geo.Datum.WGS84:
        return
    lat, lng = getattr(value, "lat", None), getattr(value, "lng", None)
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in (lat, lng)):
        return
    assert isinstance(lat, int | float) and isinstance(lng, int | float)
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return
    value.lat, value.lng = geo.to_wgs84(float(lat), float(lng), datum)  # type: ignore[attr-defined]


def datum_field(
    description: str = "Datum of lat/lng; converted to WGS-84 at the edge.",
) -> geo.Datum:
    """The `datum` field of an input with coordinates (WGS84 unless the client names GCJ02)."""
    return strawberry.field(default=geo.Datum.WGS84, description=description)


class PointGiven(Protocol):
    lat: float
    lng: float
    datum: geo.Datum | None


def point_in(value: PointGiven | None, datum: geo.Datum) -> tuple[float, float] | None:
    """A point of an input whose `datum` covers a boundary too (regions, compounds), as
    (lat, lng) in that datum for the service to convert with the boundary: a point that named
    its own datum is WGS-84 already (its `__post_init__`), and is expressed in the input's."""
    if value is None:
        return None
    if value.datum is None:
        return (value.lat, value.lng)
    return geo.from_wgs84(value.lat, value.lng, datum)
