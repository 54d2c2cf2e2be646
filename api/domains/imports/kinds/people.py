"""Residents (实有人口): natural key `id_number`, in a grid; sex and birth date come from the
ID number, households and houses are named by their own natural keys."""

from __future__ import annotations

from typing import Any, ClassVar

from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import (
    Column,
    Derived,
    Problem,
    Reference,
    RowContext,
    choice,
    grid_code,
    identity,
)
from api.domains.imports.kinds.records import ID_NUMBER_HEADERS, RegistryRecords, code, phone
from api.domains.registry.enums import PersonType, RecordKind

PERSON_TYPES = {
    "registered": PersonType.REGISTERED.value,
    "户籍": PersonType.REGISTERED.value,
    "户籍人口": PersonType.REGISTERED.value,
    "floating": PersonType.FLOATING.value,
    "流动": PersonType.FLOATING.value,
    "流动人口": PersonType.FLOATING.value,
    "foreign": PersonType.FOREIGN.value,
    "境外": PersonType.FOREIGN.value,
    "境外人员": PersonType.FOREIGN.value,
}


class Residents(RegistryRecords):
    record_kind = RecordKind.PERSON.value
    kind = ImportKind.RESIDENTS
    table = "registry_people"
    key = ("id_number",)
    insert_defaults: ClassVar[dict[str, str]] = {"person_type": f"'{PersonType.REGISTERED.value}'"}
    insert_fixed: ClassVar[dict[str, str]] = {"tags": "'{}'::varchar(40)[]"}
    # no grid code: the row goes where its address says, or is reported (地址匹配)
    address_column = "current_address"
    columns = (
        Column(
            "id_number",
            ID_NUMBER_HEADERS,
            required=True,
            max_length=22,
            parse=identity.id_number,
            updatable=False,
        ),
        Column("name", ("姓名",), required=True, max_length=50),
        Column(
            "region_code",
            ("网格编码", "所属网格", "网格代码", "网格", "grid", "grid_code"),
            max_length=15,
            parse=grid_code,
        ),
        Column(
            "person_type",
            ("人口类型", "人员类型", "type"),
            parse=choice(PERSON_TYPES, "registered, floating, foreign, 户籍, 流动, 境外"),
        ),
        Column("phone", ("联系电话", "手机号", "手机", "电话"), max_length=20, parse=phone),
        Column("current_address", ("现住址", "居住地址", "现居住地址", "address"), max_length=200),
        Column("former_name", ("曾用名",), max_length=50),
        Column("ethnicity", ("民族",), max_length=2, parse=code(2, "GB/T 3304")),
        Column("education", ("学历", "文化程度"), max_length=2, parse=code(2, "GB/T 4658")),
        Column("political_status", ("政治面貌",), max_length=2, parse=code(2, "GB/T 4762")),
        Column("marital_status", ("婚姻状况",), max_length=2, parse=code(2, "GB/T 2261.2")),
        Column("occupation", ("职业",), max_length=100),
        Column("household_number", ("户号", "户编号"), max_length=40, target=None),
        Column("relation_to_head", ("与户主关系",), max_length=2, parse=code(2, "GB/T 4761")),
        Column("house_code", ("房屋编码", "房屋编号"), max_length=40, target=None),
    )
    code_columns: ClassVar[dict[str, str]] = {
        "ethnicity": "ethnicity",
        "education": "education",
        "political_status": "political_status",
        "marital_status": "marital_status",
        "relation_to_head": "relation_to_head",
    }
    derived = (
        Derived("sex", source="id_number"),
        Derived("birth_date", "date", source="id_number"),
        Derived("household_id", "uuid", source="household_number"),
        Derived("house_id", "uuid", source="house_code"),
    )
    references = (
        Reference(
            "household_number",
            "registry_households",
            "household_number",
            "household_id",
            "household",
        ),
        Reference("house_code", "registry_houses", "house_code", "house_id", "house"),
    )

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        if values["relation_to_head"] is not None and values["household_number"] is None:
            return [
                (
                    "household_number",
                    RowErrorCode.REQUIRED,
                    "a relation to the head needs the household's number",
                    None,
                )
            ]
        number = values["id_number"]
        values["sex"] = identity.sex(number)
        values["birth_date"] = identity.birth_date(number)
        return []
