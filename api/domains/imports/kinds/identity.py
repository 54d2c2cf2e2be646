"""Resident ID numbers (居民身份证号码) and credit codes of imported cells. ID numbers follow the
one rule the registry applies too (`api.resident_ids`, memoized for a million rows)."""

from __future__ import annotations

import datetime as dt

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from api import resident_ids
from api.domains.imports.enums import RowErrorCode
from api.domains.imports.kinds import Invalid
from api.i18n import _


def id_number(raw: str) -> str:
    """An 18-character resident ID number, compact with an upper-case X; also the 2023 foreign
    permanent residence ID (starts with 9: no birth place)."""
    try:
        return resident_ids.validate(raw)
    except resident_ids.InvalidResidentId as error:
        raise Invalid(
            _("not a valid resident ID number: {reason}", reason=error.reason),
            RowErrorCode.INVALID_ID_NUMBER,
        ) from None


def birth_date(number: str) -> dt.date:
    return resident_ids.birth_date(number)


def sex(number: str) -> str:
    """GB/T 2261.1: 1 male, 2 female, from the 17th digit's parity."""
    return resident_ids.sex(number)


def credit_code(raw: str) -> str:
    """A unified social credit code (统一社会信用代码) with its check character."""
    try:
        return str(uscc.validate(raw.replace(" ", "").upper()))
    except StdnumError as error:
        raise Invalid(
            _("not a valid unified social credit code ({error})", error=error),
            RowErrorCode.INVALID_CODE,
        ) from None
