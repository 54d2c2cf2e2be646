"""Registry analysis (基础数据统计分析, issue 27): breakdowns of a region's registry by an
attribute or a combination of two (age band, sex, person type, special group, house use),
optionally per child region, and the monthly trend of registrations and deregistrations.

One statement each, set-based: the people of the subtree are grouped by the attributes' SQL
expressions (the range of the region-prefix index, as the area statistics read it); age bands
compare birth dates with literal day bounds, so no per-row date arithmetic. The trend reads
registrations from the records' creation times (imports included: an import records its
creations once per job, not per row) and deregistrations from the change history."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from tortoise import connections

from api import clock
from api.auth import Principal
from api.domains.registry.people import years_ago
from api.domains.registry.privacy import may_read_special_groups
from api.errors import ErrorCode, NotAllowed, ValidationFailed
from api.i18n import _
from api.regions import Level, child_length
from api.vocabulary import register

MAX_TREND_MONTHS: Final = 36
# age bands (years): the lower bound of each, the last open-ended
AGE_BANDS: Final = (
    (0, "0-6"),
    (7, "7-17"),
    (18, "18-34"),
    (35, "35-59"),
    (60, "60-79"),
    (80, "80+"),
)


class Attribute(StrEnum):
    """What a breakdown groups by."""

    AGE_BAND = "age_band"
    SEX = "sex"
    PERSON_TYPE = "person_type"
    SPECIAL_GROUP = "special_group"
    HOUSE_USE = "house_use"


register(
    "RegistryAttribute",
    Attribute,
    {
        Attribute.AGE_BAND: ("年龄段", "Age band"),
        Attribute.SEX: ("性别", "Sex"),
        Attribute.PERSON_TYPE: ("人口类型", "Person type"),
        Attribute.SPECIAL_GROUP: ("特殊人群", "Special group"),
        Attribute.HOUSE_USE: ("房屋用途", "House use"),
    },
)


@dataclass(frozen=True, slots=True)
class Cell:
    region_code: str
    values: list[str]
    count: int


@dataclass(frozen=True, slots=True)
class Month:
    month: str  # YYYY-MM
    registered: int
    deregistered: int
    registered_at_end: int


def _age_band_sql(today: dt.date) -> str:
    """A CASE over birth dates: born after the day `upper` years ago is younger than `upper`."""
    branches = []
    for (_unused, label), (upper, _unused2) in itertools.pairwise(AGE_BANDS):
        born_after = years_ago(today, upper)
        branches.append(f"WHEN p.birth_date > DATE '{born_after.isoformat()}' THEN '{label}'")
    return f"CASE {' '.join(branches)} ELSE '{AGE_BANDS[-1][1]}' END"


def _bounds(region_code: str) -> str:
    upper = region_code[:-1] + chr(ord(region_code[-1]) + 1)
    return f"p.region_code ~>=~ '{region_code}' AND p.region_code ~<~ '{upper}'"


def breakdown_sql(
    region_code: str, attributes: list[Attribute], *, per_child: bool, today: dt.date
) -> str:
    """The statement of a breakdown (the region code is digits only: checked by the caller)."""
    expressions = {
        Attribute.AGE_BAND: _age_band_sql(today),
        Attribute.SEX: "coalesce(p.sex, '')",
        Attribute.PERSON_TYPE: "p.person_type",
        Attribute.SPECIAL_GROUP: 'g."group"',
        Attribute.HOUSE_USE: "coalesce(h.use, '')",
    }
    if attributes == [Attribute.HOUSE_USE]:
        # houses by their use
        source = "registry_houses p"
        expressions[Attribute.HOUSE_USE] = "coalesce(p.use, '')"
    else:
        source = "registry_people p"
        if Attribute.SPECIAL_GROUP in attributes:
            source += (
                " JOIN registry_special_groups g ON g.person_id = p.id AND g.status = 'active'"
            )
        if Attribute.HOUSE_USE in attributes:
            source += " LEFT JOIN registry_houses h ON h.id = p.house_id"
    child = child_length(region_code) if per_child else None
    region = f"left(p.region_code, {child})" if child else f"'{region_code}'"
    selected = ", ".join(
        f"{expressions[attribute]} AS a{n}" for n, attribute in enumerate(attributes)
    )
    groups = ", ".join(str(n + 2) for n in range(len(attributes)))
    return (
        f"SELECT {region} AS region, {selected}, count(*) AS n FROM {source}"
        f" WHERE {_bounds(region_code)} AND p.status = 'active' GROUP BY 1, {groups}"
        f" ORDER BY 1, {groups}"
    )


def _checked_region(actor: Principal, region_code: str) -> None:
    if Level.of_code(region_code) is None or not region_code.isdigit():
        raise ValidationFailed(
            _("malformed region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )


async def breakdown(
    *,
    actor: Principal,
    region_code: str,
    attributes: list[Attribute],
    per_child: bool = False,
) -> list[Cell]:
    """Active records of the region counted by one attribute or a combination of two (the
    caller has already been authorised to read the region's statistics)."""
    _checked_region(actor, region_code)
    if not 1 <= len(attributes) <= 2 or len(set(attributes)) != len(attributes):
        raise ValidationFailed(_("break down by one attribute or two different ones"), field="by")
    if Attribute.SPECIAL_GROUP in attributes and not may_read_special_groups(actor, region_code):
        raise NotAllowed(_("special-group membership is not yours to count here"))
    sql = breakdown_sql(region_code, attributes, per_child=per_child, today=clock.now().date())
    rows = await connections.get("default").execute_query_dict(sql)
    return [
        Cell(
            region_code=row["region"],
            values=[str(row[f"a{n}"]) for n in range(len(attributes))],
            count=int(row["n"]),
        )
        for row in rows
    ]


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


async def trend(*, actor: Principal, region_code: str, months: int) -> list[Month]:
    """People registered and deregistered per month over the last `months` months (this one
    included), and how many were registered at each month's end (people now in the region)."""
    _checked_region(actor, region_code)
    if not 1 <= months <= MAX_TREND_MONTHS:
        raise ValidationFailed(
            _("months lie between 1 and {MAX_TREND_MONTHS}", MAX_TREND_MONTHS=MAX_TREND_MONTHS),
            field="months",
        )
    today = clock.now().date()
    first = _month_start(today, months - 1)
    bounds = _bounds(region_code)
    rows = await connections.get("default").execute_query_dict(
        f"""
        WITH created AS (
            SELECT date_trunc('month', p.created_at AT TIME ZONE 'UTC')::date AS m, count(*) AS n
            FROM registry_people p WHERE {bounds} GROUP BY 1
        ), ended AS (
            SELECT date_trunc('month', c.at AT TIME ZONE 'UTC')::date AS m, count(*) AS n
            FROM registry_changes c JOIN registry_people p ON p.id = c.record_id
            WHERE c.record_kind = 'person' AND c.action = 'deregister' AND {bounds}
            GROUP BY 1
        ), months AS (
            SELECT generate_series($1::date, $2::date, interval '1 month')::date AS m
        )
        SELECT to_char(months.m, 'YYYY-MM') AS month,
            coalesce((SELECT n FROM created WHERE created.m = months.m), 0) AS registered,
            coalesce((SELECT n FROM ended WHERE ended.m = months.m), 0) AS deregistered,
            coalesce((SELECT sum(n) FROM created WHERE created.m <= months.m), 0)
              - coalesce((SELECT sum(n) FROM ended WHERE ended.m <= months.m), 0) AS at_end
        FROM months ORDER BY months.m
        """,
        [first, _month_start(today, 0)],
    )
    return [
        Month(
            month=row["month"],
            registered=int(row["registered"]),
            deregistered=int(row["deregistered"]),
            registered_at_end=int(row["at_end"]),
        )
        for row in rows
    ]
