"""Chart data: event counts by breakdown and time bucket, from the daily rollup where it holds
the scope's nodes (city, district, township), else from the events themselves.

Counts are of events reported in the period (China-time days) in their current state: `open`
and `closed` say where they are now, `yellow_cards`/`red_cards` how many carry that worst card.
They are raw facts: exemptions only change rankings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from api.domains.events.deadlines import LOCAL
from api.domains.stats import reading
from api.domains.stats.enums import BREAKDOWNS, TIME_BUCKETS, GroupBy
from api.regions import PATH_COLUMNS, child_length

ROLLUP_LENGTHS = frozenset({4, 6, 9})  # nodes the rollup keeps (migration 0011)
LOCAL_DAY = "((e.reported_at AT TIME ZONE 'Asia/Shanghai')::date)"
MEASURES = ("count", "open_count", "closed_count", "yellow_count", "red_count")


@dataclass(frozen=True)
class Row:
    key: str | None  # the breakdown's value (category key, status, source, child region code)
    period: date | None  # first day of the time bucket
    count: int
    open_count: int
    closed_count: int
    yellow_count: int
    red_count: int


def _bucket_sql(bucket: GroupBy | None, day: str) -> str:
    if bucket is None:
        return "NULL::date"
    if bucket is GroupBy.DAY:
        return day
    return f"date_trunc('{bucket.value}', {day})::date"


def _from_rollup(
    scope_code: str,
    first_day: date,
    last_day: date,
    breakdown: GroupBy | None,
    bucket: GroupBy | None,
) -> tuple[str, list[Any]]:
    if breakdown is GroupBy.CHILD_REGION:
        nodes_sql = "SELECT code FROM regions WHERE parent_code = $3"
        dimension, key = "total", "c.region_code"
    else:
        nodes_sql = "SELECT $3::varchar"
        dimension = breakdown.value if breakdown else "total"
        key = "c.value" if breakdown else "NULL::text"
    sums = ", ".join(f"sum(c.{m})::bigint AS {m}" for m in MEASURES)
    sql = (
        f"SELECT {key} AS key, {_bucket_sql(bucket, 'c.day')} AS period, {sums}"
        " FROM event_daily_counts AS c"
        f" WHERE c.region_code IN ({nodes_sql}) AND c.dimension = '{dimension}'"
        " AND c.day >= $1 AND c.day <= $2"
        " GROUP BY 1, 2 HAVING sum(c.count) <> 0 ORDER BY 1, 2"
    )
    return sql, [first_day, last_day, scope_code]


def _from_events(
    scope_code: str,
    first_day: date,
    last_day: date,
    breakdown: GroupBy | None,
    bucket: GroupBy | None,
) -> tuple[str, list[Any]]:
    # a grid's "children" are the grid itself
    child = child_length(scope_code) or len(scope_code)
    key = {
        None: "NULL::text",
        GroupBy.CATEGORY: "e.category_key",
        GroupBy.STATUS: "e.status",
        GroupBy.SOURCE: "e.source",
        GroupBy.CHILD_REGION: f"left(e.region_code, {child})",
    }[breakdown]
    extra = ""
    if breakdown is GroupBy.CHILD_REGION:
        extra = f" AND length(e.region_code) >= {child}"
    sql = (
        f"SELECT {key} AS key, {_bucket_sql(bucket, LOCAL_DAY)} AS period,"
        " count(*) AS count,"
        " count(*) FILTER (WHERE e.status NOT IN ('rejected', 'closed', 'evaluated')) AS open_count,"
        " count(*) FILTER (WHERE e.status IN ('closed', 'evaluated')) AS closed_count,"
        " count(*) FILTER (WHERE e.card = 'yellow') AS yellow_count,"
        " count(*) FILTER (WHERE e.card = 'red') AS red_count"
        " FROM events AS e"
        f" WHERE e.{PATH_COLUMNS[len(scope_code)]} = $1"
        f" AND e.reported_at >= $2 AND e.reported_at < $3{extra}"
        " AND e.merged_into_id IS NULL"  # an incident once, however often it was reported
        " GROUP BY 1, 2 ORDER BY 1, 2"
    )
    start = datetime.combine(first_day, time.min, LOCAL)
    end = datetime.combine(last_day + timedelta(days=1), time.min, LOCAL)
    return sql, [scope_code, start, end]


async def event_counts(
    *, scope_code: str, first_day: date, last_day: date, group_by: Sequence[GroupBy]
) -> list[Row]:
    """Counts of events reported in [first_day, last_day] under `scope_code`, grouped by at most
    one breakdown and one time bucket (validated by the caller)."""
    breakdown = next((g for g in group_by if g in BREAKDOWNS), None)
    bucket = next((g for g in group_by if g in TIME_BUCKETS), None)
    finest_in_rollup = len(scope_code) in ROLLUP_LENGTHS and (
        breakdown is not GroupBy.CHILD_REGION or child_length(scope_code) in ROLLUP_LENGTHS
    )
    build = _from_rollup if finest_in_rollup else _from_events
    sql, parameters = build(scope_code, first_day, last_day, breakdown, bucket)
    rows = await reading.rows(sql, parameters)
    return [
        Row(
            key=row["key"],
            period=row["period"],
            **{measure: int(row[measure]) for measure in MEASURES},
        )
        for row in rows
    ]
