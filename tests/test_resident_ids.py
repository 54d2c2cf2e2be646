"""One rule for resident ID numbers (GB 11643): the registry and the import pipeline take and
refuse the same numbers, shown by the pure rule and through each public path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from api import resident_ids
from api.domains.imports.kinds import Invalid
from api.domains.imports.kinds import identity as import_identity
from api.domains.registry import validation as registry_validation
from api.errors import ValidationFailed
from api.settings import Settings
from tests import factories
from tests.factories import gql
from tests.imports.helpers import csv_bytes, problems, run_import
from tests.registry.helpers import REGISTER_PERSON

GRID = "410611001001001"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def import_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setattr(settings, "gridgov_import_dir", tmp_path / "imports")
    return settings


def numbered(body: str) -> str:
    """The 17 digits with their MOD 11-2 check character."""
    return body + resident_ids.check_character(body)


VALID = {
    "an ordinary number": numbered("11010519800101123"),
    "an X check character": numbered("11010519491231002"),
    # 410611 淇滨区 got its code in 1983; people born before carry it (the import refused them)
    "born before the county got its code": numbered("41061119700101123"),
    # 110103 崇文区 merged into 东城区 in 2010; its people keep their numbers
    "a region part that is no longer a county": numbered("11010319900101123"),
    "born today": numbered("110105" + TODAY.strftime("%Y%m%d") + "123"),
}
INVALID = {
    "17 characters": numbered("11010519800101123")[:17],
    "19 characters": numbered("11010519800101123") + "1",
    "a letter inside": "11010519800A011234",
    "a wrong check character": numbered("11010519800101123")[:17] + "0",
    "a date that does not exist": numbered("11010519800230123"),
    # the registry took these: it checked the county part but not the date's side of today
    "born tomorrow": numbered("110105" + (TODAY + dt.timedelta(days=1)).strftime("%Y%m%d") + "123"),
    "no such region": numbered("11019919800101123"),
    "a region part of zeros": numbered("00000019800101123"),
    "full-width digits": "１１０１０５１９８００１０１１２３" + "4",
}
assert VALID["an X check character"].endswith("X")
assert INVALID["a wrong check character"] != numbered("11010519800101123")


@pytest.mark.parametrize("number", VALID.values(), ids=VALID.keys())
def test_a_valid_number_is_taken_compact_with_an_upper_case_x(number: str) -> None:
    typed = f" {number[:6]} {number[6:14]}-{number[14:].lower()} "

    assert resident_ids.validate(typed, on=TODAY) == number


@pytest.mark.parametrize("number", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_number_is_refused_with_its_reason(number: str) -> None:
    with pytest.raises(resident_ids.InvalidResidentId) as refused:
        resident_ids.validate(number, on=TODAY)

    assert refused.value.reason


def test_the_check_character_is_iso_7064_mod_11_2() -> None:
    body = "11010519491231002"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    remainder = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11

    assert resident_ids.check_character(body) == "10X98765432"[remainder] == "X"


def test_a_permanent_residence_number_has_no_county_but_the_rest_is_checked() -> None:
    number = numbered("91101119900101001")

    assert resident_ids.validate(number, on=TODAY) == number
    with pytest.raises(resident_ids.InvalidResidentId):
        resident_ids.validate(numbered("91101119901301001"), on=TODAY)


def test_birth_date_and_sex_come_from_the_number() -> None:
    number = VALID["born before the county got its code"]

    assert resident_ids.birth_date(number) == dt.date(1970, 1, 1)
    assert resident_ids.sex(number) == "1"  # 17th digit 3: odd


def test_the_registry_and_the_import_wrappers_agree_on_every_number() -> None:
    for number in [*VALID.values(), *INVALID.values()]:
        try:
            registry: str | None = registry_validation.id_number(number)
        except ValidationFailed:
            registry = None
        try:
            imported: str | None = import_identity.id_number(number)
        except Invalid as error:
            assert error.code == "INVALID_ID_NUMBER"
            imported = None
        assert registry == imported, number


# Born-today and born-tomorrow depend on the real date; through the public paths the numbers
# whose verdict does not move with the clock are enough.
PUBLIC = {k: v for k, v in {**VALID, **INVALID}.items() if "today" not in k and "tomorrow" not in k}


async def test_registering_a_person_takes_exactly_the_numbers_the_rule_takes(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)

    taken = set()
    for sequence, number in enumerate(PUBLIC.values()):
        person = {
            "regionCode": GRID,
            "idNumber": number,
            "personType": "REGISTERED",
            "name": f"居民{sequence}",
        }
        body = await gql(client, REGISTER_PERSON, {"input": person}, token=worker)
        result = body["data"]["registerPerson"]
        if result["__typename"] == "PersonPayload":
            taken.add(number)
        else:
            assert (result["code"], result["field"]) == ("INVALID_CODE", "idNumber"), result

    assert taken == set(VALID.values()) & set(PUBLIC.values())


async def test_an_import_takes_exactly_the_numbers_the_registry_takes(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", "410611001001")
    numbers = list(PUBLIC.values())
    header = ["身份证号", "姓名", "网格编码", "人口类型"]
    rows = [[number, f"居民{i}", GRID, "户籍"] for i, number in enumerate(numbers)]

    job = await run_import(
        client, staff, "RESIDENTS", csv_bytes([header, *rows]), atomicity="BEST_EFFORT"
    )

    refused = {numbers[row - 2] for row, column, code in problems(job)}
    assert {code for _, _, code in problems(job)} == {"INVALID_ID_NUMBER"}
    assert set(numbers) - refused == set(VALID.values()) & set(PUBLIC.values())
    assert job["rowsInserted"] == len(set(numbers) - refused)
