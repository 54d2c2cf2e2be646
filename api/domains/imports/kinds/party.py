"""Party members (党员) and volunteers (志愿者): one record per registered person, the fields
checked by the registry's own rules (those of `registerPartyMember` and `registerVolunteer`).

A party organisation has no code: a member's is named by its name, which must be that of one
active organisation inside the import's region over the member's grid (社区党委, 第一网格党支部 …
repeat from community to community, never within one)."""

from __future__ import annotations

from typing import Any, ClassVar, Final

import asyncpg

from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import Column, Derived, Problem, Reference, Rejecter, RowContext
from api.domains.imports.kinds.records import (
    PERSON,
    PERSON_DERIVED,
    PERSON_REFERENCE,
    PersonRecords,
    rule_columns,
)
from api.domains.registry.enums import RecordKind
from api.domains.registry.service import PARTY_MEMBER_RULES, VOLUNTEER_RULES
from api.regions import subtree_sql

SPECIALTIES = ("专业特长", "特长")

PARTY_MEMBER_HEADERS: Final = {
    "workplace": ("工作单位", "单位"),
    "specialties": SPECIALTIES,
    "contact_phone": ("联系电话", "电话", "手机号"),
    "is_in_service": ("是否在职党员", "在职党员"),
    "registered_community_code": ("报到社区", "报到社区代码"),
}
VOLUNTEER_HEADERS: Final = {
    "team": ("志愿服务队", "服务队", "所属队伍"),
    "specialties": SPECIALTIES,
}


class PartyMembers(PersonRecords):
    record_kind = RecordKind.PARTY_MEMBER.value
    kind = ImportKind.PARTY_MEMBERS
    table = "registry_party_members"
    insert_defaults: ClassVar[dict[str, str]] = {
        "specialties": "'{}'",
        "is_in_service": "false",
    }
    columns = (
        PERSON,
        *rule_columns(PARTY_MEMBER_RULES, PARTY_MEMBER_HEADERS),
        Column(
            "party_organisation",
            ("所属党组织", "党组织", "党组织名称"),
            max_length=100,
            target=None,
        ),
        Column("building_code", ("楼栋编码", "建筑编码"), max_length=40, target=None),
    )
    derived = (
        *PERSON_DERIVED,
        Derived("party_organisation_id", "uuid", source="party_organisation"),
        Derived("building_id", "uuid", source="building_code"),
    )
    references = (
        PERSON_REFERENCE,
        Reference(
            "building_code", "registry_buildings", "building_code", "building_id", "building"
        ),
    )

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        community = values["registered_community_code"]
        if community is not None and not (len(community) == 12 and community.isdigit()):
            return [
                (
                    "registered_community_code",
                    RowErrorCode.INVALID_CODE,
                    "a community's 12-digit code",
                    community,
                )
            ]
        return []

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        over = (
            "FROM registry_party_organisations t WHERE t.name = s.party_organisation "
            f"AND t.status = 'active' AND {subtree_sql('t.region_code', '$1')} "
            f"AND {subtree_sql('s.region_code', 't.region_code')}"
        )
        await reject(
            "SELECT s.row_number, 'party_organisation', 'UNKNOWN_REFERENCE', "
            "'no party organisation ' || s.party_organisation || ' over the member''s grid "
            "in your region', s.party_organisation FROM import_staging s "
            f"WHERE s.party_organisation IS NOT NULL AND NOT EXISTS (SELECT 1 {over})",
            scope,
        )
        await reject(
            "SELECT s.row_number, 'party_organisation', 'INVALID', "
            "'more than one party organisation ' || s.party_organisation || ' over the "
            "member''s grid', s.party_organisation FROM import_staging s "
            f"WHERE s.party_organisation IS NOT NULL AND (SELECT count(*) {over}) > 1",
            scope,
        )
        await connection.execute(
            f"UPDATE import_staging s SET party_organisation_id = t.id {over}", scope
        )


class Volunteers(PersonRecords):
    record_kind = RecordKind.VOLUNTEER.value
    kind = ImportKind.VOLUNTEERS
    table = "registry_volunteers"
    insert_defaults: ClassVar[dict[str, str]] = {"specialties": "'{}'", "service_hours": "0"}
    columns = (PERSON, *rule_columns(VOLUNTEER_RULES, VOLUNTEER_HEADERS))
    derived = PERSON_DERIVED
    references = (PERSON_REFERENCE,)
