"""Exact amounts: money and figures as `Decimal` (never floats), checked once at the edge of a
service so a NUMERIC column never refuses them later, and currencies as ISO 4217 codes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from api.errors import ValidationFailed
from api.i18n import _

# The currencies a city's figures come in; a code outside is a typo far more often than a
# foreign investment booked in its own currency (which is converted before reporting).
CURRENCIES: Final = frozenset({"CNY", "HKD", "MOP", "TWD", "USD", "EUR", "JPY", "GBP"})


def exact(
    value: Decimal | str,
    *,
    field: str,
    digits: int,
    places: int,
    negative: bool = False,
) -> Decimal:
    """`value` as stored in a NUMERIC(`digits`, `places`) column: finite, not negative (unless
    allowed), no more places than the column keeps (rounding money silently is a wrong figure),
    and no more digits before the point than it holds. Text (as clients send amounts) is read
    by `parse`'s rule first."""
    if isinstance(value, str):
        value = _typed(value, field=field)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed(_("{field} must be a number", field=field), field=field)
    if value < 0 and not negative:
        raise ValidationFailed(_("{field} must not be negative", field=field), field=field)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationFailed(
            _("{field} has at most {places} decimal places", field=field, places=places),
            field=field,
        )
    if abs(value) >= Decimal(10) ** (digits - places):
        raise ValidationFailed(_("{field} is too large", field=field), field=field)
    return value.quantize(Decimal(1).scaleb(-places))


# Plain decimal notation as people type and spreadsheets export it: an optional sign, digits
# (thousands may be grouped with commas), an optional fraction. No exponent, no NaN/Infinity.
PLAIN_DECIMAL: Final = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
MAX_TYPED: Final = 64  # characters of a typed figure looked at; anything longer is no figure


def parse(text: str, *, field: str, digits: int, places: int) -> Decimal:
    """A figure typed as text ("1,234.50", "0.1") as stored in a NUMERIC(`digits`, `places`)
    column, never through a float; anything else is the field's INVALID error naming why."""
    return exact(text, field=field, digits=digits, places=places)


def _typed(text: str, *, field: str) -> Decimal:
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise ValidationFailed(_("{field} is required", field=field), field=field)
    if len(cleaned) > MAX_TYPED or not PLAIN_DECIMAL.fullmatch(cleaned):
        raise ValidationFailed(
            _(
                "{field} must be a number written out, like 1234.56 (not {strip!r})",
                field=field,
                strip=text.strip()[:20],
            ),
            field=field,
        )
    return Decimal(cleaned.replace(",", ""))


def currency(code: str | None, *, field: str = "currency", default: str = "CNY") -> str:
    """An ISO 4217 code this city reports in."""
    if code is None:
        return default
    cleaned = code.strip().upper()
    if cleaned not in CURRENCIES:
        raise ValidationFailed(
            _("{field} must be one of {items}", field=field, items=", ".join(sorted(CURRENCIES))),
            field=field,
        )
    return cleaned
