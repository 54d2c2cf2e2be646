"""Charts in the shape of event statistics: an indicator's trend with its year-on-year change
(signed-off values only), and project counts and investment by category, child region and
month."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from api.domains.economy.models import IndicatorValue
from api.flows.calendar import LOCAL
from tests import factories
from tests.diaries.helpers import person, run
from tests.economy.helpers import (
    DEFINE,
    DISTRICT,
    FISCAL_REVENUE,
    REPORT,
    SIGN_OFF,
    TOWNSHIPS,
    at,
    city_with_three_townships,
)
from tests.factories import gql

TREND = (
    "query($s: String!, $from: Date!, $to: Date!) {"
    ' indicatorTrend(indicator: "fiscal_revenue", scope: $s, from: $from, to: $to) {'
    " __typename ... on IndicatorTrend { expected rows { period value signedOff previousYear"
    " yearOnYearPercent } } ... on Error { code field } } }"
)
PROJECTS = (
    "query($s: String!, $g: [ProjectGroupBy!]) {"
    ' projectStatistics(scope: $s, from: "2026-01-01", to: "2026-12-31", groupBy: $g) {'
    " __typename ... on ProjectStatistics { total rows { key period count"
    " plannedInvestment { amount currency } } } ... on Error { code field } } }"
)
CREATE = "mutation($input: CreateProjectInput!) { createProject(input: $input) { __typename } }"


async def _signed_off(
    client: httpx.AsyncClient, tokens: dict[str, str], district: str, figures: dict[str, str]
) -> None:
    """Each township reports its figure for the period and the district accepts it."""
    for township, (period, figure) in figures.items():
        await run(
            client,
            REPORT,
            tokens[township[:9]],
            input={
                "indicator": "fiscal_revenue",
                "regionCode": township[:9],
                "period": period,
                "value": figure,
            },
        )
        row = await IndicatorValue.get(region_code=township[:9], period=period)
        await run(client, SIGN_OFF, district, id=str(row.id), action="ACCEPT")


async def test_a_leaders_trend_shows_signed_off_figures_and_the_change_on_a_year_before(
    client: httpx.AsyncClient,
) -> None:
    await city_with_three_townships()
    at(datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL))
    _, city = await person("city_command", "4106")
    _, district = await person("district_command", DISTRICT)
    _, leader = await person("leader", DISTRICT)
    tokens = {t: (await person("township_centre", t))[1] for t in TOWNSHIPS}
    await run(client, DEFINE, city, input=FISCAL_REVENUE)
    first, second, third = TOWNSHIPS
    await _signed_off(
        client,
        tokens,
        district,
        {first: ("2025-11-01", "100.10"), second: ("2025-11-01", "99.90")},
    )
    await _signed_off(
        client,
        tokens,
        district,
        {first: ("2026-11-01", "130.20"), second: ("2026-11-01", "119.80")},
    )
    # reported but not signed off: it does not count
    await run(
        client,
        REPORT,
        tokens[third],
        input={
            "indicator": "fiscal_revenue",
            "regionCode": third,
            "period": "2026-11-01",
            "value": "1000",
        },
    )

    trend: dict[str, Any] = await run(
        client, TREND, leader, s=DISTRICT, **{"from": "2026-10-01", "to": "2026-11-01"}
    )
    assert trend == {
        "__typename": "IndicatorTrend",
        "expected": 3,
        "rows": [
            {
                "period": "2026-10-01",
                "value": None,
                "signedOff": 0,
                "previousYear": None,
                "yearOnYearPercent": None,
            },
            {
                "period": "2026-11-01",
                "value": "250.0000",
                "signedOff": 2,
                "previousYear": "200.0000",
                "yearOnYearPercent": "25.00",
            },
        ],
    }
    wrong = await run(
        client, TREND, leader, s=DISTRICT, **{"from": "2026-10-02", "to": "2026-11-01"}
    )
    assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "from")


async def test_project_counts_and_investment_by_category_region_and_month(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    at(datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL))
    _, district = await person("district_command", DISTRICT)
    _, leader = await person("leader", "4106")
    for region, category, amount, starts in (
        ("410611001", "industrial", "0.10", "2026-03-15"),
        ("410611001", "industrial", "0.20", "2026-03-20"),
        ("410611002", "investment_attraction", "5000000.00", "2026-05-01"),
    ):
        created = await run(
            client,
            CREATE,
            district,
            input={
                "name": f"{category} {starts}",
                "categoryCode": category,
                "regionCode": region,
                "plannedInvestment": {"amount": amount},
                "startsOn": starts,
                "endsOn": "2027-12-31",
            },
        )
        assert created["__typename"] == "ProjectPayload"

    by_category = await run(client, PROJECTS, leader, s=DISTRICT, g=["CATEGORY"])
    assert by_category["total"] == 3
    assert by_category["rows"] == [
        {
            "key": "industrial",
            "period": None,
            "count": 2,
            "plannedInvestment": {"amount": "0.30", "currency": "CNY"},
        },
        {
            "key": "investment_attraction",
            "period": None,
            "count": 1,
            "plannedInvestment": {"amount": "5000000.00", "currency": "CNY"},
        },
    ]
    by_region_month = await run(client, PROJECTS, leader, s=DISTRICT, g=["CHILD_REGION", "MONTH"])
    assert [(r["key"], r["period"], r["count"]) for r in by_region_month["rows"]] == [
        ("410611001", "2026-03-01", 2),
        ("410611002", "2026-05-01", 1),
    ]
    both = await run(client, PROJECTS, leader, s=DISTRICT, g=["CHILD_REGION", "CATEGORY"])
    assert (both["__typename"], both["field"]) == ("ValidationError", "groupBy")
    outside = await gql(client, PROJECTS, {"s": "410602"}, token=district)
    assert outside["data"]["projectStatistics"]["code"] == "OUTSIDE_AREA"
