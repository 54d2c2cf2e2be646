"""Coordinates in an import file: a `坐标系` (datum) column per row, WGS-84 by default or GCJ-02
(what AMap and Tencent maps export), converted to WGS-84 before anything is staged."""

from __future__ import annotations

from typing import Any

from api import geo
from api.domains.imports.enums import RowErrorCode
from api.domains.imports.kinds import Column, Invalid, Problem
from api.errors import ValidationFailed
from api.i18n import _


def datum(raw: str) -> str:
    """WGS84 (also EPSG:4326) or GCJ02; anything else is a row problem, never guessed."""
    try:
        return geo.parse_datum(raw).value
    except ValidationFailed:
        raise Invalid(_("WGS84 or GCJ02")) from None


def datum_column() -> Column:
    """The row's datum: only read (each point and outline is stored in WGS-84)."""
    return Column(
        "datum",
        ("坐标系", "坐标系统", "crs", "coordinate_system"),
        max_length=20,
        parse=datum,
        target=None,
    )


def row_datum(values: dict[str, Any]) -> geo.Datum:
    return geo.Datum(values.get("datum") or geo.Datum.WGS84.value)


def point_to_wgs84(values: dict[str, Any], lat: str, lng: str) -> list[Problem]:
    """The row's point in WGS-84 (in place); a point outside China is refused, naming a
    swapped latitude and longitude when that is what it looks like."""
    given_lat, given_lng = values.get(lat), values.get(lng)
    if given_lat is None and given_lng is None:
        return []
    if given_lat is None or given_lng is None:
        missing = lat if given_lat is None else lng
        return [(missing, RowErrorCode.REQUIRED, "latitude and longitude go together", None)]
    try:
        values[lat], values[lng] = geo.point_to_wgs84(
            float(given_lat), float(given_lng), row_datum(values), field=lat
        )
    except ValidationFailed as exc:
        return [(lat, RowErrorCode.INVALID, exc.message, f"{given_lat}, {given_lng}")]
    return []
