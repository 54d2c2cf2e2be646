"""Indicator values (指标数据): a month's figure of a region, natural key (indicator, region,
month), entered by the region that reports it and submitted for sign-off as
`reportIndicatorValue` submits it (api/domains/economy/indicators.py).

Each row is checked as the mutation checks it: an active indicator, a month that has begun, a
region at the indicator's level that the importer may report for (the region's own centre or
staff), an exact figure ≥ 0 with at most 4 places; a value the level above has accepted or
locked is refused until it reopens it. A good row is written as the flow kernel writes the
mutation's: a new value is opened (its reporting clock to the due day) and submitted, an open
one (opened by the month's worker, returned or reopened) or a submitted one with another figure
or note is submitted again, its earlier figure kept in its history; the sign-off clock starts,
the version goes up, and each step gets its timeline row and its change message in the outbox,
in the import's one transaction. A row the same as the submitted value changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import asyncpg

from api import clock, money
from api.domains.economy import indicators
from api.domains.economy.flow import INDICATOR_VALUES
from api.domains.economy.models import FIGURE_DIGITS
from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import (
    Column,
    Derived,
    Invalid,
    Kind,
    Problem,
    Rejecter,
    RowContext,
    Writer,
    Written,
    region_code,
)
from api.errors import ValidationFailed
from api.flows.calendar import LOCAL
from api.i18n import _

MONTH: Final = re.compile(
    r"(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})\s*(?:月)?(?:\s*[-/.]\s*(\d{1,2})\s*日?)?"
)


def month(raw: str) -> dt.date:
    """A month as 2026-11, 2026/11, 202611, 2026年11月 or its first day (2026-11-01)."""
    found = MONTH.fullmatch(raw.strip())
    if found is None:
        raise Invalid(_("a month (YYYY-MM)"))
    year, number, day = int(found[1]), int(found[2]), found[3]
    if not 1 <= number <= 12 or (day is not None and int(day) != 1):
        raise Invalid(_("a month: YYYY-MM, or its first day"))
    period = dt.date(year, number, 1)
    if period > clock.now().astimezone(LOCAL).date():
        raise Invalid(_("the period has not begun"))
    return period


def figure(raw: str) -> Decimal:
    """An exact figure as `reportIndicatorValue` takes it (never through a float)."""
    try:
        return money.parse(
            raw, field="value", digits=FIGURE_DIGITS, places=indicators.FIGURE_PLACES
        )
    except ValidationFailed as error:
        raise Invalid(error.message) from None


# Python's datetime.isoformat() of a stored time (UTC), as the kernel writes one into a value's
# history: microseconds only when there are some.
ISO_UTC: Final = (
    "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
    "date_part('microseconds', {0})::int % 1000000 = 0 THEN '' "
    "ELSE to_char({0} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
)

# A value's snapshot in a change message (api/domains/economy/flow.py, ValueSnapshot).
SNAPSHOT: Final = (
    "jsonb_build_object('id', {r}.id::text, 'indicator_code', {r}.indicator_code, "
    "'region_code', {r}.region_code, 'status', {status}, 'due_at', {due}, 'card', {r}.card, "
    "'submitted_late', {late}, 'version', {version})"
)


def _change(action: str, note: str, snapshot: str) -> str:
    """A change message (api/flows/records.py, change_payload) of the step `action`."""
    return (
        f"jsonb_build_object('action', '{action}', 'at', $2::text, 'actor', $4::text, "
        f"'note', {note}, 'value', {snapshot})"
    )


WRITE: Final = f"""
WITH incoming AS (
    SELECT s.row_number, s.indicator_id, s.indicator AS indicator_code, s.region_code,
           s.period, s.value, coalesce(s.note, '') AS note, c.report_by, c.report_due,
           c.accept_due_at, c.accept_remind_at, c.accept_red_at, c.accept_due,
           t.id AS existing_id, t.status AS old_status
      FROM import_staging s
      JOIN import_value_clocks c ON c.indicator_id = s.indicator_id AND c.period = s.period
      LEFT JOIN economy_indicator_values t ON t.indicator_id = s.indicator_id
           AND t.region_code = s.region_code AND t.period = s.period
),
opened AS (
    INSERT INTO economy_indicator_values (id, indicator_id, indicator_code, region_code, period,
        value, report_by, note, submitted_by_id, submitted_at, submitted_late, history,
        created_at, updated_at, status, version, flow_version, stage, stage_started_at, due_at,
        remind_at, red_at, due_by_stage, card, warning_level)
    SELECT gen_random_uuid(), i.indicator_id, i.indicator_code, i.region_code, i.period,
           i.value, i.report_by, i.note, $3, $1, i.report_by < $1, '[]'::jsonb, $1, now(),
           'submitted', 2, $5, 'accept', $1, i.accept_due_at, i.accept_remind_at,
           i.accept_red_at, jsonb_build_object('report', i.report_due, 'accept', i.accept_due),
           'none', 0
      FROM incoming i WHERE i.existing_id IS NULL ORDER BY i.row_number
    RETURNING id, indicator_code, region_code, period, card, submitted_late, version
),
resubmitted AS (
    UPDATE economy_indicator_values t
       SET value = i.value, note = i.note, submitted_by_id = $3, submitted_at = $1,
           submitted_late = t.report_by < $1,
           history = CASE WHEN t.value IS NOT NULL AND t.value <> i.value
               THEN t.history || jsonb_build_array(jsonb_build_object(
                   'value', t.value::text,
                   'submitted_at', CASE WHEN t.submitted_at IS NULL THEN NULL
                       ELSE {ISO_UTC.format("t.submitted_at")} END))
               ELSE t.history END,
           status = 'submitted', stage = 'accept', stage_started_at = $1, warning_level = 0,
           due_at = i.accept_due_at, remind_at = i.accept_remind_at, red_at = i.accept_red_at,
           due_by_stage = t.due_by_stage || jsonb_build_object('accept', i.accept_due),
           version = t.version + 1, updated_at = now()
      FROM incoming i
     WHERE t.id = i.existing_id
       AND (t.status = 'open' OR (t.status = 'submitted'
            AND (t.value IS DISTINCT FROM i.value OR t.note IS DISTINCT FROM i.note)))
    RETURNING t.id, t.indicator_code, t.region_code, t.card, t.submitted_late, t.version,
              i.row_number, i.old_status, i.note, i.accept_due,
              (SELECT f.at FROM flow_timeline f WHERE f.record_id = t.id
                ORDER BY f.id DESC LIMIT 1) AS last_step
),
steps AS (
    -- each new value: its opening, then its submission; each other: its submission
    SELECT i.row_number, 1 AS step, o.id, o.indicator_code, o.region_code, 'open' AS action,
           NULL::text AS from_status, 'open' AS to_status, NULL::text AS from_region, '' AS note,
           NULL::int AS seconds_spent,
           {
    _change(
        "open",
        "''",
        SNAPSHOT.format(r="o", status="'open'", due="i.report_due", late="false", version="1"),
    )
} AS payload
      FROM opened o JOIN incoming i ON i.indicator_code = o.indicator_code
           AND i.region_code = o.region_code AND i.period = o.period
    UNION ALL
    SELECT i.row_number, 2, o.id, o.indicator_code, o.region_code, 'submit', 'open',
           'submitted', o.region_code, i.note, 0,
           {
    _change(
        "submit",
        "i.note",
        SNAPSHOT.format(
            r="o",
            status="'submitted'",
            due="i.accept_due",
            late="o.submitted_late",
            version="o.version",
        ),
    )
}
      FROM opened o JOIN incoming i ON i.indicator_code = o.indicator_code
           AND i.region_code = o.region_code AND i.period = o.period
    UNION ALL
    SELECT r.row_number, 2, r.id, r.indicator_code, r.region_code, 'submit', r.old_status,
           'submitted', r.region_code, r.note,
           trunc(extract(epoch FROM $1 - r.last_step))::int,
           {
    _change(
        "submit",
        "r.note",
        SNAPSHOT.format(
            r="r",
            status="'submitted'",
            due="r.accept_due",
            late="r.submitted_late",
            version="r.version",
        ),
    )
}
      FROM resubmitted r
),
timeline AS (
    INSERT INTO flow_timeline (flow, record_id, action, actor_id, actor_label, from_status,
        to_status, from_region_code, to_region_code, note, attachment_ids, seconds_spent, at)
    SELECT $6, id, action, $3, $4, from_status, to_status, from_region, region_code, note,
           '[]'::jsonb, seconds_spent, $1
      FROM steps ORDER BY row_number, step
),
changes AS (
    INSERT INTO outbox (topic, region_code, user_id, payload, created_at)
    SELECT $7, region_code, NULL, payload, now() FROM steps ORDER BY row_number, step
)
SELECT (SELECT count(*) FROM opened) AS inserted, (SELECT count(*) FROM resubmitted) AS updated
"""


class IndicatorValues(Kind):
    kind = ImportKind.INDICATOR_VALUES
    table = "economy_indicator_values"
    key = ("indicator", "region_code", "period")
    columns = (
        Column(
            "indicator",
            ("指标代码", "指标编码", "指标", "indicator", "indicator_code"),
            required=True,
            max_length=40,
            target=None,
        ),
        Column(
            "region_code",
            ("区划代码", "行政区划代码", "地区代码", "region_code", "region"),
            required=True,
            max_length=20,
            parse=region_code,
        ),
        Column(
            "period",
            ("月份", "统计月份", "期别", "period", "month"),
            required=True,
            parse=month,
            sql_type="date",
        ),
        Column(
            "value",
            ("数值", "指标值", "本月数", "value", "amount"),
            required=True,
            parse=figure,
            sql_type="numeric",
        ),
        Column("note", ("备注", "说明", "note"), max_length=indicators.MAX_NOTE),
    )
    derived = (Derived("indicator_id", "integer"),)

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        """Each region reports its own figures (as `reportIndicatorValue` checks the policy)."""
        region = values["region_code"]
        if not context.may("indicator_value", "report", region):
            return [
                (
                    "region_code",
                    RowErrorCode.NOT_ALLOWED,
                    f"the figures of {region} are reported by its own centre or staff",
                    region,
                )
            ]
        return []

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        """The indicator exists, the region is at its level, and the value is not signed off
        (the values a row names stay locked until the import commits)."""
        await reject(
            "SELECT s.row_number, 'indicator', 'UNKNOWN_REFERENCE', "
            "'no indicator ' || s.indicator, s.indicator FROM import_staging s "
            "WHERE NOT EXISTS (SELECT 1 FROM economy_indicators i "
            "WHERE i.code = s.indicator AND i.is_active)"
        )
        await connection.execute(
            "UPDATE import_staging s SET indicator_id = i.id FROM economy_indicators i "
            "WHERE i.code = s.indicator AND i.is_active"
        )
        await reject(
            "SELECT s.row_number, 'region_code', 'INVALID', "
            "i.code || ' is reported by ' || i.reporting_level || 's', s.region_code "
            "FROM import_staging s JOIN economy_indicators i ON i.id = s.indicator_id "
            "JOIN regions r ON r.code = s.region_code WHERE r.level <> i.reporting_level"
        )
        await connection.execute(
            "SELECT t.id FROM economy_indicator_values t JOIN import_staging s "
            "ON t.indicator_id = s.indicator_id AND t.region_code = s.region_code "
            "AND t.period = s.period ORDER BY t.id FOR UPDATE OF t"
        )
        await reject(
            "SELECT s.row_number, 'period', 'SIGNED_OFF', CASE t.status WHEN 'locked' "
            "THEN 'locked by the level above: it reopens the month for a correction' "
            "ELSE 'accepted by the level above: it reopens the month for a correction' END, "
            "to_char(s.period, 'YYYY-MM') FROM import_staging s "
            "JOIN economy_indicator_values t ON t.indicator_id = s.indicator_id "
            "AND t.region_code = s.region_code AND t.period = s.period "
            "WHERE t.status IN ('accepted', 'locked')"
        )

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        now = clock.now()
        batch = await connection.fetch(
            "SELECT DISTINCT i.id, i.code, i.due_day, s.period FROM import_staging s "
            "JOIN economy_indicators i ON i.id = s.indicator_id"
        )
        ids = {(row["code"], row["period"]): row["id"] for row in batch}
        clocks = await indicators.submission_clocks(
            [(row["code"], row["due_day"], row["period"]) for row in batch], now
        )
        await connection.execute(
            "CREATE TEMP TABLE import_value_clocks (indicator_id integer, period date, "
            "report_by timestamptz, report_due text, accept_due_at timestamptz, "
            "accept_remind_at timestamptz, accept_red_at timestamptz, accept_due text) "
            "ON COMMIT DROP"
        )
        await connection.copy_records_to_table(
            "import_value_clocks",
            records=[
                (
                    ids[key],
                    key[1],
                    found.report_by,
                    found.report_due,
                    found.accept_due_at,
                    found.accept_remind_at,
                    found.accept_red_at,
                    found.accept_due,
                )
                for key, found in clocks.items()
            ],
        )
        row = await connection.fetchrow(
            WRITE,
            now,
            now.isoformat(),
            writer.actor_id,
            writer.actor_label,
            INDICATOR_VALUES.version,
            INDICATOR_VALUES.name,
            INDICATOR_VALUES.topic,
        )
        return Written(inserted=row["inserted"], updated=row["updated"])
