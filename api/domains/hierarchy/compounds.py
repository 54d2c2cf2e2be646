"""Compounds (小区): named areas under a community, with checked boundaries like regions'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape
from tortoise.transactions import in_transaction

from api import geo
from api.auth import Principal
from api.domains.audit.service import record
from api.domains.hierarchy.boundaries import square_metres, tolerance
from api.domains.hierarchy.models import Compound, Region
from api.domains.hierarchy.service import check_boundary, check_centre, clean_name
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.regions import Level
from policies.enforcer import authorize

MAX_CODE_LENGTH = 40


@dataclass(frozen=True, slots=True)
class CompoundInput:
    code: str
    community_code: str
    name: str
    boundary: dict[str, Any] | None = None
    centre: tuple[float, float] | None = None  # (lat, lng) in `datum`
    datum: geo.Datum = geo.Datum.WGS84


def _clean_code(code: str) -> str:
    cleaned = code.strip()
    if (
        not cleaned
        or len(cleaned) > MAX_CODE_LENGTH
        or not all(c.isalnum() or c in "-_." for c in cleaned)
    ):
        raise ValidationFailed(
            _(
                "compound code: 1–{MAX_CODE_LENGTH} letters, digits, - _ .",
                MAX_CODE_LENGTH=MAX_CODE_LENGTH,
            ),
            field="code",
        )
    return cleaned


async def _check_fits(code: str, community: Region, boundary: dict[str, Any]) -> None:
    """Within the community's boundary and clear of its other compounds (with the regions'
    tolerance); the message names what it overlaps and by how much."""
    geometry = shape(boundary)
    allowed = tolerance(geometry)
    if community.boundary is not None:
        outside = square_metres(geometry.difference(shape(community.boundary)))
        if outside > allowed:
            raise Conflict(
                _(
                    "compound {code} lies {outside:.0f} m² outside community {code2}",
                    code=code,
                    outside=outside,
                    code2=community.code,
                ),
                field="boundary",
                code=ErrorCode.BOUNDARY_OUTSIDE_PARENT,
            )
    for other in await Compound.filter(
        community_code=community.code, is_active=True, boundary__not_isnull=True
    ).exclude(code=code):
        other_shape = shape(other.boundary)
        if not geometry.intersects(other_shape):
            continue
        overlap = square_metres(geometry.intersection(other_shape))
        if overlap > max(allowed, tolerance(other_shape)):
            raise Conflict(
                _(
                    "compound {code} overlaps compound {code2} by {overlap:.0f} m²",
                    code=code,
                    code2=other.code,
                    overlap=overlap,
                ),
                field="boundary",
                code=ErrorCode.BOUNDARY_OVERLAP,
            )


async def save_compound(*, actor: Principal, data: CompoundInput) -> Compound:
    """Add a compound to a community, or change one (by its code; it stays in its community)."""
    code = _clean_code(data.code)
    if Level.of_code(data.community_code) is not Level.COMMUNITY:
        raise ValidationFailed(
            _("a compound belongs to a community (a 12-digit code)"),
            field="communityCode",
            code=ErrorCode.INVALID_CODE,
        )
    authorize(actor.assignments, "region", "update", at=data.community_code)
    name = clean_name(data.name)
    boundary = check_boundary(data.boundary, data.datum)
    centre = check_centre(data.centre, data.datum)
    async with in_transaction():
        community = await Region.filter(code=data.community_code).select_for_update().first()
        if community is None:
            raise NotFound("region", data.community_code, field="communityCode")
        if not community.is_active:
            raise ValidationFailed(
                _("community {code} is deactivated", code=community.code),
                field="communityCode",
                code=ErrorCode.INACTIVE,
            )
        existing = await Compound.get_or_none(code=code)
        if existing is not None and existing.community_code != community.code:
            raise Conflict(
                _(
                    "compound {code} belongs to community {community_code}",
                    code=code,
                    community_code=existing.community_code,
                ),
                field="communityCode",
                code=ErrorCode.PARENT_MISMATCH,
            )
        if boundary is not None:
            await _check_fits(code, community, boundary)
        values: dict[str, Any] = {"name": name}
        if boundary is not None:
            values["boundary"] = boundary
        if centre is not None:
            values["centre_lat"], values["centre_lng"] = centre
        if existing is None:
            compound = await Compound.create(code=code, community_code=community.code, **values)
        else:
            existing.update_from_dict(values)
            await existing.save()
            compound = existing
        await record(
            actor=actor,
            action="compound.save",
            object_type="compound",
            object_id=code,
            region_code=community.code,
            detail={"name": name, "created": existing is None},
        )
    return compound
