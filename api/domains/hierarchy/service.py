"""Regions and departments: validation of the code-as-path scheme, scoped reads, admin changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import shape
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import geo, pinyin
from api.auth import Principal
from api.domains.audit.service import record
from api.domains.hierarchy import locate
from api.domains.hierarchy import search as keys
from api.domains.hierarchy.boundaries import check_boundary_fits
from api.domains.hierarchy.enums import UrbanRural
from api.domains.hierarchy.models import Department, Region
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.query import subtree_filter
from api.regions import Level, ancestor_codes, parent_of
from policies.enforcer import authorize, scope_prefixes

MAX_NAME_LENGTH = 100
MAX_SEARCH_LENGTH = 50
MAX_BOUNDARY_POINTS = 20_000
MAX_CATEGORIES = 500


@dataclass(frozen=True, slots=True)
class RegionInput:
    code: str
    name: str
    urban_rural: UrbanRural = UrbanRural.URBAN
    households: int = 0
    leader_name: str | None = None
    leader_phone: str | None = None
    centre: tuple[float, float] | None = None  # (lat, lng) WGS-84
    boundary: dict[str, Any] | None = None
    external_codes: dict[str, str] | None = None
    datum: geo.Datum = geo.Datum.WGS84  # of centre and boundary; stored in WGS-84
    aliases: list[str] | None = None  # 简称, former names


@dataclass(frozen=True, slots=True)
class RegionChanges:
    """Fields of an update; None means unchanged (the code never changes: no moves)."""

    name: str | None = None
    urban_rural: UrbanRural | None = None
    households: int | None = None
    leader_name: str | None = None
    leader_phone: str | None = None
    centre: tuple[float, float] | None = None
    boundary: dict[str, Any] | None = None
    external_codes: dict[str, str] | None = None
    datum: geo.Datum = geo.Datum.WGS84
    aliases: list[str] | None = None


def parse_code(code: str, *, field: str = "code") -> Level:
    level = Level.of_code(code)
    if level is None:
        raise ValidationFailed(
            _(
                "a region code is 4, 6, 9, 12 or 15 digits (city, district, township, community, grid)"
            ),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    return level


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationFailed(
            _("name must have 1 to {MAX_NAME_LENGTH} characters", MAX_NAME_LENGTH=MAX_NAME_LENGTH),
            field="name",
        )
    return cleaned


def check_centre(
    centre: tuple[float, float] | None, datum: geo.Datum
) -> tuple[float, float] | None:
    """The centre checked (in range, in China) and in WGS-84."""
    if centre is None:
        return None
    return geo.point_to_wgs84(centre[0], centre[1], datum, field="centre")


def check_boundary(
    boundary: dict[str, Any] | None, datum: geo.Datum, *, field: str = "boundary"
) -> dict[str, Any] | None:
    """The boundary checked (a valid polygon, in China) and in WGS-84."""
    if boundary is None:
        return None
    if boundary.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationFailed(
            _("{field} must be a GeoJSON Polygon or MultiPolygon", field=field), field=field
        )
    boundary = geo.geometry_to_wgs84(boundary, datum)
    try:
        geometry = shape(boundary)
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ValidationFailed(
            _("{field} is not valid GeoJSON: {exc}", field=field, exc=exc), field=field
        ) from exc
    points = sum(
        len(poly.exterior.coords) + sum(len(ring.coords) for ring in poly.interiors)
        for poly in getattr(geometry, "geoms", [geometry])
    )
    if points > MAX_BOUNDARY_POINTS:
        raise ValidationFailed(
            _(
                "{field} has {points} points; at most {MAX_BOUNDARY_POINTS}",
                field=field,
                points=points,
                MAX_BOUNDARY_POINTS=MAX_BOUNDARY_POINTS,
            ),
            field=field,
        )
    if not geometry.is_valid:
        raise ValidationFailed(
            _("{field} polygon is self-intersecting or empty", field=field), field=field
        )
    minx, miny, maxx, maxy = geometry.bounds
    for lat, lng in ((miny, minx), (maxy, maxx)):
        geo.check_point(lat, lng, field=field)
    return boundary


MAX_ALIASES = 10


def clean_aliases(aliases: list[str] | None) -> list[str] | None:
    """Other names of a region (简称, former names): at most ten, each a valid name."""
    if aliases is None:
        return None
    if len(aliases) > MAX_ALIASES:
        raise ValidationFailed(
            _("at most {MAX_ALIASES} aliases", MAX_ALIASES=MAX_ALIASES), field="aliases"
        )
    return list(dict.fromkeys(clean_name(alias) for alias in aliases))


def _check_households(households: int | None) -> None:
    if households is not None and not 0 <= households <= 10_000_000:
        raise ValidationFailed(_("households must be between 0 and 10,000,000"), field="households")


def _check_external_codes(codes: dict[str, str] | None) -> None:
    if codes is None:
        return
    if len(codes) > 20 or any(len(k) > 32 or len(str(v)) > 64 for k, v in codes.items()):
        raise ValidationFailed(
            _("at most 20 external codes, keys ≤ 32 and values ≤ 64 characters"),
            field="externalCodes",
        )


def readable_regions(actor: Principal) -> Q:
    return subtree_filter(scope_prefixes(actor.assignments, "region", "read"))


async def public_region(code: str, *, field: str = "regionCode") -> str:
    """A region a public board (no sign-in) is asked for: a malformed code is INVALID_CODE and
    an unknown or retired region NOT_FOUND, so that a typo is not mistaken for an empty board."""
    code = code.strip()
    if Level.of_code(code) is None:
        raise ValidationFailed(
            _("{field} must be a region code", field=field),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    if not await Region.exists(code=code, is_active=True):
        raise NotFound("region", code, field=field)
    return code


async def get_region(*, actor: Principal, code: str) -> Region:
    """One region inside the caller's scope."""
    if Level.of_code(code) is None:
        raise NotFound("region", code)
    authorize(actor.assignments, "region", "read", at=code)
    region = await Region.get_or_none(code=code)
    if region is None:
        raise NotFound("region", code)
    return region


async def region_path(*, actor: Principal, code: str) -> list[Region]:
    """The region and its ancestors, city first; ancestors above the caller's scope are named too,
    since a worker's screen shows the full path of where they work."""
    region = await get_region(actor=actor, code=code)
    ancestors = await Region.filter(code__in=ancestor_codes(code)).order_by("code")
    return [*ancestors, region]


async def list_regions(
    *,
    actor: Principal,
    page: PageRequest,
    parent_code: str | None = None,
    level: Level | None = None,
    search: str | None = None,
    include_inactive: bool = False,
) -> tuple[Page[Region], Any]:
    """A page of regions in scope, ordered by code; also returns the filtered queryset (counts)."""
    query = Region.filter(readable_regions(actor))
    if parent_code is not None:
        if Level.of_code(parent_code) is None:
            raise ValidationFailed(
                _("malformed parent code"), field="parentCode", code=ErrorCode.INVALID_CODE
            )
        query = query.filter(parent_code=parent_code)
    if level is not None:
        query = query.filter(level=level)
    if search:
        if len(search) > MAX_SEARCH_LENGTH:
            raise ValidationFailed(
                _(
                    "search is at most {MAX_SEARCH_LENGTH} characters",
                    MAX_SEARCH_LENGTH=MAX_SEARCH_LENGTH,
                ),
                field="search",
            )
        # characters anywhere in the name, a code prefix, or pinyin (full or initials) of the
        # name or an alias (拼音检索); exact characters first, then by code
        query = query.filter(
            Q(name__icontains=search) | Q(code__startswith=search) | keys.matching(search)
        )
    if not include_inactive:
        query = query.filter(is_active=True)
    filtered = query
    if search:
        return await _ranked(query, page, keys.rank(pinyin.to_simplified(search)), "code"), filtered
    if page.after is not None:
        query = query.filter(code__gt=page.after)
    rows = await query.order_by("code").limit(page.first + 1)
    return make_page(rows, page, lambda region: region.code), filtered


async def _ranked(query: Any, page: PageRequest, rank: Any, key: str) -> Page[Any]:
    """A page of a search, exact characters first (`rank|key` cursors)."""
    query = query.annotate(search_rank=rank)
    if page.after is not None:
        rank, _unused, after = page.after.partition("|")
        if rank not in {"0", "1", "2"} or not after:
            raise ValidationFailed(_("malformed cursor"), field="after")
        query = query.filter(Q(search_rank__gt=rank) | Q(search_rank=rank, **{f"{key}__gt": after}))
    rows = await query.order_by("search_rank", key).limit(page.first + 1)
    return make_page(rows, page, lambda row: f"{row.search_rank}|{getattr(row, key)}")


async def create_region(*, actor: Principal, data: RegionInput) -> Region:
    """Add a region under its parent (derived from the code)."""
    level = parse_code(data.code)
    parent_code = parent_of(data.code)
    authorize(actor.assignments, "region", "create", at=data.code)
    name = clean_name(data.name)
    aliases = clean_aliases(data.aliases) or []
    centre = check_centre(data.centre, data.datum)
    boundary = check_boundary(data.boundary, data.datum)
    _check_households(data.households)
    _check_external_codes(data.external_codes)
    async with in_transaction():
        if parent_code is not None:
            parent = await Region.filter(code=parent_code).select_for_update().first()
            if parent is None:
                raise ValidationFailed(
                    _("parent region {parent_code} does not exist", parent_code=parent_code),
                    field="code",
                    code=ErrorCode.PARENT_MISMATCH,
                )
            if not parent.is_active:
                raise ValidationFailed(
                    _("parent region {parent_code} is deactivated", parent_code=parent_code),
                    field="code",
                    code=ErrorCode.INACTIVE,
                )
        if await Region.exists(code=data.code):
            raise Conflict(
                _("region {code} already exists", code=data.code),
                field="code",
                code=ErrorCode.ALREADY_EXISTS,
            )
        if boundary is not None:
            await check_boundary_fits(data.code, boundary)
        region = await Region.create(
            code=data.code,
            parent_code=parent_code,
            name=name,
            level=level,
            urban_rural=data.urban_rural,
            households=data.households,
            leader_name=data.leader_name,
            leader_phone=data.leader_phone,
            centre_lat=centre[0] if centre else None,
            centre_lng=centre[1] if centre else None,
            boundary=boundary,
            external_codes=data.external_codes or {},
            aliases=aliases,
            search_keys=keys.keys_column([name, *aliases]),
        )
        await record(
            actor=actor,
            action="region.create",
            object_type="region",
            object_id=region.code,
            region_code=region.code,
            detail={"name": name},
        )
    if boundary is not None:
        locate.forget()
    return region


async def update_region(*, actor: Principal, code: str, changes: RegionChanges) -> Region:
    """Change a region's attributes; its code and parent stay (moving a subtree is not a thing)."""
    if Level.of_code(code) is None:
        raise NotFound("region", code)
    authorize(actor.assignments, "region", "update", at=code)
    centre = check_centre(changes.centre, changes.datum)
    boundary = check_boundary(changes.boundary, changes.datum)
    _check_households(changes.households)
    _check_external_codes(changes.external_codes)
    values: dict[str, Any] = {}
    if changes.name is not None:
        values["name"] = clean_name(changes.name)
    if changes.aliases is not None:
        values["aliases"] = clean_aliases(changes.aliases)
    for attribute in (
        "urban_rural",
        "households",
        "leader_name",
        "leader_phone",
        "external_codes",
    ):
        value = getattr(changes, attribute)
        if value is not None:
            values[attribute] = value
    if boundary is not None:
        values["boundary"] = boundary
    if centre is not None:
        values["centre_lat"], values["centre_lng"] = centre
    async with in_transaction():
        region = await Region.filter(code=code).select_for_update().first()
        if region is None:
            raise NotFound("region", code)
        if boundary is not None:
            await check_boundary_fits(code, boundary)
        before = {key: getattr(region, key) for key in values}
        region.update_from_dict(values)
        region.search_keys = keys.keys_column(keys.region_names(region))
        await region.save()
        await record(
            actor=actor,
            action="region.update",
            object_type="region",
            object_id=code,
            region_code=code,
            detail={"before": before, "after": values},
        )
    if boundary is not None:
        locate.forget()
    return region


async def set_region_active(*, actor: Principal, code: str, active: bool) -> Region:
    """Deactivate (only once no active child remains) or reactivate (only under an active parent)."""
    if Level.of_code(code) is None:
        raise NotFound("region", code)
    authorize(actor.assignments, "region", "deactivate", at=code)
    async with in_transaction():
        region = await Region.filter(code=code).select_for_update().first()
        if region is None:
            raise NotFound("region", code)
        if not active and await Region.exists(parent_code=code, is_active=True):
            raise Conflict(
                _("region {code} still has active sub-regions; deactivate them first", code=code),
                code=ErrorCode.HAS_ACTIVE_CHILDREN,
            )
        if (
            active
            and region.parent_code
            and not await Region.exists(code=region.parent_code, is_active=True)
        ):
            raise Conflict(
                _("parent region {parent_code} is deactivated", parent_code=region.parent_code),
                code=ErrorCode.INACTIVE,
            )
        if region.is_active != active:
            region.is_active = active
            await region.save(update_fields=["is_active", "updated_at"])
            await record(
                actor=actor,
                action="region.activate" if active else "region.deactivate",
                object_type="region",
                object_id=code,
                region_code=code,
            )
    return region


# ---------------------------------------------------------------- departments


@dataclass(frozen=True, slots=True)
class DepartmentInput:
    region_code: str
    code: str
    name: str
    categories: list[str]
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class DepartmentChanges:
    name: str | None = None
    categories: list[str] | None = None
    phone: str | None = None


def _check_department_code(code: str) -> str:
    cleaned = code.strip()
    if not cleaned or len(cleaned) > 32 or not all(c.isalnum() or c in "-_." for c in cleaned):
        raise ValidationFailed(_("department code: 1–32 letters, digits, - _ ."), field="code")
    return cleaned


def _check_categories(categories: list[str] | None) -> list[str] | None:
    if categories is None:
        return None
    if len(categories) > MAX_CATEGORIES or any(not c or len(c) > 32 for c in categories):
        raise ValidationFailed(
            _(
                "at most {MAX_CATEGORIES} category codes of 1–32 characters",
                MAX_CATEGORIES=MAX_CATEGORIES,
            ),
            field="categories",
        )
    return sorted(set(categories))


def readable_departments(actor: Principal) -> Q:
    return subtree_filter(scope_prefixes(actor.assignments, "department", "read"), "region_code")


async def get_department(*, actor: Principal, department_id: uuid.UUID) -> Department:
    department = await Department.filter(readable_departments(actor), id=department_id).first()
    if department is None:
        raise NotFound("department", department_id)
    return department


async def list_departments(
    *,
    actor: Principal,
    page: PageRequest,
    region_code: str | None = None,
    category: str | None = None,
    search: str | None = None,
    include_inactive: bool = False,
) -> tuple[Page[Department], Any]:
    """Departments in scope, ordered by id; optionally those of a region or handling a category,
    or found by name (characters, full pinyin or initials; exact characters first)."""
    query = Department.filter(readable_departments(actor))
    if region_code is not None:
        query = query.filter(region_code=region_code)
    if category is not None:
        query = query.filter(categories__contains=[category])
    if search:
        if len(search) > MAX_SEARCH_LENGTH:
            raise ValidationFailed(
                _(
                    "search is at most {MAX_SEARCH_LENGTH} characters",
                    MAX_SEARCH_LENGTH=MAX_SEARCH_LENGTH,
                ),
                field="search",
            )
        query = query.filter(Q(name__icontains=search) | keys.matching(search))
    if not include_inactive:
        query = query.filter(is_active=True)
    filtered = query
    if search:
        return await _ranked(query, page, keys.rank(pinyin.to_simplified(search)), "id"), filtered
    if page.after is not None:
        try:
            after = uuid.UUID(page.after)
        except ValueError as exc:
            raise ValidationFailed(_("malformed cursor"), field="after") from exc
        query = query.filter(id__gt=after)
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda department: department.id), filtered


async def create_department(*, actor: Principal, data: DepartmentInput) -> Department:
    """Add a functional department to a city, district or township."""
    level = parse_code(data.region_code, field="regionCode")
    if level not in {Level.CITY, Level.DISTRICT, Level.TOWNSHIP}:
        raise ValidationFailed(
            _("departments belong to a city, district or township"), field="regionCode"
        )
    authorize(actor.assignments, "department", "create", at=data.region_code)
    code = _check_department_code(data.code)
    name = clean_name(data.name)
    categories = _check_categories(data.categories) or []
    async with in_transaction():
        if not await Region.exists(code=data.region_code, is_active=True):
            raise NotFound("region", data.region_code, field="regionCode")
        if await Department.exists(region_code=data.region_code, code=code):
            raise Conflict(
                _(
                    "department {code} already exists in {region_code}",
                    code=code,
                    region_code=data.region_code,
                ),
                field="code",
                code=ErrorCode.ALREADY_EXISTS,
            )
        department = await Department.create(
            region_code=data.region_code,
            code=code,
            name=name,
            categories=categories,
            phone=data.phone,
            search_keys=keys.keys_column([name]),
        )
        await record(
            actor=actor,
            action="department.create",
            object_type="department",
            object_id=str(department.id),
            region_code=data.region_code,
            detail={"name": name},
        )
    return department


async def update_department(
    *, actor: Principal, department_id: uuid.UUID, changes: DepartmentChanges
) -> Department:
    async with in_transaction():
        department = (
            await Department.filter(readable_departments(actor), id=department_id)
            .select_for_update()
            .first()
        )
        if department is None:
            raise NotFound("department", department_id)
        authorize(actor.assignments, "department", "update", at=department.region_code)
        values: dict[str, Any] = {}
        if changes.name is not None:
            values["name"] = clean_name(changes.name)
        if changes.categories is not None:
            values["categories"] = _check_categories(changes.categories)
        if changes.phone is not None:
            values["phone"] = changes.phone
        department.update_from_dict(values)
        department.search_keys = keys.keys_column([department.name])
        await department.save()
        await record(
            actor=actor,
            action="department.update",
            object_type="department",
            object_id=str(department.id),
            region_code=department.region_code,
            detail=values,
        )
    return department


async def set_department_active(
    *, actor: Principal, department_id: uuid.UUID, active: bool
) -> Department:
    async with in_transaction():
        department = (
            await Department.filter(readable_departments(actor), id=department_id)
            .select_for_update()
            .first()
        )
        if department is None:
            raise NotFound("department", department_id)
        authorize(actor.assignments, "department", "deactivate", at=department.region_code)
        if department.is_active != active:
            department.is_active = active
            await department.save(update_fields=["is_active", "updated_at"])
            await record(
                actor=actor,
                action="department.activate" if active else "department.deactivate",
                object_type="department",
                object_id=str(department.id),
                region_code=department.region_code,
            )
    return department
