"""Buildings (楼栋), houses (房屋) and households (户): each by its own code, in a grid. Import
buildings before the houses in them, and houses before the households living there."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import asyncpg
import orjson
from shapely.errors import GEOSException
from shapely.geometry import shape

from api import geo
from api.domains.imports.enums import ImportKind
from api.domains.imports.kinds import (
    Column,
    Derived,
    Invalid,
    Problem,
    Reference,
    Rejecter,
    RowContext,
    choice,
    decimal,
    grid_code,
    integer,
)
from api.domains.imports.kinds.coordinates import datum_column, point_to_wgs84, row_datum
from api.domains.imports.kinds.identity import id_number
from api.domains.imports.kinds.records import RegistryRecords, code, phone, yes_no
from api.domains.registry.enums import HouseholdType, RecordKind
from api.errors import ValidationFailed
from api.i18n import _


def area(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise Invalid(_("a number of square metres")) from None
    if not value.is_finite() or not 0 < value < 10_000_000:
        raise Invalid(_("between 0 and 10,000,000 m²"))
    return value.quantize(Decimal("0.01"))


MAX_FOOTPRINT_POINTS = 2_000


def footprint(raw: str) -> dict[str, Any]:
    """A building's footprint: a GeoJSON Polygon, valid and in China, kept as given (in the
    row's datum, or the one its `crs` names) until the row is finished."""
    try:
        given = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Invalid(_("a GeoJSON Polygon")) from None
    if not isinstance(given, dict) or given.get("type") != "Polygon":
        raise Invalid(_("a GeoJSON Polygon"))
    try:
        polygon = geo.geometry_to_wgs84(given, geo.Datum.WGS84)
        geometry = shape(polygon)
    except ValidationFailed as exc:
        raise Invalid(exc.message) from None
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise Invalid(_("a GeoJSON Polygon")) from None
    if geometry.is_empty or not geometry.is_valid:
        raise Invalid(_("a polygon that does not cross itself"))
    if len(geometry.exterior.coords) > MAX_FOOTPRINT_POINTS:
        raise Invalid(
            _("at most {MAX_FOOTPRINT_POINTS} points", MAX_FOOTPRINT_POINTS=MAX_FOOTPRINT_POINTS)
        )
    minx, miny, maxx, maxy = geometry.bounds
    if not (geo.in_china(miny, minx) and geo.in_china(maxy, maxx)):
        raise Invalid(_("longitude/latitude in China (are they swapped?)"))
    return given


def _grid() -> Column:
    return Column(
        "region_code",
        ("网格编码", "所属网格", "网格代码", "网格", "grid", "grid_code"),
        required=True,
        max_length=15,
        parse=grid_code,
    )


class Buildings(RegistryRecords):
    code_columns: ClassVar[dict[str, str]] = {"use": "5.17"}
    record_kind = RecordKind.BUILDING.value
    kind = ImportKind.BUILDINGS
    table = "registry_buildings"
    key = ("building_code",)
    columns = (
        Column(
            "building_code",
            ("楼栋编码", "建筑编码", "楼栋编号"),
            required=True,
            max_length=40,
            updatable=False,
        ),
        _grid(),
        Column("name", ("楼栋名称", "名称", "建筑名称"), required=True, max_length=100),
        Column("address", ("地址", "楼栋地址"), required=True, max_length=200),
        Column("use", ("建筑用途", "用途"), max_length=4, parse=code(2, "GB/T 31000 5.17")),
        Column("floors_above", ("地上层数",), parse=integer(0, 300), sql_type="smallint"),
        Column("floors_below", ("地下层数",), parse=integer(0, 20), sql_type="smallint"),
        Column("lat", ("latitude", "纬度"), parse=decimal(-90, 90), sql_type="double precision"),
        Column("lng", ("longitude", "经度"), parse=decimal(-180, 180), sql_type="double precision"),
        Column(
            "footprint",
            ("轮廓", "楼栋轮廓", "建筑轮廓", "geojson"),
            max_length=60_000,
            parse=footprint,
            sql_type="jsonb",
        ),
        Column("compound_code", ("小区编码", "所属小区", "compound"), max_length=40),
        datum_column(),
    )

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        """The point and the outline in WGS-84 (the row's datum, or the outline's `crs`)."""
        problems = point_to_wgs84(values, "lat", "lng")
        given = values.get("footprint")
        if isinstance(given, dict):
            values["footprint"] = orjson.dumps(
                geo.geometry_to_wgs84(given, row_datum(values))
            ).decode()
        return problems

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        # A compound named must exist, active, in the community of the building's grid.
        await reject(
            "SELECT s.row_number, 'compound_code', 'UNKNOWN_REFERENCE', "
            "'no compound ' || s.compound_code || ' in the community of ' || s.region_code, "
            "s.compound_code FROM import_staging s WHERE s.compound_code IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM compounds c WHERE c.code = s.compound_code "
            "AND c.is_active AND left(s.region_code, 12) = c.community_code)"
        )


class Houses(RegistryRecords):
    code_columns: ClassVar[dict[str, str]] = {"use": "5.17"}
    record_kind = RecordKind.HOUSE.value
    kind = ImportKind.HOUSES
    table = "registry_houses"
    key = ("house_code",)
    insert_defaults: ClassVar[dict[str, str]] = {"is_rental": "false"}
    columns = (
        Column(
            "house_code", ("房屋编码", "房屋编号"), required=True, max_length=40, updatable=False
        ),
        _grid(),
        Column("building_code", ("楼栋编码", "建筑编码"), max_length=40, target=None),
        Column("address", ("地址", "房屋地址"), required=True, max_length=200),
        Column("unit", ("单元",), max_length=10),
        Column("floor", ("楼层",), parse=integer(-20, 300), sql_type="smallint"),
        Column("number", ("门牌号", "房号", "室号"), max_length=20),
        Column("area", ("面积", "建筑面积"), parse=area, sql_type="numeric(9, 2)"),
        Column("use", ("房屋用途", "用途"), max_length=4, parse=code(2, "GB/T 31000 5.17")),
        Column("owner_name", ("产权人", "房主", "产权人姓名"), max_length=50),
        Column(
            "owner_id_number", ("产权人身份证号", "房主身份证号"), max_length=22, parse=id_number
        ),
        Column("owner_phone", ("产权人电话", "房主电话"), max_length=20, parse=phone),
        Column("is_rental", ("是否出租", "出租", "rental"), parse=yes_no, sql_type="boolean"),
        Column("landlord_name", ("出租人", "出租人姓名"), max_length=50),
        Column("landlord_phone", ("出租人电话",), max_length=20, parse=phone),
    )
    derived = (Derived("building_id", "uuid", source="building_code"),)
    references = (
        Reference(
            "building_code", "registry_buildings", "building_code", "building_id", "building"
        ),
    )


HOUSEHOLD_TYPES = {
    "family": HouseholdType.FAMILY.value,
    "家庭户": HouseholdType.FAMILY.value,
    "collective": HouseholdType.COLLECTIVE.value,
    "集体户": HouseholdType.COLLECTIVE.value,
}


class Households(RegistryRecords):
    record_kind = RecordKind.HOUSEHOLD.value
    kind = ImportKind.HOUSEHOLDS
    table = "registry_households"
    key = ("household_number",)
    insert_defaults: ClassVar[dict[str, str]] = {
        "household_type": f"'{HouseholdType.FAMILY.value}'"
    }
    columns = (
        Column(
            "household_number", ("户号", "户编号"), required=True, max_length=40, updatable=False
        ),
        _grid(),
        Column(
            "household_type",
            ("户类型", "户别"),
            parse=choice(HOUSEHOLD_TYPES, "家庭户, 集体户, family, collective"),
        ),
        Column("head_name", ("户主姓名", "户主"), max_length=50),
        Column("address", ("地址", "住址"), max_length=200),
        Column("house_code", ("房屋编码", "房屋编号"), max_length=40, target=None),
    )
    derived = (Derived("house_id", "uuid", source="house_code"),)
    references = (Reference("house_code", "registry_houses", "house_code", "house_id", "house"),)
