"""Houses (房屋), rental ones with their landlords: register, correct, read residents."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.registry import codes
from api.domains.registry.enums import (
    RecordKind,
    RecordStatus,
)
from api.domains.registry.models import (
    Building,
    House,
    Person,
)
from api.domains.registry.records import (
    check_unique,
    check_version,
    create_once,
    create_record,
    finish_update,
    readable_record,
    referenced_record,
    writable_region,
)
from api.domains.registry.validation import Rule, clean, coded, field_name, text
from api.errors import ValidationFailed
from api.i18n import _
from policies.enforcer import authorize

HOUSE_RULES: Final[Mapping[str, Rule]] = {
    "house_code": text(40, required=True),
    "address": text(200, required=True),
    "unit": text(10),
    "floor": Rule("int", minimum=-20, maximum=200),
    "number": text(20),
    "area": Rule("decimal", minimum=0, maximum=1_000_000),
    "use": coded("5.17"),
    "owner_name": text(50),
    "owner_id_number": Rule("id_number"),
    "owner_phone": Rule("phone"),
    "is_rental": Rule("bool"),
    "landlord_name": text(50),
    "landlord_id_number": Rule("id_number"),
    "landlord_phone": Rule("phone"),
    "rental_use": coded("5.18"),
    "hazard_type": coded("5.19"),
}


def _check_rental(values: Mapping[str, Any]) -> None:
    if not values.get("is_rental"):
        for name in ("landlord_name", "landlord_id_number", "landlord_phone", "rental_use"):
            if values.get(name) not in (None, ""):
                raise ValidationFailed(
                    _(
                        "{field_name} is only for a rental house (isRental)",
                        field_name=field_name(name),
                    ),
                    field=field_name(name),
                )


async def register_house(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> House:
    """Register a house (房屋); a rental house (出租房屋) with its landlord and use. A client-chosen id makes a retry return the same one."""
    return await create_once(
        actor,
        RecordKind.HOUSE,
        client_id,
        lambda: _register_house(
            actor=actor,
            region_code=region_code,
            values=values,
            building_id=building_id,
            client_id=client_id,
        ),
    )


async def _register_house(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> House:
    """Register a house (房屋); a rental house (出租房屋) with its landlord and use."""
    async with in_transaction():
        code = await writable_region(actor, region_code, "create")
        await codes.refresh()
        cleaned = clean(HOUSE_RULES, values, region_code=code)
        _check_rental(cleaned)
        building = await referenced_record(
            actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
        )
        if building is not None:
            cleaned["building_id"] = building.id
        house: House = await create_record(
            actor, RecordKind.HOUSE, code, cleaned, record_id=client_id
        )
        return house


async def update_house(
    *,
    actor: Principal,
    house_id: uuid.UUID,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> House:
    """Correct a house's fields (a rental's landlord, use, hidden danger)."""
    async with in_transaction():
        house = await readable_record(actor, House, house_id, kind=RecordKind.HOUSE, lock=True)
        authorize(actor.assignments, "registry", "update", at=house.region_code)
        check_version(house, expected_version)
        await codes.refresh()
        cleaned = clean(HOUSE_RULES, values, partial=True, region_code=house.region_code)
        _check_rental({name: getattr(house, name) for name in HOUSE_RULES} | cleaned)
        if "house_code" in cleaned:
            await check_unique(
                House, RecordKind.HOUSE, "house_code", cleaned["house_code"], except_id=house.id
            )
        if building_id is not None:
            building = await referenced_record(
                actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
            )
            assert building is not None
            cleaned["building_id"] = building.id
        result: House = await finish_update(actor, RecordKind.HOUSE, house, cleaned)
        return result


async def residents(house_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Person]]:
    grouped: dict[uuid.UUID, list[Person]] = {}
    rows = await Person.filter(house_id__in=list(house_ids), status=RecordStatus.ACTIVE).order_by(
        "name", "id"
    )
    for person in rows:
        grouped.setdefault(person.house_id, []).append(person)
    return grouped
