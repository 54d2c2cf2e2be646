"""Buildings (楼栋): register, correct."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.registry import codes
from api.domains.registry.enums import (
    RecordKind,
)
from api.domains.registry.models import (
    Building,
)
from api.domains.registry.records import (
    check_unique,
    check_version,
    create_once,
    create_record,
    finish_update,
    readable_record,
    writable_region,
)
from api.domains.registry.validation import Rule, clean, coded, text
from api.errors import ValidationFailed
from api.i18n import _
from policies.enforcer import authorize

BUILDING_RULES: Final[Mapping[str, Rule]] = {
    "building_code": text(40, required=True),
    "name": text(100, required=True),
    "address": text(200, required=True),
    "use": coded("5.17"),
    "floors_above": Rule("int", minimum=0, maximum=200),
    "floors_below": Rule("int", minimum=0, maximum=20),
    "lat": Rule("float", minimum=-90, maximum=90),
    "lng": Rule("float", minimum=-180, maximum=180),
}


async def register_building(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    client_id: uuid.UUID | None = None,
) -> Building:
    """Register a building (楼栋). A client-chosen id makes a retry return the same one."""
    return await create_once(
        actor,
        RecordKind.BUILDING,
        client_id,
        lambda: _register_building(
            actor=actor,
            region_code=region_code,
            values=values,
            client_id=client_id,
        ),
    )


async def _register_building(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    client_id: uuid.UUID | None = None,
) -> Building:
    """Register a building (楼栋)."""
    async with in_transaction():
        code = await writable_region(actor, region_code, "create")
        await codes.refresh()
        cleaned = clean(BUILDING_RULES, values, region_code=code)
        if (cleaned.get("lat") is None) != (cleaned.get("lng") is None):
            raise ValidationFailed(_("give both lat and lng, or neither"), field="lng")
        building: Building = await create_record(
            actor, RecordKind.BUILDING, code, cleaned, record_id=client_id
        )
        return building


async def update_building(
    *,
    actor: Principal,
    building_id: uuid.UUID,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> Building:
    """Correct a building's fields."""
    async with in_transaction():
        building = await readable_record(
            actor, Building, building_id, kind=RecordKind.BUILDING, lock=True
        )
        authorize(actor.assignments, "registry", "update", at=building.region_code)
        check_version(building, expected_version)
        await codes.refresh()
        cleaned = clean(BUILDING_RULES, values, partial=True, region_code=building.region_code)
        if "building_code" in cleaned:
            await check_unique(
                Building,
                RecordKind.BUILDING,
                "building_code",
                cleaned["building_code"],
                except_id=building.id,
            )
        result: Building = await finish_update(actor, RecordKind.BUILDING, building, cleaned)
        return result
