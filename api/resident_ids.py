"""Resident identity numbers (居民身份证号码, GB 11643-1999): the one rule the registry and the
import pipeline both apply, so a number one of them takes the other takes too.

An 18-character number is: a 6-digit region part (the household register's county when the card
was first issued), an 8-digit birth date, a 3-digit sequence (odd for men) and an ISO 7064
MOD 11-2 check character (0-9 or X). Valid means:

- 17 ASCII digits and the check character they give;
- a birth date that exists and is not after today (China's date);
- a region part that the division tables have ever had as a county. Not "a county *in the birth
  year*" (stdnum's `ric.validate`): the code is the one in force when the card was issued (from
  1984 on), so people born before their county got its code (410611 淇滨区, created 1983) carry
  valid numbers that rule would refuse.

The 2023 foreign permanent residence ID (外国人永久居留身份证) has the same shape and starts with
9; its region part is a province and nationality code, not a county, so only the rest is checked.

Pure and memoized per region part and per date: the import pipeline checks a million rows."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Final

from stdnum import numdb

from api import clock
from api.i18n import _

CHINA_OFFSET: Final = dt.timedelta(hours=8)  # Asia/Shanghai, without daylight saving since 1991
LENGTH: Final = 18
TYPED_LENGTH: Final = 22  # the 18 with separators between the parts (6 8 3 1), as people type


class InvalidResidentId(ValueError):
    """Why a number is not a resident ID number, in words a clerk can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def today() -> dt.date:
    """The date in China, which is the date a birth date can at most be (China keeps UTC+8
    all year: a fixed offset costs a third of a zone lookup, once per row of an import)."""
    return (clock.now() + CHINA_OFFSET).date()


def compact(raw: str) -> str:
    """Without the spaces and hyphens people type, upper-case X."""
    return raw.strip().replace(" ", "").replace("-", "").upper()


def check_character(body: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits: weights 2^(17-i) mod 11."""
    check = (1 - 2 * int(body, 13)) % 11
    return "X" if check == 10 else str(check)


@functools.lru_cache(maxsize=65_536)
def _date(digits: str) -> dt.date | None:
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


@functools.lru_cache(maxsize=8_192)
def _ever_a_county(region: str) -> bool:
    return any("county" in props for _unused, props in numdb.get("cn/loc").info(region))


def validate(raw: str, *, on: dt.date | None = None) -> str:
    """The number compact with an upper-case X, or InvalidResidentId saying what is wrong;
    `on` is the date the birth date may not pass (today in China by default)."""
    number = compact(raw)
    if len(number) != LENGTH:
        raise InvalidResidentId(
            _(
                "has {number_count} characters, not {LENGTH}",
                number_count=len(number),
                LENGTH=LENGTH,
            )
        )
    body = number[:17]
    if not (body.isascii() and body.isdigit()) or number[17] not in "0123456789X":
        raise InvalidResidentId(_("only digits, and X as the last character"))
    if number[17] != check_character(body):
        raise InvalidResidentId(_("the check character does not match (a digit is mistyped)"))
    born = _date(number[6:14])
    if born is None:
        raise InvalidResidentId(_("the birth date (characters 7-14) does not exist"))
    if born > (on or today()):
        raise InvalidResidentId(_("the birth date lies in the future"))
    if number[0] != "9" and not _ever_a_county(number[:6]):
        raise InvalidResidentId(_("the region part (characters 1-6) is no county's code"))
    return number


def birth_date(number: str) -> dt.date:
    """The birth date of a number `validate` returned."""
    born = _date(number[6:14])
    if born is None:
        raise InvalidResidentId(_("the birth date (characters 7-14) does not exist"))
    return born


def sex(number: str) -> str:
    """GB/T 2261.1: 1 male, 2 female, from the 17th digit's parity."""
    return "1" if int(number[16]) % 2 else "2"


def is_permanent_residence(number: str) -> bool:
    return number.startswith("9")
