"""Enterprises and social organisations: register, correct."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.registry import codes
from api.domains.registry.enums import (
    OrganisationKind,
    RecordKind,
)
from api.domains.registry.models import (
    Building,
    Organisation,
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
from api.domains.registry.validation import Rule, clean, coded, text
from api.errors import ValidationFailed
from api.i18n import _
from policies.enforcer import authorize

ORGANISATION_RULES: Final[Mapping[str, Rule]] = {
    "kind": Rule("enum", enum=OrganisationKind, required=True),
    "name": text(200, required=True),
    "credit_code": Rule("credit_code"),
    "enterprise_category": coded("5.44"),
    "social_organisation_type": coded("5.47"),
    "registration_type": coded("5.51"),
    "legal_person_name": text(50),
    "legal_person_id_number": Rule("id_number"),
    "legal_person_phone": Rule("phone"),
    "address": text(200),
    "employee_count": Rule("int", minimum=0, maximum=10_000_000),
    "safety_hazard_type": coded("5.45"),
    "attention_level": coded("5.46"),
}


def _check_organisation(values: Mapping[str, Any]) -> None:
    kind = values.get("kind")
    if kind is OrganisationKind.ENTERPRISE:
        if not values.get("credit_code"):
            raise ValidationFailed(_("an enterprise needs its creditCode"), field="creditCode")
        if values.get("social_organisation_type"):
            raise ValidationFailed(
                _("socialOrganisationType is only for social organisations"),
                field="socialOrganisationType",
            )
    elif kind is OrganisationKind.SOCIAL and values.get("enterprise_category"):
        raise ValidationFailed(
            _("enterpriseCategory is only for enterprises"), field="enterpriseCategory"
        )


async def register_organisation(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> Organisation:
    """Register an enterprise (非公有制经济组织) or a social organisation (社会组织). A client-chosen id makes a retry return the same one."""
    return await create_once(
        actor,
        RecordKind.ORGANISATION,
        client_id,
        lambda: _register_organisation(
            actor=actor,
            region_code=region_code,
            values=values,
            building_id=building_id,
            client_id=client_id,
        ),
    )


async def _register_organisation(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> Organisation:
    """Register an enterprise (非公有制经济组织) or a social organisation (社会组织)."""
    async with in_transaction():
        code = await writable_region(actor, region_code, "create")
        await codes.refresh()
        cleaned = clean(ORGANISATION_RULES, values, region_code=code)
        _check_organisation(cleaned)
        building = await referenced_record(
            actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
        )
        if building is not None:
            cleaned["building_id"] = building.id
        organisation: Organisation = await create_record(
            actor, RecordKind.ORGANISATION, code, cleaned, record_id=client_id
        )
        return organisation


async def update_organisation(
    *,
    actor: Principal,
    organisation_id: uuid.UUID,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> Organisation:
    """Correct an organisation's fields."""
    async with in_transaction():
        organisation = await readable_record(
            actor, Organisation, organisation_id, kind=RecordKind.ORGANISATION, lock=True
        )
        authorize(actor.assignments, "registry", "update", at=organisation.region_code)
        check_version(organisation, expected_version)
        await codes.refresh()
        cleaned = clean(
            ORGANISATION_RULES, values, partial=True, region_code=organisation.region_code
        )
        _check_organisation(
            {name: getattr(organisation, name) for name in ORGANISATION_RULES} | cleaned
        )
        if cleaned.get("credit_code"):
            await check_unique(
                Organisation,
                RecordKind.ORGANISATION,
                "credit_code",
                cleaned["credit_code"],
                except_id=organisation.id,
            )
        result: Organisation = await finish_update(
            actor, RecordKind.ORGANISATION, organisation, cleaned
        )
        return result
