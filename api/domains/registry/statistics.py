"""Area statistics of the registry for the map (区域统计): counts per child region and kind,
read from the region-prefix indexes alone (index-only scans, no rows loaded)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from tortoise import connections

from api.auth import Principal
from api.domains.hierarchy.models import Region
from api.domains.registry.privacy import may_read_enrolments, may_read_special_groups
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.regions import Level, child_length
from policies.enforcer import authorize

# (table, kind expression, its grouping columns): the kind reads only columns of the table's
# (region_code varchar_pattern_ops, <kind>, status) index, so the scan never visits the heap.
SOURCES: Final = (
    ("registry_people", "'person:' || person_type", ", person_type"),
    ("registry_households", "'household'", ""),
    ("registry_houses", "'house'", ""),
    ("registry_buildings", "'building'", ""),
    ("registry_organisations", "'organisation:' || kind", ", kind"),
)
SPECIAL_GROUPS: Final = (
    "registry_special_groups",
    "'special_group:' || \"group\"",
    ', "group"',
)

ENROLMENTS: Final = (
    "registry_enrolments",
    "'enrolment:' || programme",
    ", programme",
)


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


def statistics_sql(
    region_code: str, *, with_special_groups: bool, with_enrolments: bool = False
) -> str:
    """One statement over every table. Each table is counted per grid and kind first: that
    grouping follows the index order, so it streams off an index-only range scan; only the few
    thousand per-grid counts are then summed per child region. The range is inlined, not bound:
    the code is digits only (checked), and literal bounds with the pattern operators
    (`~>=~`, `~<~`) keep the varchar_pattern_ops index usable in any plan."""
    level = Level.of_code(region_code)
    if level is None or not region_code.isdigit():
        raise ValueError(region_code)
    below = child_length(region_code) or len(region_code)
    upper = region_code[:-1] + chr(ord(region_code[-1]) + 1)
    sources = list(SOURCES)
    if with_special_groups:
        sources.append(SPECIAL_GROUPS)
    if with_enrolments:
        sources.append(ENROLMENTS)
    per_grid = "\n    UNION ALL\n".join(
        f"SELECT region_code, {kind} AS kind, count(*) AS n FROM {table}"
        f" WHERE region_code ~>=~ '{region_code}' AND region_code ~<~ '{upper}'"
        f" AND status = 'active' GROUP BY region_code{group_by}"
        for table, kind, group_by in sources
    )
    return (
        f"SELECT left(region_code, {below}) AS child, kind, sum(n)::bigint AS n"
        f" FROM (\n    {per_grid}\n) AS per_grid GROUP BY 1, 2"
    )


async def registry_statistics(
    *, actor: Principal, region_code: str, counts: bool = True
) -> Statistics:
    """Counts of people (per type), households, houses, buildings, organisations (and special
    groups and programme enrolments, for roles that may see them) per child region of
    `region_code` (`counts=False`: only the checks, for a caller who wants other figures)."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("malformed region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "registry", "read", at=region_code)
    if not await Region.exists(code=region_code):
        raise NotFound("region", region_code, field="regionCode")
    if not counts:
        return Statistics(region_code=region_code, children=[], totals=[])
    sql = statistics_sql(
        region_code,
        with_special_groups=may_read_special_groups(actor, region_code),
        with_enrolments=may_read_enrolments(actor, region_code),
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
