"""Statistics of approvals per item or per implementing department (on-time rate, average time
to decision), by a versioned formula: a rate from fewer decisions than the minimum is not given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final

from tortoise import connections

from api import clock
from api.auth import Principal
from api.errors import ValidationFailed
from api.flows.calendar import LOCAL
from api.i18n import _
from api.regions import Level, subtree_sql
from policies.enforcer import authorize

# 2026.1: on time = decided (approved or refused) by the promised limit counted in working days
# from filing; average time = filing to decision, natural hours; overdue = waiting for staff past
# the running step's limit now.
FORMULA_VERSION: Final = "approvals.2026.1"
MINIMUM_DECIDED: Final = 5
MAX_PERIOD_DAYS: Final = 366


class Grouping(StrEnum):
    ITEM = "item"
    DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class Figures:
    key: str  # the item's or department's id ("" for items without a department)
    label: str
    applications: int
    decided: int
    approved: int
    refused: int
    on_time: int
    overdue: int
    average_hours: float | None
    on_time_rate: float | None  # None below the minimum of decisions


@dataclass(frozen=True, slots=True)
class Report:
    formula_version: str
    minimum_decided: int
    rows: list[Figures]


GROUPS: Final = {
    Grouping.ITEM: ("i.id::text", "i.name"),
    Grouping.DEPARTMENT: ("coalesce(i.department_id::text, '')", "coalesce(d.name, '')"),
}


async def statistics(
    *, actor: Principal, region_code: str, start: date, end: date, by: Grouping
) -> Report:
    """Figures of the applications filed in `region_code`'s subtree from `start` to `end`
    (local days, both included)."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(_("not a region code"), field="regionCode")
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("a period of 1 to {MAX_PERIOD_DAYS} days", MAX_PERIOD_DAYS=MAX_PERIOD_DAYS),
            field="to",
        )
    authorize(actor.assignments, "application", "read", at=region_code)
    key, label = GROUPS[by]
    rows = await connections.get("default").execute_query_dict(
        f"""
        SELECT {key} AS key, {label} AS label, count(*) AS applications,
            count(*) FILTER (WHERE a.decided_at IS NOT NULL) AS decided,
            count(*) FILTER (WHERE a.decided_at IS NOT NULL AND a.status <> 'refused') AS approved,
            count(*) FILTER (WHERE a.status = 'refused') AS refused,
            count(*) FILTER (WHERE a.decided_at <= a.promised_due_at) AS on_time,
            count(*) FILTER (WHERE a.status IN ('in_review', 'approved', 'ready_for_collection')
                             AND a.due_at < $4) AS overdue,
            avg(extract(epoch FROM a.decided_at - a.created_at)) / 3600 AS average_hours
        FROM applications a
        JOIN approval_items i ON i.id = a.item_id
        LEFT JOIN departments d ON d.id = i.department_id
        WHERE {subtree_sql("a.region_code", "$1")} AND a.created_at >= $2 AND a.created_at < $3
        GROUP BY 1, 2
        ORDER BY 2, 1
        """,
        [
            region_code,
            datetime.combine(start, time(), LOCAL),
            datetime.combine(end + timedelta(days=1), time(), LOCAL),
            clock.now(),
        ],
    )
    return Report(
        formula_version=FORMULA_VERSION,
        minimum_decided=MINIMUM_DECIDED,
        rows=[
            Figures(
                key=row["key"],
                label=row["label"],
                applications=row["applications"],
                decided=row["decided"],
                approved=row["approved"],
                refused=row["refused"],
                on_time=row["on_time"],
                overdue=row["overdue"],
                average_hours=(
                    round(float(row["average_hours"]), 1)
                    if row["average_hours"] is not None
                    else None
                ),
                on_time_rate=(
                    round(row["on_time"] / row["decided"], 4)
                    if row["decided"] >= MINIMUM_DECIDED
                    else None
                ),
            )
            for row in rows
        ],
    )
