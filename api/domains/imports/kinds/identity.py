"""Resident ID numbers (居民身份证号码) and credit codes, fast enough for a million rows.

stdnum.cn.ric decides validity; it costs ~40 µs a number, mostly looking up the birth place
in its database, so its answers are memoized per (place, birth year) and per birth date, and
the checksum runs first. A number that fails is passed to stdnum itself for the exact reason.
tests/imports/test_identity.py checks the two agree."""

from __future__ import annotations

import datetime as dt
import functools

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from api import clock
from api.domains.imports.enums import RowErrorCode
from api.domains.imports.kinds import Invalid


@functools.lru_cache(maxsize=65_536)
def _birth_date(digits: str) -> dt.date | None:
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


@functools.lru_cache(maxsize=65_536)
def _place_valid(place: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{place}{year:04d}0101000")
    except StdnumError:
        return False
    return True


def _reason(number: str) -> Invalid:
    try:
        ric.validate(number)
    except StdnumError as error:
        return Invalid(f"not a valid resident ID number ({error})", RowErrorCode.INVALID_ID_NUMBER)
    return Invalid("not a valid resident ID number", RowErrorCode.INVALID_ID_NUMBER)


@functools.lru_cache(maxsize=262_144)
def _born_at(head: str) -> dt.date | None:
    """The birth date of the first 14 characters (place and date) if the date exists and the
    place was a county in that year (stdnum's table); memoized, as a city repeats them."""
    birth = _birth_date(head[6:14])
    if birth is None or (head[0] != "9" and not _place_valid(head[:6], birth.year)):
        return None
    return birth


def id_number(raw: str) -> str:
    """An 18-character resident ID number, compact with an upper-case X; also the 2023 foreign
    permanent residence ID (starts with 9: no birth place)."""
    number = raw.upper() if raw.isalnum() else raw.replace(" ", "").replace("-", "").upper()
    body = number[:17]
    if len(number) != 18 or not (body.isdigit() and body.isascii()):
        return _fail(number)
    check = (1 - 2 * int(body, 13)) % 11
    if number[17] != ("X" if check == 10 else str(check)):
        return _fail(number)
    birth = _born_at(number[:14])
    if birth is None or birth > clock.now().date():
        return _fail(number)
    return number


def _fail(number: str) -> str:
    if number[:1] == "9" and len(number) == 18:
        raise Invalid("not a valid permanent residence ID number", RowErrorCode.INVALID_ID_NUMBER)
    if len(number) == 18 and number[:17].isdigit():
        birth = _birth_date(number[6:14])
        if birth is not None and birth > clock.now().date():
            raise Invalid(
                "the birth date in the ID number lies in the future", RowErrorCode.INVALID_ID_NUMBER
            )
    raise _reason(number)


def birth_date(number: str) -> dt.date:
    found = _birth_date(number[6:14])
    assert found is not None  # id_number() checked it
    return found


def sex(number: str) -> str:
    """GB/T 2261.1: 1 male, 2 female, from the 17th digit's parity."""
    return "1" if int(number[16]) % 2 else "2"


def credit_code(raw: str) -> str:
    """A unified social credit code (统一社会信用代码) with its check character."""
    try:
        return str(uscc.validate(raw.replace(" ", "").upper()))
    except StdnumError as error:
        raise Invalid(
            f"not a valid unified social credit code ({error})", RowErrorCode.INVALID_CODE
        ) from None
