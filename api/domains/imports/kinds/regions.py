"""Regions and grids (区划与网格): natural key `code`, which is also the path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from api.domains.hierarchy.enums import UrbanRural
from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import (
    Column,
    Derived,
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
from api.domains.imports.kinds.coordinates import datum_column, point_to_wgs84
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
        return point_to_wgs84(values, "centre_lat", "centre_lng")

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        # A parent must exist already or come in the same file; repeat so that a child of a
        # rejected row is rejected too (five levels at most).
        for _ in range(5):
            found = await reject(
                "SELECT s.row_number, 'code', 'UNKNOWN_PARENT', "
                "'no region ' || s.derived_parent || ' above it (in the database or this file)', "
                "s.code FROM import_staging s WHERE s.derived_parent IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = s.derived_parent) "
                "AND NOT EXISTS (SELECT 1 FROM import_staging p WHERE p.code = s.derived_parent)"
            )
            if not found:
                break

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        defaults = {
            "urban_rural": f"COALESCE(s.urban_rural, '{UrbanRural.URBAN.value}')",
            "households": "COALESCE(s.households, 0)",
        }
        optional = ["urban_rural", "households", "leader_name", "leader_phone"]
        optional += ["centre_lat", "centre_lng"]
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
