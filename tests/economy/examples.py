"""The economy records graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid
from datetime import date

from api import clock
from api.auth import Assignment, Principal
from api.domains.economy import indicators
from api.domains.economy.enums import Aggregation, ValueAction
from api.flows.calendar import LOCAL
from api.regions import Level


def _as(role: str, code: str) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), username=f"{role}.economy", assignments=(Assignment(role, code),)
    )


async def economy_fixtures() -> dict[str, str]:
    """The fiscal revenue indicator (reported by townships), last month opened for 410611:
    410611001's value submitted, and an accepted value of the month before (regions must
    exist)."""
    city, district = _as("city_command", "4106"), _as("district_command", "410611")
    township = _as("township_centre", "410611001")
    await indicators.define(
        actor=city,
        definition=indicators.Definition(
            code="fiscal_revenue",
            name="一般公共预算收入",
            unit="万元",
            currency="CNY",
            aggregation=Aggregation.SUM,
            reporting_level=Level.TOWNSHIP,
            due_day=5,
        ),
    )
    today = clock.now().astimezone(LOCAL).date()
    last_month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    month_before = date(
        last_month.year - (last_month.month == 1), (last_month.month - 2) % 12 + 1, 1
    )
    await indicators.open_period(
        actor=district, code="fiscal_revenue", period=last_month, scope="410611"
    )
    submitted = await indicators.submit(
        actor=township,
        code="fiscal_revenue",
        region_code="410611001",
        period=last_month,
        value="1523.40",
    )
    earlier = await indicators.submit(
        actor=township,
        code="fiscal_revenue",
        region_code="410611001",
        period=month_before,
        value="1488.10",
    )
    await indicators.sign_off(actor=district, value_id=earlier.id, action=ValueAction.ACCEPT)
    return {
        "<economy_period>": last_month.isoformat(),
        "<economy_year_start>": last_month.replace(month=1).isoformat(),
        "<indicator_value_id>": str(submitted.id),
        "<accepted_indicator_value_id>": str(earlier.id),
    }
