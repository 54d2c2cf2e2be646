"""Compounds (小区): natural key `code`, under a community, with a boundary checked as
`saveCompound` checks it (inside the community's, clear of its other compounds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson
from shapely.geometry import shape

from api.domains.hierarchy.boundaries import violations_of
from api.domains.hierarchy.models import Region
from api.domains.hierarchy.service import check_boundary
from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import (
    Column,
    Invalid,
    Kind,
    Problem,
    Rejecter,
    RowContext,
    Writer,
    Written,
    decimal,
    region_code,
    upsert,
)
from api.domains.imports.kinds.coordinates import datum_column, point_to_wgs84, row_datum
from api.domains.imports.kinds.regions import MAX_BOUNDARY_TEXT, boundary, reject_boundaries
from api.errors import ValidationFailed
from api.i18n import _
from api.regions import Level

MAX_CODE_LENGTH = 40  # as api/domains/hierarchy/compounds.py


def compound_code(raw: str) -> str:
    code = raw.strip()
    if len(code) > MAX_CODE_LENGTH or not all(c.isalnum() or c in "-_." for c in code):
        raise Invalid(
            _("1–{MAX_CODE_LENGTH} letters, digits, - _ .", MAX_CODE_LENGTH=MAX_CODE_LENGTH)
        )
    return code


def community_code(raw: str) -> str:
    code = region_code(raw)
    if Level.of_code(code) is not Level.COMMUNITY:
        raise Invalid(_("must be a community's 12-digit code"), RowErrorCode.INVALID_CODE)
    return code


class Compounds(Kind):
    kind = ImportKind.COMPOUNDS
    table = "compounds"
    key = ("code",)
    scope_column = "community_code"
    region_column = "community_code"
    columns = (
        Column(
            "code",
            ("小区编码", "小区代码", "编码"),
            required=True,
            max_length=MAX_CODE_LENGTH,
            parse=compound_code,
            updatable=False,
        ),
        Column(
            "community_code",
            ("社区编码", "所属社区", "社区代码", "community"),
            required=True,
            max_length=15,  # a grid's code is read, and refused as not a community's
            parse=community_code,
            updatable=False,
        ),
        Column("name", ("小区名称", "名称"), required=True, max_length=100),
        Column(
            "boundary",
            ("边界", "小区边界", "geojson"),
            max_length=MAX_BOUNDARY_TEXT,
            parse=boundary,
            sql_type="jsonb",
        ),
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

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
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
        # A compound stays in its community (as saveCompound keeps it).
        await reject(
            "SELECT s.row_number, 'community_code', 'INVALID', "
            "'compound ' || s.code || ' belongs to community ' || c.community_code, "
            "s.community_code FROM import_staging s JOIN compounds c ON c.code = s.code "
            "WHERE c.community_code <> s.community_code"
        )
        await _check_boundaries(connection, reject)

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        optional = [c for c in ("boundary", "centre_lat", "centre_lng") if c in present]
        insert = [
            ("id", "gen_random_uuid()"),
            ("code", "s.code"),
            ("community_code", "s.community_code"),
            ("name", "s.name"),
            *[(c, f"s.{c}") for c in optional],
            ("is_active", "true"),
            ("created_at", "now()"),
            ("updated_at", "now()"),
        ]
        row = await connection.fetchrow(
            upsert(table="compounds", key=["code"], insert=insert, update=["name", *optional])
        )
        return Written(inserted=row["inserted"], updated=row["updated"])


async def _check_boundaries(connection: asyncpg.Connection, reject: Rejecter) -> None:
    """Each imported boundary inside its community's and clear of the community's other
    compounds', stored or in the file."""
    staged = [
        (row["row_number"], row["code"], row["community_code"], orjson.loads(row["boundary"]))
        for row in await connection.fetch(
            "SELECT row_number, code, community_code, boundary::text AS boundary"
            " FROM import_staging WHERE boundary IS NOT NULL"
        )
    ]
    if not staged:
        return
    communities = sorted({community for _unused, _unused2, community, _unused3 in staged})
    parents = {
        row["code"]: Region(code=row["code"], boundary=orjson.loads(row["boundary"]))
        for row in await connection.fetch(
            "SELECT code, boundary::text AS boundary FROM regions"
            " WHERE code = ANY($1::text[]) AND boundary IS NOT NULL",
            communities,
        )
    }
    shapes: dict[str, tuple[str, Any]] = {
        row["code"]: (row["community_code"], orjson.loads(row["boundary"]))
        for row in await connection.fetch(
            "SELECT code, community_code, boundary::text AS boundary FROM compounds"
            " WHERE is_active AND boundary IS NOT NULL AND community_code = ANY($1::text[])",
            communities,
        )
    }
    shapes.update({code: (community, given) for _unused4, code, community, given in staged})
    refused: list[tuple[int, RowErrorCode, str, str]] = []
    for number, code, community, given in staged:
        siblings = [
            Region(code=other, boundary=other_shape)
            for other, (other_community, other_shape) in shapes.items()
            if other != code and other_community == community
        ]
        found = violations_of(code, shape(given), parents.get(community), siblings)
        if not found:
            continue
        first = found[0]
        if first.kind == "overlaps_sibling":
            error = RowErrorCode.BOUNDARY_OVERLAP
            reason = f"overlaps compound {first.other_code} by {first.area_m2:.0f} m²"
        else:
            error = RowErrorCode.BOUNDARY_OUTSIDE_PARENT
            reason = f"lies {first.area_m2:.0f} m² outside community {first.other_code}"
        refused.append((number, error, reason, code))
    await reject_boundaries(reject, refused)
