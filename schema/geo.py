"""Map inputs shared by every map query: the datum a client speaks and the area it looks at."""

from __future__ import annotations

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
