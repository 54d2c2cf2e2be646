"""Checked boundaries: a region's polygon lies within its parent's and overlaps no sibling's.

Overlapping grids used to resolve silently to the lowest code (locate.grid_at); a boundary
that leaves its parent puts events of one community on another's map. Both are refused on write
and listed for what is already stored. Areas are measured in square metres on a local
equirectangular projection around the polygon (exact enough at the size of a city's regions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import Geometry
from shapely.geometry import shape

from api.auth import Principal
from api.domains.hierarchy.models import Region
from api.errors import Conflict, ErrorCode, ValidationFailed
from api.i18n import _
from api.regions import Level, parent_of
from policies.enforcer import authorize

# A boundary may stick out of its parent, or into a sibling, by this many square metres (or
# this share of its own area, whichever is larger): surveyed lines of neighbours rarely agree to
# the centimetre, and a sliver is not an error a district office should have to fix.
TOLERANCE_M2 = 50.0
TOLERANCE_SHARE = 0.001


def square_metres(geometry: Geometry) -> float:
    """The geometry's area in m² (equirectangular projection at its own latitude)."""
    if geometry.is_empty:
        return 0.0
    lat0 = (geometry.bounds[1] + geometry.bounds[3]) / 2
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_574.0
    return float(shapely.transform(geometry, lambda coords: coords * np.array([kx, ky])).area)


def tolerance(geometry: Geometry) -> float:
    return max(TOLERANCE_M2, square_metres(geometry) * TOLERANCE_SHARE)


@dataclass(frozen=True, slots=True)
class Violation:
    """A region whose boundary leaves its parent's or overlaps a sibling's."""

    region_code: str
    kind: str  # "outside_parent" or "overlaps_sibling"
    other_code: str  # the parent or the sibling
    area_m2: float


def violations_of(
    code: str, geometry: Geometry, parent: Region | None, siblings: Sequence[Region]
) -> list[Violation]:
    """What is wrong with this boundary of `code` among its parent and siblings."""
    found: list[Violation] = []
    allowed = tolerance(geometry)
    if parent is not None and parent.boundary is not None:
        outside = square_metres(geometry.difference(shape(parent.boundary)))
        if outside > allowed:
            found.append(Violation(code, "outside_parent", parent.code, round(outside, 1)))
    for sibling in siblings:
        if sibling.code == code or sibling.boundary is None:
            continue
        other = shape(sibling.boundary)
        if not geometry.intersects(other):
            continue
        overlap = square_metres(geometry.intersection(other))
        if overlap > max(allowed, tolerance(other)):
            found.append(Violation(code, "overlaps_sibling", sibling.code, round(overlap, 1)))
    return found


async def check_boundary_fits(code: str, boundary: dict[str, Any]) -> None:
    """Refuse a boundary that leaves its parent's or overlaps an active sibling's (with the
    offending region and the area in the message); children outside it are refused too."""
    geometry = shape(boundary)
    parent_code = parent_of(code)
    parent = await Region.get_or_none(code=parent_code) if parent_code else None
    siblings = (
        await Region.filter(parent_code=parent_code, is_active=True, boundary__not_isnull=True)
        if parent_code
        else []
    )
    found = violations_of(code, geometry, parent, siblings)
    children = await Region.filter(parent_code=code, is_active=True, boundary__not_isnull=True)
    allowed_child = [tolerance(shape(child.boundary)) for child in children]
    for child, allowed in zip(children, allowed_child, strict=True):
        outside = square_metres(shape(child.boundary).difference(geometry))
        if outside > allowed:
            found.append(Violation(child.code, "outside_parent", code, round(outside, 1)))
    if not found:
        return
    first = found[0]
    if first.kind == "overlaps_sibling":
        message = (
            f"boundary of {code} overlaps {first.other_code} by {first.area_m2:.0f} m²"
            f" (tolerance {tolerance(geometry):.0f} m²)"
        )
        raise Conflict(message, field="boundary", code=ErrorCode.BOUNDARY_OVERLAP)
    if first.region_code == code:
        message = f"boundary of {code} lies {first.area_m2:.0f} m² outside its parent {parent_code}"
    else:
        message = f"region {first.region_code} would lie {first.area_m2:.0f} m² outside {code}"
    raise Conflict(message, field="boundary", code=ErrorCode.BOUNDARY_OUTSIDE_PARENT)


async def boundary_violations(*, actor: Principal, scope: str) -> list[Violation]:
    """Every stored boundary under `scope` that leaves its parent or overlaps a sibling (each
    overlapping pair reported once, under the lower code)."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    authorize(actor.assignments, "region", "read", at=scope)
    regions = await Region.filter(
        code__startswith=scope, is_active=True, boundary__not_isnull=True
    ).order_by("code")
    parents = {
        region.code: region
        for region in await Region.filter(
            code__in=sorted({parent_of(r.code) for r in regions if parent_of(r.code)}),
            boundary__not_isnull=True,
        )
    }
    by_parent: dict[str | None, list[Region]] = {}
    for region in regions:
        by_parent.setdefault(region.parent_code, []).append(region)
    found: list[Violation] = []
    for region in regions:
        siblings = [s for s in by_parent.get(region.parent_code, []) if s.code > region.code]
        found.extend(
            violations_of(
                region.code,
                shape(region.boundary),
                parents.get(region.parent_code or ""),
                siblings,
            )
        )
    return found
