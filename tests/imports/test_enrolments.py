"""Importing programme enrolments (低保, 特困 …): each names its person by ID number, is checked
as `enrol` checks it (exact amounts, dates in order, no overlap with an active enrolment of the
same programme), and a row for an enrolment on file changes it, in the registry's history."""

from __future__ import annotations

from decimal import Decimal

import httpx

from api.domains.registry.models import Enrolment, Person, RegistryChange
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, problems, run_import
from tests.imports.people import id_number

GRID = "410611001001001"
OTHER_GRID = "410611001001010"
ELSEWHERE = "410602001001001"
COMMUNITY = GRID[:12]
HEADER = ["身份证号", "救助类别", "开始日期", "结束日期", "保障金额", "备注"]


async def _people(client: httpx.AsyncClient) -> None:
    _, admin = await factories.signed_in("admin", "4106")
    rows = [[id_number(n), f"居民{n}", grid] for n, grid in ((1, GRID), (2, GRID), (4, OTHER_GRID))]
    rows += [[id_number(9), "居民9", ELSEWHERE]]
    done = await run_import(
        client, admin, "RESIDENTS", csv_bytes([["身份证号", "姓名", "网格编码"], *rows])
    )
    assert done["rowsInserted"] == 4, done


async def test_enrolments_are_imported_checked_like_enrol_and_changed_with_history(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await _people(client)
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    good = [
        [id_number(1), "低保", "2026-01-01", "2026-12-31", "585.30", "城市低保"],
        [id_number(2), "special_hardship", "2026-03-01", "", "0.1", ""],
        [id_number(4), "优抚对象", "2026-01-01", "", "1200", ""],
    ]
    bad = [
        [id_number(1), "最低生活保障", "2026-02-01", "", "1", ""],  # the same (person, programme)
        [id_number(3), "低保", "2026-01-01", "", "1", ""],  # not registered
        [id_number(9), "低保", "2026-01-01", "", "1", ""],  # outside the community
        [id_number(2), "临时救助", "2026-05-01", "2026-04-30", "", ""],  # ends before it starts
        [id_number(2), "养老保险", "2026-01-01", "", "-5", ""],  # a negative amount
        [id_number(2), "医疗保险", "2026-01-01", "", "1.005", ""],  # finer than a fen
        [id_number(2), "不存在", "2026-01-01", "", "1", ""],
    ]

    first = await run_import(
        client,
        staff,
        "ENROLMENTS",
        csv_bytes([HEADER, *good, *bad]),
        atomicity="BEST_EFFORT",
    )

    assert (first["state"], first["rowsInserted"], first["rowsFailed"]) == ("COMPLETED", 3, 7)
    assert problems(first) == [
        (5, "id_number", "DUPLICATE"),
        (6, "id_number", "UNKNOWN_REFERENCE"),
        (7, "id_number", "OUT_OF_SCOPE"),
        (8, "ends_on", "INVALID"),
        (9, "benefit_amount", "INVALID"),
        (10, "benefit_amount", "INVALID"),
        (11, "programme", "INVALID"),
    ]
    person = await Person.get(id_number=id_number(2))
    hardship = await Enrolment.get(person_id=person.id)
    assert (hardship.programme, hardship.benefit_amount, hardship.currency) == (
        "special_hardship",
        Decimal("0.10"),
        "CNY",
    )

    # The same enrolment again changes it (history kept); one overlapping it is refused.
    again = [
        [id_number(1), "低保", "2026-01-01", "2027-06-30", "600.00", "续保"],
        [id_number(2), "特困", "2026-06-01", "", "1", ""],  # overlaps the one from March
    ]
    second = await run_import(
        client, staff, "ENROLMENTS", csv_bytes([HEADER, *again]), atomicity="BEST_EFFORT"
    )
    assert (second["rowsInserted"], second["rowsUpdated"]) == (0, 1)
    assert problems(second) == [(3, "starts_on", "DUPLICATE")]
    renewed = await Enrolment.get(programme="minimum_living")
    assert (str(renewed.ends_on), renewed.benefit_amount, renewed.version) == (
        "2027-06-30",
        Decimal("600.00"),
        2,
    )
    change = await RegistryChange.get(record_kind="enrolment", record_id=renewed.id)
    # numbers in the history as the import pipeline writes every numeric column (to_jsonb)
    assert change.changes["benefit_amount"] == {"old": 585.3, "new": 600.0}
    assert change.changes["import_job"] == second["id"]
    assert await Enrolment.all().count() == 3
