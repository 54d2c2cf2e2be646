"""The counts behind the formulas, gathered per subject in SQL (one pass per question).

Callers have already authorised the scope; everything here is a pure read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson

from api.domains.events.deadlines import LOCAL
from api.domains.stats import reading
from api.domains.stats.enums import SubjectKind
from api.domains.stats.formulas import SATISFIED_FROM, Figures
from api.regions import PATH_COLUMNS, child_length

# The action that ends each stage (api/domains/events/workflow.py).
STAGE_OF_ACTION = {
    "file": "file",
    "assign": "dispatch",
    "submit": "handle",
    "verify": "verify",
    "verify_on_site": "verify",  # 现场核查 ends the same stage
    "close": "close",
}
HANDLED = "('handled', 'verified', 'closed', 'evaluated')"
CLOSED = "('closed', 'evaluated')"


@dataclass(frozen=True)
class Population:
    """Which cases: reported in [first_day, last_day] (China time) and either in the subtree of
    `scope_code` or assigned to `assignee_user_id` (a person's own figures)."""

    first_day: date
    last_day: date
    scope_code: str | None = None
    assignee_user_id: uuid.UUID | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, LOCAL)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, LOCAL)


def _subject(kind: SubjectKind | None, scope_code: str | None) -> tuple[str, str]:
    """(SQL of the subject key, extra condition) for grouping cases."""
    if kind is None:
        return "''", ""
    if kind is SubjectKind.DEPARTMENT:
        return "e.assignee_department_id::text", "AND e.assignee_department_id IS NOT NULL"
    if kind is SubjectKind.WORKER:
        return "e.assignee_user_id::text", "AND e.assignee_user_id IS NOT NULL"
    assert scope_code is not None
    child = child_length(scope_code)
    assert child is not None, "a grid has no child regions to rank"
    return f"left(e.region_code, {child})", f"AND length(e.region_code) >= {child}"


def _cases_sql(population: Population, kind: SubjectKind | None) -> tuple[str, list[Any]]:
    key, extra = _subject(kind, population.scope_code)
    parameters: list[Any] = [population.start, population.end]
    # a merged report (重复件) is its main event's case, counted once there
    conditions = [
        "e.reported_at >= $1",
        "e.reported_at < $2",
        "e.filed_at IS NOT NULL",
        "e.merged_into_id IS NULL",
    ]
    if population.scope_code is not None:
        parameters.append(population.scope_code)
        conditions.append(f"e.{PATH_COLUMNS[len(population.scope_code)]} = ${len(parameters)}")
    if population.assignee_user_id is not None:
        parameters.append(population.assignee_user_id)
        conditions.append(f"e.assignee_user_id = ${len(parameters)}")
    sql = (
        f"SELECT e.id, {key} AS subject, e.status, e.rework_count, e.satisfaction,"
        " e.due_by_stage ? 'handle' AS dispatched"
        f" FROM events AS e WHERE {' AND '.join(conditions)} {extra}"
    )
    return sql, parameters


FIGURES_SQL = """
WITH cases AS ({cases}),
cards AS (
  SELECT c.event_id,
         bool_or(c.stage = 'handle') AS handle_carded,
         bool_or(c.stage = 'handle' AND x.id IS NULL) AS handle_counted,
         count(*) FILTER (WHERE x.id IS NULL AND c.card = 'yellow') AS yellow,
         count(*) FILTER (WHERE x.id IS NULL AND c.card = 'red') AS red
    FROM event_cards AS c
    JOIN cases ON cases.id = c.event_id
    LEFT JOIN LATERAL (
      SELECT s.id FROM stats_exemptions AS s
       WHERE s.event_id = c.event_id AND (s.card_id IS NULL OR s.card_id = c.id) LIMIT 1
    ) AS x ON true
   GROUP BY c.event_id
),
returned AS (
  SELECT DISTINCT t.event_id FROM event_timeline AS t
    JOIN cases ON cases.id = t.event_id
   WHERE t.action = 'return'
),
-- Stage time: between consecutive status changes (accepting is inside the handle stage).
steps AS (
  SELECT t.event_id, t.action, t.at,
         lag(t.at) OVER (PARTITION BY t.event_id ORDER BY t.id) AS previous_at
    FROM event_timeline AS t
    JOIN cases ON cases.id = t.event_id
   WHERE t.from_status IS DISTINCT FROM t.to_status AND t.action <> 'accept'
),
stage_totals AS (
  SELECT subject, jsonb_object_agg(action, jsonb_build_array(seconds, steps)) AS stages
    FROM (SELECT cases.subject, steps.action,
                 sum(extract(epoch FROM steps.at - steps.previous_at))::float AS seconds,
                 count(*) AS steps
            FROM steps JOIN cases ON cases.id = steps.event_id
           WHERE steps.previous_at IS NOT NULL
             AND steps.action IN ('file', 'assign', 'submit', 'verify', 'verify_on_site', 'close')
           GROUP BY 1, 2) AS per_action
   GROUP BY subject
),
per_subject AS (
  SELECT cases.subject,
         count(*) AS cases,
         count(*) FILTER (WHERE status IN {closed}) AS closed,
         count(*) FILTER (WHERE status IN {closed} AND coalesce(yellow + red, 0) = 0)
           AS closed_on_time,
         count(*) FILTER (WHERE dispatched
                            AND (status IN {handled} OR coalesce(handle_carded, false)))
           AS due_to_handle,
         count(*) FILTER (WHERE dispatched AND status IN {handled}
                            AND NOT coalesce(handle_counted, false)) AS handled_on_time,
         count(*) FILTER (WHERE status IN {handled} OR rework_count > 0) AS handled,
         count(*) FILTER (WHERE rework_count > 0) AS reworked,
         count(*) FILTER (WHERE dispatched) AS dispatched,
         count(returned.event_id) AS returned,
         count(satisfaction) AS rated,
         coalesce(sum(satisfaction), 0) AS rating_sum,
         count(*) FILTER (WHERE satisfaction >= {satisfied}) AS satisfied,
         coalesce(sum(yellow), 0) AS yellow_cards,
         coalesce(sum(red), 0) AS red_cards,
         count(*) FILTER (WHERE coalesce(yellow + red, 0) > 0) AS overdue
    FROM cases
    LEFT JOIN cards ON cards.event_id = cases.id
    LEFT JOIN returned ON returned.event_id = cases.id
   GROUP BY cases.subject
)
SELECT per_subject.*, stage_totals.stages
  FROM per_subject LEFT JOIN stage_totals ON stage_totals.subject = per_subject.subject
"""


async def gather(population: Population, kind: SubjectKind | None = None) -> dict[str, Figures]:
    """Figures per subject key (the whole population under '' when `kind` is None)."""
    cases, parameters = _cases_sql(population, kind)
    rows = await reading.rows(
        FIGURES_SQL.format(cases=cases, closed=CLOSED, handled=HANDLED, satisfied=SATISFIED_FROM),
        parameters,
    )
    result: dict[str, Figures] = {}
    for row in rows:
        subject, stages = row.pop("subject"), row.pop("stages")
        figures = Figures()
        for name, value in row.items():
            setattr(figures, name, int(value))
        if isinstance(stages, str):
            stages = orjson.loads(stages)
        for action, (seconds, steps) in (stages or {}).items():
            stage = STAGE_OF_ACTION[action]
            figures.stage_seconds[stage] = figures.stage_seconds.get(stage, 0.0) + float(seconds)
            figures.stage_steps[stage] = figures.stage_steps.get(stage, 0) + int(steps)
        result[subject] = figures
    if kind is SubjectKind.DEPARTMENT:
        for subject, cohandled in await _cohandled(population):
            result.setdefault(subject, Figures()).cohandled = cohandled
    if kind is SubjectKind.WORKER or population.assignee_user_id is not None:
        for subject, reported in await _reported(population, kind):
            result.setdefault(subject, Figures()).reported = reported
        for row in await _diary_facts(population, kind):
            figures = result.setdefault(row["subject"], Figures())
            figures.diaries_written = int(row["diaries"])
            figures.households_visited = int(row["visits"])
            figures.quota_shortfalls = int(row["missed"])
    return result


async def _cohandled(population: Population) -> Sequence[tuple[str, int]]:
    """The period's cases each department co-handled (协办), one per event: a task not withdrawn,
    or withdrawn after its part was reported (the work was done)."""
    cases, parameters = _cases_sql(population, None)
    rows = await reading.rows(
        f"SELECT c.department_id::text AS subject, count(DISTINCT c.event_id) AS cohandled"
        f" FROM event_cohandlings AS c JOIN ({cases}) AS cases ON cases.id = c.event_id"
        " WHERE c.status <> 'withdrawn' OR c.reported_at IS NOT NULL GROUP BY 1",
        parameters,
    )
    return [(row["subject"], int(row["cohandled"])) for row in rows]


async def _reported(population: Population, kind: SubjectKind | None) -> Sequence[tuple[str, int]]:
    """Events each person reported in the period (filed or not)."""
    parameters: list[Any] = [population.start, population.end]
    conditions = ["reported_at >= $1", "reported_at < $2", "reporter_id IS NOT NULL"]
    if population.scope_code is not None:
        parameters.append(population.scope_code)
        conditions.append(f"{PATH_COLUMNS[len(population.scope_code)]} = ${len(parameters)}")
    if population.assignee_user_id is not None:
        parameters.append(population.assignee_user_id)
        conditions.append(f"reporter_id = ${len(parameters)}")
    key = "reporter_id::text" if kind is SubjectKind.WORKER else "''"
    rows = await reading.rows(
        f"SELECT {key} AS subject, count(*) AS reported FROM events"
        f" WHERE {' AND '.join(conditions)} GROUP BY 1",
        parameters,
    )
    return [(row["subject"], int(row["reported"])) for row in rows]


# A person's diaries, visits and quota shortfalls (tables of api/domains/diaries): facts the
# points rules price like any other. A shortfall counts in the period its quota period ended.
DIARY_FACTS_SQL = """
WITH facts AS (
  SELECT author_id AS user_id, 1 AS diaries, 0 AS visits, 0 AS missed FROM diaries
   WHERE day BETWEEN $1 AND $2 AND status <> 'returned' {diary_where}
  UNION ALL
  SELECT user_id, 0, 1, 0 FROM household_visits
   WHERE visited_at >= $3 AND visited_at < $4 {visit_where}
  UNION ALL
  SELECT user_id, 0, 0, missed FROM diary_quota_assessments
   WHERE period_end BETWEEN $1 AND $2 AND missed > 0 {assessment_where}
)
SELECT {key} AS subject, sum(diaries) AS diaries, sum(visits) AS visits, sum(missed) AS missed
  FROM facts GROUP BY 1
"""


async def _diary_facts(population: Population, kind: SubjectKind | None) -> list[dict[str, Any]]:
    parameters: list[Any] = [
        population.first_day,
        population.last_day,
        population.start,
        population.end,
    ]
    wheres = {"diary_where": "", "visit_where": "", "assessment_where": ""}
    if population.scope_code is not None:
        parameters.append(population.scope_code)
        scope = f"AND starts_with(region_code, ${len(parameters)})"
        wheres = dict.fromkeys(wheres, scope)
    if population.assignee_user_id is not None:
        parameters.append(population.assignee_user_id)
        wheres["diary_where"] += f" AND author_id = ${len(parameters)}"
        wheres["visit_where"] += f" AND user_id = ${len(parameters)}"
        wheres["assessment_where"] += f" AND user_id = ${len(parameters)}"
    key = "user_id::text" if kind is SubjectKind.WORKER else "''"
    return await reading.rows(DIARY_FACTS_SQL.format(key=key, **wheres), parameters)
