"""Exact amounts: money and figures as `Decimal` (never floats), checked once at the edge of a
service so a NUMERIC column never refuses them later, and currencies as ISO 4217 codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from api.errors import ValidationFailed
from api.i18n import _

# The currencies a city's figures come in; a code outside is a typo far more often than a
# foreign investment booked in its own currency (which is converted before reporting).
CURRENCIES: Final = frozenset({"CNY", "HKD", "MOP", "TWD", "USD", "EUR", "JPY", "GBP"})


def exact(
    value: Decimal,
    *,
    field: str,
    digits: int,
    places: int,
    negative: bool = False,
) -> Decimal:
    """`value` as stored in a NUMERIC(`digits`, `places`) column: finite, not negative (unless
    allowed), no more places than the column keeps (rounding money silently is a wrong figure),
    and no more digits before the point than it holds."""
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
