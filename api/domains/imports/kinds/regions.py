"""Regions and grids (区划与网格): natural key `code`, which is also the path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson
from shapely.geometry import shape

from api.domains.hierarchy.boundaries import Violation, square_metres, tolerance, violations_of
from api.domains.hierarchy.enums import UrbanRural
from api.domains.hierarchy.models import Region
from api.domains.hierarchy.service import check_boundary
from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import (
    Column,
    Derived,
    Invalid,
    Kind,
    Problem,
    Rejecter,
    RowContext,
    Writer,
    Written,
    choice,
    decimal,
    integer,
    phone,
    region_code,
    upsert,
)
from api.domains.imports.kinds.coordinates import datum_column, point_to_wgs84, row_datum
from api.errors import ValidationFailed
from api.i18n import _
from api.regions import Level, parent_of

URBAN_RURAL = {
    "urban": UrbanRural.URBAN.value,
    "城镇": UrbanRural.URBAN.value,
    "城市": UrbanRural.URBAN.value,
    "社区": UrbanRural.URBAN.value,
    "rural": UrbanRural.RURAL.value,
    "农村": UrbanRural.RURAL.value,
    "乡村": UrbanRural.RURAL.value,
    "村": UrbanRural.RURAL.value,
}


MAX_BOUNDARY_TEXT = 1_000_000  # characters of GeoJSON: 20,000 points (the mutation's limit)


def boundary(raw: str) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon, checked like a mutation's when the row is finished."""
    try:
        given = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Invalid(_("a GeoJSON Polygon or MultiPolygon")) from None
    if not isinstance(given, dict):
        raise Invalid(_("a GeoJSON Polygon or MultiPolygon"))
    return given


async def reject_boundaries(
    reject: Rejecter, refused: Sequence[tuple[int, RowErrorCode, str, str]]
) -> None:
    """Refuse the rows whose boundary breaks nesting or overlap, in one statement: each as
    (row number, error, reason, the row's code)."""
    if refused:
        await reject(
            "SELECT n, 'boundary', c, r, v FROM unnest($1::int[], $2::text[], $3::text[],"
            " $4::text[]) AS p(n, c, r, v)",
            [number for number, _e, _r, _v in refused],
            [error.value for _n, error, _r, _v in refused],
            [reason for _n, _e, reason, _v in refused],
            [code for _n, _e, _r, code in refused],
        )


async def _check_boundaries(connection: asyncpg.Connection, reject: Rejecter) -> None:
    """Each imported boundary within its parent's and clear of its siblings', as a mutation's
    (api/domains/hierarchy/boundaries.py), against the stored regions and the file's own rows;
    and a parent's new boundary may not leave a child outside."""
    staged = {
        row["code"]: (row["row_number"], orjson.loads(row["boundary"]))
        for row in await connection.fetch(
            "SELECT row_number, code, boundary::text AS boundary FROM import_staging"
            " WHERE boundary IS NOT NULL"
        )
    }
    if not staged:
        return
    parents = sorted({parent_of(code) or "" for code in staged} - {""})
    shapes = {
        row["code"]: orjson.loads(row["boundary"])
        for row in await connection.fetch(
            "SELECT code, boundary::text AS boundary FROM regions WHERE is_active"
            " AND boundary IS NOT NULL"
            " AND (code = ANY($1::text[]) OR parent_code = ANY($1::text[])"
            " OR parent_code = ANY($2::text[]))",
            parents,
            list(staged),
        )
    }
    shapes.update({code: shape_ for code, (_unused, shape_) in staged.items()})
    regions = {code: Region(code=code, boundary=shape_) for code, shape_ in shapes.items()}
    refused: list[tuple[int, RowErrorCode, str, str]] = []
    for code, (number, given) in staged.items():
        geometry = shape(given)
        parent = regions.get(parent_of(code) or "")
        siblings = [r for c, r in regions.items() if c != code and parent_of(c) == parent_of(code)]
        found = violations_of(code, geometry, parent, siblings)
        for child_code, child in regions.items():
            if parent_of(child_code) == code:
                child_shape = shape(child.boundary)
                outside = square_metres(child_shape.difference(geometry))
                if outside > tolerance(child_shape):
                    found.append(Violation(child_code, "outside_parent", code, round(outside, 1)))
        if not found:
            continue
        first = found[0]
        if first.kind == "overlaps_sibling":
            error, reason = (
                RowErrorCode.BOUNDARY_OVERLAP,
                f"overlaps {first.other_code} by {first.area_m2:.0f} m²",
            )
        elif first.region_code == code:
            error, reason = (
                RowErrorCode.BOUNDARY_OUTSIDE_PARENT,
                f"lies {first.area_m2:.0f} m² outside its parent {first.other_code}",
            )
        else:
            error, reason = (
                RowErrorCode.BOUNDARY_OUTSIDE_PARENT,
                f"would leave {first.region_code} {first.area_m2:.0f} m² outside it",
            )
        refused.append((number, error, reason, code))
    await reject_boundaries(reject, refused)


class Regions(Kind):
    kind = ImportKind.REGIONS
    table = "regions"
    key = ("code",)
    scope_column = "code"
    region_column = None  # the rows are regions; their parents are checked instead
    columns = (
        Column(
            "code",
            ("region_code", "区划代码", "行政区划代码", "网格编码", "网格代码", "编码", "代码"),
            required=True,
            max_length=15,
            parse=region_code,
            updatable=False,
        ),
        Column("name", ("名称", "区划名称", "网格名称"), required=True, max_length=100),
        Column(
            "parent_code",
            ("上级代码", "上级区划代码", "上级编码"),
            max_length=15,
            parse=region_code,
            updatable=False,
        ),
        Column(
            "urban_rural",
            ("城乡分类", "城乡"),
            parse=choice(URBAN_RURAL, "urban, rural, 城镇, 农村"),
        ),
        Column("households", ("户数", "住户数"), parse=integer(0, 100_000), sql_type="integer"),
        Column("leader_name", ("负责人", "网格长", "负责人姓名"), max_length=50),
        Column("leader_phone", ("负责人电话", "联系电话", "电话"), max_length=20, parse=phone),
        Column(
            "centre_lat",
            ("lat", "latitude", "纬度", "中心纬度"),
            parse=decimal(-90, 90),
            sql_type="double precision",
        ),
        Column(
            "centre_lng",
            ("lng", "longitude", "经度", "中心经度"),
            parse=decimal(-180, 180),
            sql_type="double precision",
        ),
        Column(
            "boundary",
            ("边界", "区划边界", "网格边界", "geojson"),
            max_length=MAX_BOUNDARY_TEXT,
            parse=boundary,
            sql_type="jsonb",
        ),
        datum_column(),
    )
    derived = (Derived("level"), Derived("derived_parent"))

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        code: str = values["code"]
        parent = parent_of(code)
        given = values["parent_code"]
        if given is not None and given != parent:
            return [
                (
                    "parent_code",
                    RowErrorCode.INVALID_CODE,
                    f"the parent of {code} is {parent or 'none (a city)'}: a code is its path",
                    given,
                )
            ]
        values["level"] = Level.of_code(code)
        values["derived_parent"] = parent
        problems = point_to_wgs84(values, "centre_lat", "centre_lng")
        given = values.get("boundary")
        if isinstance(given, dict):
            try:
                checked = check_boundary(given, row_datum(values))
            except ValidationFailed as exc:
                return [*problems, ("boundary", RowErrorCode.INVALID, exc.message, None)]
            values["boundary"] = orjson.dumps(checked).decode()
        return problems

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        # A parent must exist already or come in the same file; repeat so that a child of a
        # rejected row is rejected too (five levels at most).
        for _unused in range(5):
            found = await reject(
                "SELECT s.row_number, 'code', 'UNKNOWN_PARENT', "
                "'no region ' || s.derived_parent || ' above it (in the database or this file)', "
                "s.code FROM import_staging s WHERE s.derived_parent IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = s.derived_parent) "
                "AND NOT EXISTS (SELECT 1 FROM import_staging p WHERE p.code = s.derived_parent)"
            )
            if not found:
                break
        await _check_boundaries(connection, reject)

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        defaults = {
            "urban_rural": f"COALESCE(s.urban_rural, '{UrbanRural.URBAN.value}')",
            "households": "COALESCE(s.households, 0)",
        }
        optional = ["urban_rural", "households", "leader_name", "leader_phone"]
        optional += ["centre_lat", "centre_lng", "boundary"]
        insert = [
            ("code", "s.code"),
            ("parent_code", "s.derived_parent"),
            ("name", "s.name"),
            ("level", "s.level"),
            *[(c, defaults.get(c, f"s.{c}")) for c in optional],
            ("external_codes", "'{}'::jsonb"),
            ("is_active", "true"),
            ("created_at", "now()"),
            ("updated_at", "now()"),
        ]
        update = ["name", *[c for c in optional if c in present]]
        row = await connection.fetchrow(
            upsert(table="regions", key=["code"], insert=insert, update=update)
        )
        return Written(inserted=row["inserted"], updated=row["updated"])
