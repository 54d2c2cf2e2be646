"""Grid norms (网格规范): the households a grid should hold by its community's urban/rural type
(原则上社区每200-500户、农村每100-300户, bands as data in `grid_norm_bands`), and households per
staff member (每100户居民配备1名工作人员; the nearest region's `staffing_norms` row, else the
default). Households are the grids' own counts (`regions.households`); staff are the distinct
active users holding a grid or community role in the subtree."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.audit.service import record
from api.domains.hierarchy.enums import UrbanRural
from api.domains.hierarchy.models import Region
from api.domains.stats import reading
from api.domains.stats.models import GridNormBand, StaffingNorm
from api.errors import ErrorCode, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import Level
from policies.enforcer import authorize

DEFAULT_BANDS = {UrbanRural.URBAN: (200, 500), UrbanRural.RURAL: (100, 300)}
DEFAULT_HOUSEHOLDS_PER_STAFF = 100
MAX_HOUSEHOLDS = 100_000
STAFF_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF)


@dataclass(frozen=True, slots=True)
class Band:
    urban_rural: UrbanRural
    min_households: int
    max_households: int


@dataclass(frozen=True, slots=True)
class GridOutsideBand:
    code: str
    name: str
    urban_rural: UrbanRural  # of its community
    households: int
    band: Band

    @property
    def below(self) -> bool:
        return self.households < self.band.min_households


@dataclass(frozen=True, slots=True)
class Staffing:
    region_code: str
    name: str
    households: int
    staff: int
    norm: int  # households per staff member at most
    norm_region_code: str | None  # where the norm was set (None: the default)

    @property
    def households_per_staff(self) -> float | None:
        return round(self.households / self.staff, 1) if self.staff else None

    @property
    def staff_needed(self) -> int:
        return -(-self.households // self.norm)  # ceiling

    @property
    def meets_norm(self) -> bool:
        return self.staff >= self.staff_needed


@dataclass(frozen=True, slots=True)
class GridNorms:
    scope_code: str
    bands: list[Band]
    grids: int
    grids_below: int
    grids_above: int
    staffing: Staffing  # of the scope itself
    children: list[Staffing]  # of each region directly below it


async def ensure_reference_data() -> None:
    """The national bands, where none are set (idempotent)."""
    existing = set(await GridNormBand.all().values_list("urban_rural", flat=True))
    await GridNormBand.bulk_create(
        [
            GridNormBand(urban_rural=kind, min_households=low, max_households=high)
            for kind, (low, high) in DEFAULT_BANDS.items()
            if kind not in existing
        ]
    )


def _check_scope(actor: Principal, scope_code: str) -> None:
    if Level.of_code(scope_code) is None:
        raise ValidationFailed(
            _("scope must be a region code"), field="scope", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "statistics", "read", at=scope_code)


async def bands() -> list[Band]:
    return [
        Band(UrbanRural(row.urban_rural), row.min_households, row.max_households)
        for row in await GridNormBand.all().order_by("urban_rural")
    ]


_OUTSIDE = """
FROM regions g
JOIN regions c ON c.code = left(g.code, 12)
JOIN grid_norm_bands b ON b.urban_rural = c.urban_rural
WHERE g.level = 'grid' AND g.is_active AND g.code LIKE $1
"""


async def _staffing(codes: list[str]) -> list[Staffing]:
    """Households, staff and the norm of each region (one query for all)."""
    if not codes:
        return []
    rows = await reading.rows(
        """
        SELECT r.code, r.name,
          (SELECT coalesce(sum(g.households), 0) FROM regions g
            WHERE g.level = 'grid' AND g.is_active AND g.code LIKE r.code || '%') AS households,
          (SELECT count(DISTINCT a.user_id) FROM role_assignments a
             JOIN users u ON u.id = a.user_id AND u.is_active
            WHERE a.role = ANY($2::text[]) AND a.region_code LIKE r.code || '%') AS staff,
          (SELECT n.region_code || '|' || n.households_per_staff FROM staffing_norms n
            WHERE r.code LIKE n.region_code || '%'
            ORDER BY length(n.region_code) DESC LIMIT 1) AS norm
        FROM regions r WHERE r.code = ANY($1::text[]) ORDER BY r.code
        """,
        [codes, [role.value for role in STAFF_ROLES]],
    )
    found = []
    for row in rows:
        norm_code, _unused, norm = (row["norm"] or "").partition("|")
        found.append(
            Staffing(
                region_code=row["code"],
                name=row["name"],
                households=int(row["households"]),
                staff=int(row["staff"]),
                norm=int(norm) if norm else DEFAULT_HOUSEHOLDS_PER_STAFF,
                norm_region_code=norm_code or None,
            )
        )
    return found


async def band_counts(scope_code: str) -> tuple[int, int, int]:
    """Grids of a scope: all, below their band, above it."""
    counts = (
        await reading.rows(
            "SELECT count(*) AS grids,"
            " count(*) FILTER (WHERE g.households < b.min_households) AS below,"
            " count(*) FILTER (WHERE g.households > b.max_households) AS above" + _OUTSIDE,
            [f"{scope_code}%"],
        )
    )[0]
    return int(counts["grids"]), int(counts["below"]), int(counts["above"])


async def summary(scope_code: str) -> GridNorms:
    """The norms of a scope (the caller's right to read it already checked)."""
    grids, below, above = await band_counts(scope_code)
    children: list[str] = [
        str(code)
        for code in await Region.filter(parent_code=scope_code, is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
    ]
    staffing = await _staffing([scope_code, *children])
    if not staffing or staffing[0].region_code != scope_code:
        raise NotFound("region", scope_code, field="scope")
    return GridNorms(
        scope_code=scope_code,
        bands=await bands(),
        grids=grids,
        grids_below=below,
        grids_above=above,
        staffing=staffing[0],
        children=staffing[1:],
    )


async def grid_norms(*, actor: Principal, scope_code: str) -> GridNorms:
    """Grids outside their band and staff per household, for a scope and each region below."""
    _check_scope(actor, scope_code)
    return await summary(scope_code)


async def grids_outside_band(
    *, actor: Principal, scope_code: str, page: PageRequest
) -> Page[GridOutsideBand]:
    """The grids of a scope whose households fall outside their type's band, by code."""
    _check_scope(actor, scope_code)
    rows = await reading.rows(
        "SELECT g.code, g.name, g.households, c.urban_rural,"
        " b.min_households, b.max_households"
        + _OUTSIDE
        + " AND (g.households < b.min_households OR g.households > b.max_households)"
        " AND g.code > $2 ORDER BY g.code LIMIT $3",
        [f"{scope_code}%", page.after or "", page.first + 1],
    )
    found = [
        GridOutsideBand(
            code=row["code"],
            name=row["name"],
            urban_rural=UrbanRural(row["urban_rural"]),
            households=int(row["households"]),
            band=Band(
                UrbanRural(row["urban_rural"]),
                int(row["min_households"]),
                int(row["max_households"]),
            ),
        )
        for row in rows
    ]
    return make_page(found, page, lambda grid: grid.code)


async def set_staffing_norm(
    *, actor: Principal, region_code: str, households_per_staff: int | None
) -> Staffing:
    """Set (or, with None, clear) the households per staff member of a region's subtree."""
    if Level.of_code(region_code) is None:
        raise NotFound("region", region_code, field="regionCode")
    authorize(actor.assignments, "grid_norm", "set", at=region_code)
    if households_per_staff is not None and not 1 <= households_per_staff <= MAX_HOUSEHOLDS:
        raise ValidationFailed(
            _(
                "households per staff member must be 1–{MAX_HOUSEHOLDS}",
                MAX_HOUSEHOLDS=MAX_HOUSEHOLDS,
            ),
            field="householdsPerStaff",
        )
    async with in_transaction():
        before = await StaffingNorm.get_or_none(region_code=region_code)
        if households_per_staff is None:
            await StaffingNorm.filter(region_code=region_code).delete()
        elif before is None:
            await StaffingNorm.create(
                region_code=region_code, households_per_staff=households_per_staff
            )
        else:
            before_value = before.households_per_staff
            before.households_per_staff = households_per_staff
            await before.save(update_fields=["households_per_staff", "updated_at"])
            before = StaffingNorm(households_per_staff=before_value)
        await record(
            actor=actor,
            action="grid_norm.staffing",
            object_type="region",
            object_id=region_code,
            region_code=region_code,
            detail={
                "before": before.households_per_staff if before else None,
                "after": households_per_staff,
            },
        )
    staffing = await _staffing([region_code])
    if not staffing:
        raise NotFound("region", region_code, field="regionCode")
    return staffing[0]


async def set_band(
    *, actor: Principal, urban_rural: UrbanRural, min_households: int, max_households: int
) -> Band:
    """Set the household band of grids of one type, city-wide (an administrator of the city)."""
    cities = [
        a.region_code for a in actor.assignments if Level.of_code(a.region_code) is Level.CITY
    ]
    if not cities:
        raise PermissionDenied(_("a band holds city-wide: it is set by the city"))
    authorize(actor.assignments, "grid_norm", "set", at=cities[0])
    if not 0 <= min_households <= max_households <= MAX_HOUSEHOLDS:
        raise ValidationFailed(
            _(
                "a band runs from 0 up to at most {MAX_HOUSEHOLDS}, its minimum below its maximum",
                MAX_HOUSEHOLDS=MAX_HOUSEHOLDS,
            ),
            field="minHouseholds",
        )
    async with in_transaction():
        row = await GridNormBand.get_or_none(urban_rural=urban_rural)
        before = (row.min_households, row.max_households) if row else None
        await GridNormBand.update_or_create(
            defaults={"min_households": min_households, "max_households": max_households},
            urban_rural=urban_rural,
        )
        await record(
            actor=actor,
            action="grid_norm.band",
            object_type="grid_norm_band",
            object_id=urban_rural.value,
            region_code=cities[0],
            detail={"before": before, "after": [min_households, max_households]},
        )
    return Band(urban_rural, min_households, max_households)
