"""Organisations (非公有制经济组织与社会组织): natural key the unified social credit code."""

from __future__ import annotations

from api.domains.imports.enums import ImportKind
from api.domains.imports.kinds import Column, Derived, Reference, choice, integer, region_code
from api.domains.imports.kinds.identity import credit_code, id_number
from api.domains.imports.kinds.records import RegistryRecords, phone
from api.domains.registry.enums import OrganisationKind, RecordKind

KINDS = {
    "enterprise": OrganisationKind.ENTERPRISE.value,
    "企业": OrganisationKind.ENTERPRISE.value,
    "非公有制经济组织": OrganisationKind.ENTERPRISE.value,
    "social": OrganisationKind.SOCIAL.value,
    "社会组织": OrganisationKind.SOCIAL.value,
}


class Organisations(RegistryRecords):
    record_kind = RecordKind.ORGANISATION.value
    kind = ImportKind.ORGANISATIONS
    table = "registry_organisations"
    key = ("credit_code",)
    columns = (
        Column(
            "credit_code",
            ("统一社会信用代码", "信用代码", "社会信用代码"),
            required=True,
            max_length=20,
            parse=credit_code,
            updatable=False,
        ),
        Column(
            "region_code",
            ("所属区划", "网格编码", "所属网格", "区划代码", "region"),
            required=True,
            max_length=15,
            parse=region_code,
        ),
        Column(
            "kind",
            ("组织类型", "类型", "type"),
            required=True,
            parse=choice(KINDS, "企业, 社会组织, enterprise, social"),
        ),
        Column("name", ("名称", "单位名称", "组织名称"), required=True, max_length=200),
        Column("legal_person_name", ("法定代表人", "法人", "负责人"), max_length=50),
        Column(
            "legal_person_id_number",
            ("法定代表人身份证号", "法人身份证号"),
            max_length=22,
            parse=id_number,
        ),
        Column(
            "legal_person_phone", ("法定代表人电话", "联系电话", "电话"), max_length=20, parse=phone
        ),
        Column("address", ("地址", "经营地址", "住所"), max_length=200),
        Column(
            "employee_count",
            ("从业人数", "员工人数"),
            parse=integer(0, 10_000_000),
            sql_type="integer",
        ),
        Column("building_code", ("楼栋编码", "建筑编码"), max_length=40, target=None),
    )
    derived = (Derived("building_id", "uuid", source="building_code"),)
    references = (
        Reference(
            "building_code", "registry_buildings", "building_code", "building_id", "building"
        ),
    )
