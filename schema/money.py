"""Money on the wire: an exact `Decimal` (serialised as a string, so 0.1 + 0.2 stays 0.3) and
its ISO 4217 currency; never a float."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.type(description="An exact amount of money in a currency.")
class Money:
    amount: Decimal = strawberry.field(description="Exact decimal, as a string.")
    currency: str = strawberry.field(description="ISO 4217, e.g. CNY.")


@strawberry.input(description="An amount of money: an exact decimal and its currency.")
class MoneyInput:
    amount: str = strawberry.field(
        description="Exact decimal as text, at most 2 places; ≥ 0 (digits, an optional "
        'fraction, thousands may be grouped: "1,234.50"; anything else is a ValidationError).'
    )
    currency: str | None = strawberry.field(default=None, description="ISO 4217; default CNY.")
