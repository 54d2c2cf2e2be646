"""Importing the registry: residents (and the places they live in), by natural key."""

from __future__ import annotations

from collections import Counter
from datetime import date

import httpx
import pytest

from api.domains.imports.models import ImportRowError
from api.domains.registry.models import (
    Building,
    House,
    Household,
    Organisation,
    Person,
    RegistryChange,
)
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, problems, xlsx_bytes
from tests.imports.helpers import run_import as _run
from tests.imports.people import bad_checksum, id_number

GRID = "410611001001001"
OTHER_GRID = "410611001001010"
ELSEWHERE = "410602001001001"  # another district
HEADER = ["身份证号", "姓名", "网格编码", "人口类型", "联系电话", "现住址", "户号"]


async def test_residents_are_registered_once_with_sex_and_birth_date_from_the_id(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    staff_user, staff = await factories.signed_in("community_staff", "410611001001")
    rows = [
        [id_number(1), "张三", GRID, "户籍", "138 0392 0001", "金山路1号", ""],
        [id_number(2).lower(), "李四", OTHER_GRID, "流动人口", "+8613803920002", "", ""],
    ]

    first = await _run(
        client, staff, "RESIDENTS", xlsx_bytes([HEADER, *rows]), filename="人口.xlsx"
    )
    again = await _run(client, staff, "RESIDENTS", xlsx_bytes([HEADER, *rows]))

    assert (first["state"], first["rowsInserted"]) == ("COMPLETED", 2), first
    assert (again["rowsInserted"], again["rowsUpdated"], again["rowsUnchanged"]) == (0, 0, 2)
    zhang = await Person.get(id_number=id_number(1))
    assert (zhang.name, zhang.region_code, zhang.person_type, zhang.phone) == (
        "张三",
        GRID,
        "registered",
        "+8613803920001",
    )
    assert (zhang.sex, zhang.birth_date, zhang.version) == ("2", date(1940, 1, 2), 1)  # 17th: even
    assert (await Person.get(id_number=id_number(2))).person_type == "floating"

    moved = [[id_number(1), "张三", OTHER_GRID, "户籍", "13803920001", "桃园路2号", ""]]
    third = await _run(client, staff, "RESIDENTS", csv_bytes([HEADER, *moved]))
    assert third["rowsUpdated"] == 1
    zhang = await Person.get(id_number=id_number(1))
    assert (zhang.region_code, zhang.current_address, zhang.version) == (OTHER_GRID, "桃园路2号", 2)
    history = await RegistryChange.filter(record_id=zhang.id).order_by("id")
    assert [(h.action, h.actor_label) for h in history] == [("move", staff_user.username)]
    assert history[0].changes == {
        "import_job": third["id"],
        "region_code": {"old": GRID, "new": OTHER_GRID},
        "current_address": {"old": "金山路1号", "new": "桃园路2号"},
    }
    assert await RegistryChange.filter(record_kind="person").count() == 1  # a rerun adds none


async def test_places_then_people_link_by_their_codes(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", "410611001001")
    buildings = [
        ["楼栋编码", "网格编码", "楼栋名称", "地址", "地上层数"],
        ["B-001", GRID, "1号楼", "金山路1号", "6"],
    ]
    houses = [
        ["房屋编码", "网格编码", "楼栋编码", "地址", "单元", "楼层", "面积", "是否出租"],
        ["H-001", GRID, "B-001", "金山路1号1单元101", "1", "1", "89.5", "是"],
        ["H-002", GRID, "B-404", "金山路1号1单元102", "1", "1", "", "否"],
    ]
    households = [
        ["户号", "网格编码", "户类型", "户主姓名", "房屋编码"],
        ["HH-1", GRID, "家庭户", "张三", "H-001"],
    ]
    organisations = [
        ["统一社会信用代码", "所属区划", "组织类型", "名称", "从业人数"],
        ["91110000600037341L", GRID, "企业", "金山商贸有限公司", "12"],
        ["91110000600037341X", GRID, "企业", "校验错误公司", "1"],
    ]

    results = [
        await _run(client, staff, "BUILDINGS", csv_bytes(buildings), atomicity="BEST_EFFORT"),
        await _run(client, staff, "HOUSES", csv_bytes(houses), atomicity="BEST_EFFORT"),
        await _run(client, staff, "HOUSEHOLDS", csv_bytes(households), atomicity="BEST_EFFORT"),
        await _run(
            client, staff, "ORGANISATIONS", csv_bytes(organisations), atomicity="BEST_EFFORT"
        ),
        await _run(
            client,
            staff,
            "RESIDENTS",
            csv_bytes(
                [
                    [*HEADER, "与户主关系"],
                    [id_number(5), "张三", GRID, "", "", "", "HH-1", "02"],
                    [id_number(6), "王五", GRID, "", "", "", "HH-9", ""],
                    [id_number(7), "赵六", GRID, "", "", "", "", "10"],  # a relation, no household
                ]
            ),
            atomicity="BEST_EFFORT",
        ),
    ]

    assert [r["rowsInserted"] for r in results] == [1, 1, 1, 1, 1]
    assert problems(results[1]) == [(3, "building_code", "UNKNOWN_REFERENCE")]
    assert problems(results[3]) == [(3, "credit_code", "INVALID_CODE")]
    assert problems(results[4]) == [
        (3, "household_number", "UNKNOWN_REFERENCE"),
        (4, "household_number", "REQUIRED"),
    ]
    building = await Building.get(building_code="B-001")
    house = await House.get(house_code="H-001")
    assert (house.building_id, house.is_rental, str(house.area)) == (building.id, True, "89.50")
    household = await Household.get(household_number="HH-1")
    assert household.house_id == house.id
    zhang = await Person.get(id_number=id_number(5))
    assert (zhang.household_id, zhang.relation_to_head) == (household.id, "02")
    assert (await Organisation.get(credit_code="91110000600037341L")).employee_count == 12


async def test_a_person_registered_outside_the_callers_region_is_not_taken_over(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, district = await factories.signed_in("admin", "410602")
    _, staff = await factories.signed_in("community_staff", "410611001001")
    await _run(
        client,
        district,
        "RESIDENTS",
        csv_bytes([HEADER, [id_number(9), "赵六", ELSEWHERE, "", "", "", ""]]),
    )

    result = await _run(
        client,
        staff,
        "RESIDENTS",
        csv_bytes([HEADER, [id_number(9), "赵六", GRID, "", "", "", ""]]),
        atomicity="BEST_EFFORT",
    )

    assert problems(result) == [(2, "id_number", "OUT_OF_SCOPE")]
    assert (await Person.get(id_number=id_number(9))).region_code == ELSEWHERE


@pytest.mark.slow
async def test_fifty_thousand_residents_with_one_percent_bad_rows(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    """Bad ID checksums, unknown grids, grids of another district and rows in another
    encoding: the good rows are written, every bad one reported, and a rerun changes nothing."""
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    lines = ["身份证号,姓名,网格编码,联系电话\r\n".encode()]
    expected: Counter[str] = Counter()
    for index in range(50_000):
        number, name, grid = id_number(index), f"居民{index}", (GRID, OTHER_GRID)[index % 2]
        line = f"{number},{name},{grid},1380392{index % 10_000:04d}\r\n"
        if index % 100 == 37:
            flaw = ("INVALID_ID_NUMBER", "UNKNOWN_REGION", "OUT_OF_SCOPE", "ENCODING")[
                index // 100 % 4
            ]
            expected[flaw] += 1
            if flaw == "INVALID_ID_NUMBER":
                line = line.replace(number, bad_checksum(number))
            elif flaw == "UNKNOWN_REGION":
                line = line.replace(grid, "410611001001099")
            elif flaw == "OUT_OF_SCOPE":
                line = line.replace(grid, ELSEWHERE)
            else:
                lines.append(line.encode("gb18030"))
                continue
        lines.append(line.encode())
    content = b"".join(lines)

    first = await _run(client, admin, "RESIDENTS", content, atomicity="BEST_EFFORT")
    again = await _run(client, admin, "RESIDENTS", content, atomicity="BEST_EFFORT")

    assert first["state"] == "COMPLETED", first
    assert (first["rowsRead"], first["rowsInserted"], first["rowsFailed"]) == (50_000, 49_500, 500)
    assert await Person.all().count() == 49_500
    stored = Counter(await ImportRowError.filter(job_id=first["id"]).values_list("code", flat=True))
    assert stored == expected and sum(expected.values()) == 500
    echoed = await ImportRowError.filter(job_id=first["id"], column="id_number").values_list(
        "value", flat=True
    )
    assert echoed and all(v[:4] == "1101" and v[4:14] == "*" * 10 for v in echoed)
    download = await client.get(first["errorsUrl"], headers={"Authorization": f"Bearer {admin}"})
    assert len(download.content.decode("utf-8-sig").splitlines()) == 501
    assert (again["rowsInserted"], again["rowsUpdated"], again["rowsUnchanged"]) == (0, 0, 49_500)
    assert again["rowsFailed"] == 500
    assert await Person.all().count() == 49_500
