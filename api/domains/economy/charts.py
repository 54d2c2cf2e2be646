"""Chart data of projects, in the shape of event statistics (rows of a breakdown key and a
month bucket): project counts and investment by category or child region and by the month a
project starts, from the projects themselves (a city has thousands, not millions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from tortoise import connections

from api.auth import Principal
from api.domains.economy.scope import check, region
from api.errors import ValidationFailed
from api.i18n import _
from api.regions import child_length

MAX_DAYS: Final = 3 * 366


class ProjectGroupBy(StrEnum):
    CATEGORY = "category"
    CHILD_REGION = "child_region"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class ProjectRow:
    key: str | None  # category code or child region code
    period: date | None  # first day of the month projects started in
    currency: str
    count: int
    planned_investment: Decimal
    actual_investment: Decimal


async def project_statistics(
    *,
    actor: Principal,
    scope: str,
    first_day: date,
    last_day: date,
    group_by: list[ProjectGroupBy],
) -> list[ProjectRow]:
    """Projects under `scope` starting between the days (both included), grouped by at most
    one of CATEGORY/CHILD_REGION and by MONTH; sums kept apart per currency, never mixed."""
    scope = region(scope, field="scope")
    check(actor, "project", "read", at=scope, field="scope")
    if first_day > last_day or last_day - first_day > timedelta(days=MAX_DAYS):
        raise ValidationFailed(_("from before to, at most three years"), field="from")
    breakdowns = [g for g in group_by if g is not ProjectGroupBy.MONTH]
    if len(breakdowns) > 1 or len(group_by) != len(set(group_by)):
        raise ValidationFailed(_("at most one of CATEGORY and CHILD_REGION"), field="groupBy")
    key = "NULL::text"
    if breakdowns == [ProjectGroupBy.CATEGORY]:
        key = "category_code"
    elif breakdowns == [ProjectGroupBy.CHILD_REGION]:
        key = f"left(region_code, {child_length(scope) or len(scope)})"
    bucket = (
        "date_trunc('month', starts_on)::date" if ProjectGroupBy.MONTH in group_by else "NULL::date"
    )
    sql = (
        f"SELECT {key} AS key, {bucket} AS period, currency, count(*) AS n,"
        " sum(planned_investment) AS planned, sum(actual_investment) AS actual"
        " FROM economy_projects WHERE starts_with(region_code, $1)"
        " AND starts_on BETWEEN $2 AND $3 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(
        sql, [scope, first_day, last_day]
    )
    return [
        ProjectRow(
            key=row["key"],
            period=row["period"],
            currency=row["currency"],
            count=int(row["n"]),
            planned_investment=Decimal(row["planned"]),
            actual_investment=Decimal(row["actual"]),
        )
        for row in rows
    ]
