"""Party building (党建) and volunteers: party organisations, party members, volunteers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.registry import codes
from api.domains.registry.enums import (
    PartyOrganisationLevel,
    RecordKind,
    RecordStatus,
)
from api.domains.registry.models import (
    Building,
    PartyMember,
    PartyOrganisation,
    Person,
    Volunteer,
)
from api.domains.registry.records import (
    MODELS,
    check_version,
    create_record,
    finish_update,
    readable_record,
    referenced_record,
    writable_region,
)
from api.domains.registry.validation import Rule, clean, text
from api.errors import Conflict, ErrorCode, ValidationFailed
from api.i18n import _
from api.regions import in_subtree
from policies.enforcer import authorize

PARTY_ORGANISATION_RULES: Final[Mapping[str, Rule]] = {
    "name": text(100, required=True),
    "level": Rule("enum", enum=PartyOrganisationLevel, required=True),
    "secretary_name": text(50),
    "secretary_phone": Rule("phone"),
}


PARTY_MEMBER_RULES: Final[Mapping[str, Rule]] = {
    "workplace": text(200),
    "specialties": Rule("codes", table="5.5"),
    "contact_phone": Rule("phone"),
    "is_in_service": Rule("bool"),
    "registered_community_code": text(12),
}


VOLUNTEER_RULES: Final[Mapping[str, Rule]] = {
    "team": text(100),
    "specialties": Rule("codes", table="5.5"),
}


# Which parent level each party organisation level hangs under, and the region level it sits at.
PARTY_PARENT: Final = {
    PartyOrganisationLevel.COMMUNITY_COMMITTEE: None,
    PartyOrganisationLevel.LARGE_GRID_BRANCH: PartyOrganisationLevel.COMMUNITY_COMMITTEE,
    PartyOrganisationLevel.MEDIUM_GRID_GROUP: PartyOrganisationLevel.LARGE_GRID_BRANCH,
}


async def register_party_organisation(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    parent_id: uuid.UUID | None = None,
) -> PartyOrganisation:
    """A party organisation of the grid structure (社区党委 → 大网格党支部 → 中网格党小组)."""
    async with in_transaction():
        code = await writable_region(actor, region_code, "create")
        cleaned = clean(PARTY_ORGANISATION_RULES, values)
        level: PartyOrganisationLevel = cleaned["level"]
        parent = await referenced_record(
            actor,
            PartyOrganisation,
            parent_id,
            kind=RecordKind.PARTY_ORGANISATION,
            field="parentId",
        )
        expected = PARTY_PARENT[level]
        if expected is None:
            if parent is not None:
                raise ValidationFailed(
                    _("a community party committee has no parent"), field="parentId"
                )
            if len(code) != 12:
                raise ValidationFailed(
                    _("a community party committee sits at a community"), field="regionCode"
                )
        else:
            if parent is None or parent.level is not expected:
                raise ValidationFailed(
                    _("a {value} hangs under a {value2}", value=level.value, value2=expected.value),
                    field="parentId",
                )
            if not in_subtree(code, parent.region_code):
                raise ValidationFailed(
                    _("regionCode lies outside the parent's region"), field="regionCode"
                )
            cleaned["parent_id"] = parent.id
        result: PartyOrganisation = await create_record(
            actor, RecordKind.PARTY_ORGANISATION, code, cleaned
        )
        return result


async def register_party_member(
    *,
    actor: Principal,
    person_id: uuid.UUID,
    values: Mapping[str, Any],
    party_organisation_id: uuid.UUID | None = None,
    building_id: uuid.UUID | None = None,
) -> PartyMember:
    """A party member (党员) of a registered person; an in-service member (在职党员) reports to
    the community where they live."""
    async with in_transaction():
        person = await referenced_record(
            actor, Person, person_id, kind=RecordKind.PERSON, field="personId"
        )
        assert person is not None
        authorize(actor.assignments, "registry", "create", at=person.region_code)
        await codes.refresh()
        cleaned = clean(PARTY_MEMBER_RULES, values)
        if (
            cleaned.get("registered_community_code")
            and len(cleaned["registered_community_code"]) != 12
        ):
            raise ValidationFailed(
                _("registeredCommunityCode is a 12-digit community code"),
                field="registeredCommunityCode",
            )
        organisation = await referenced_record(
            actor,
            PartyOrganisation,
            party_organisation_id,
            kind=RecordKind.PARTY_ORGANISATION,
            field="partyOrganisationId",
        )
        building = await referenced_record(
            actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
        )
        if await PartyMember.exists(person_id=person.id):
            raise ValidationFailed(
                _("the person is already registered as a party member"),
                field="personId",
                code=ErrorCode.ALREADY_EXISTS,
            )
        cleaned |= {
            "person_id": person.id,
            "party_organisation_id": organisation.id if organisation else None,
            "building_id": building.id if building else None,
        }
        result: PartyMember = await create_record(
            actor, RecordKind.PARTY_MEMBER, person.region_code, cleaned
        )
        return result


async def register_volunteer(
    *, actor: Principal, person_id: uuid.UUID, values: Mapping[str, Any]
) -> Volunteer:
    """A volunteer (志愿者) among the registered people."""
    async with in_transaction():
        person = await referenced_record(
            actor, Person, person_id, kind=RecordKind.PERSON, field="personId"
        )
        assert person is not None
        authorize(actor.assignments, "registry", "create", at=person.region_code)
        await codes.refresh()
        cleaned = clean(VOLUNTEER_RULES, values)
        if await Volunteer.exists(person_id=person.id):
            raise ValidationFailed(
                _("the person is already a volunteer"),
                field="personId",
                code=ErrorCode.ALREADY_EXISTS,
            )
        cleaned["person_id"] = person.id
        result: Volunteer = await create_record(
            actor, RecordKind.VOLUNTEER, person.region_code, cleaned
        )
        return result


UPDATE_RULES: Final[Mapping[RecordKind, Mapping[str, Rule]]] = {
    RecordKind.PARTY_ORGANISATION: {
        name: rule for name, rule in PARTY_ORGANISATION_RULES.items() if name != "level"
    },
    RecordKind.PARTY_MEMBER: PARTY_MEMBER_RULES,
    RecordKind.VOLUNTEER: VOLUNTEER_RULES,
}


async def update_party_record(
    *,
    actor: Principal,
    kind: RecordKind,
    record_id: uuid.UUID,
    values: Mapping[str, Any],
    party_organisation_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Any:
    """Correct a party organisation, a party member (and the organisation it belongs to) or a
    volunteer."""
    async with in_transaction():
        record: Any = await readable_record(actor, MODELS[kind], record_id, kind=kind, lock=True)
        authorize(actor.assignments, "registry", "update", at=record.region_code)
        check_version(record, expected_version)
        if record.status is not RecordStatus.ACTIVE:
            raise Conflict(_("the {value} is deregistered", value=kind.value), field="id")
        await codes.refresh()
        cleaned = clean(UPDATE_RULES[kind], values, partial=True)
        if kind is RecordKind.PARTY_MEMBER and party_organisation_id is not None:
            organisation = await referenced_record(
                actor,
                PartyOrganisation,
                party_organisation_id,
                kind=RecordKind.PARTY_ORGANISATION,
                field="partyOrganisationId",
            )
            assert organisation is not None
            cleaned["party_organisation_id"] = organisation.id
        return await finish_update(actor, kind, record, cleaned)
