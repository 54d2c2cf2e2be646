"""Area statistics of the registry for the map (区域统计): counts per child region and kind,
read from the region-prefix indexes alone (index-only scans, no rows loaded)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from tortoise import connections

from api.auth import Principal
from api.domains.hierarchy.enums import Level
from api.domains.hierarchy.models import Region
from api.domains.registry.privacy import may_read_special_groups
from api.errors import ErrorCode, NotFound, ValidationFailed
from policies.enforcer import authorize

# (table, kind expression): each kind expression reads only columns of the table's
# (region_code varchar_pattern_ops, <kind>, status) index, so the scan never visits the heap.
SOURCES: Final = (
    ("registry_people", "'person:' || person_type"),
    ("registry_households", "'household'"),
    ("registry_houses", "'house'"),
    ("registry_buildings", "'building'"),
    ("registry_organisations", "'organisation:' || kind"),
)
SPECIAL_GROUPS: Final = ("registry_special_groups", "'special_group:' || \"group\"")


@dataclass(frozen=True, slots=True)
class Count:
    region_code: str
    kind: str
    count: int


@dataclass(frozen=True, slots=True)
class Statistics:
    region_code: str
    children: list[Count]
    totals: list[Count]


def statistics_sql(region_code: str, *, with_special_groups: bool) -> str:
    """One statement over every table. The prefix is inlined, not bound: it is digits only
    (checked), and a literal LIKE 'prefix%' lets a generic plan still use the prefix index."""
    level = Level.of_code(region_code)
    if level is None or not region_code.isdigit():
        raise ValueError(region_code)
    child_length = (level.child or level).code_length
    sources = [*SOURCES, SPECIAL_GROUPS] if with_special_groups else list(SOURCES)
    return "\nUNION ALL\n".join(
        f"SELECT left(region_code, {child_length}) AS child, {kind} AS kind, count(*) AS n"
        f" FROM {table} WHERE region_code LIKE '{region_code}%' AND status = 'active'"
        " GROUP BY 1, 2"
        for table, kind in sources
    )


async def registry_statistics(*, actor: Principal, region_code: str) -> Statistics:
    """Counts of people (per type), households, houses, buildings, organisations (and special
    groups, for roles that may see them) per child region of `region_code`."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            "malformed region code", field="regionCode", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "registry", "read", at=region_code)
    if not await Region.exists(code=region_code):
        raise NotFound("region", region_code, field="regionCode")
    sql = statistics_sql(
        region_code, with_special_groups=may_read_special_groups(actor, region_code)
    )
    rows = await connections.get("default").execute_query_dict(sql)
    children = sorted(
        (Count(region_code=row["child"], kind=row["kind"], count=int(row["n"])) for row in rows),
        key=lambda c: (c.region_code, c.kind),
    )
    totals: Counter[str] = Counter()
    for child in children:
        totals[child.kind] += child.count
    return Statistics(
        region_code=region_code,
        children=children,
        totals=[Count(region_code=region_code, kind=k, count=n) for k, n in sorted(totals.items())],
    )
