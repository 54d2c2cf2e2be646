"""A new report written by one statement: the case number, the event, its first timeline row and
its outbox row, inserted together only if the reference data the caller used is still current.

One statement is one round trip and holds the rows every report of a district and day contends
for (its case counter, the city's rollup rows) only while PostgreSQL executes it: with the steps
as separate statements of a transaction, each report held them across a dozen round trips, and
concurrent reports queued behind each other at the speed of the busiest API process."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from tortoise import connections
from tortoise.models import Model

from api.domains.events.models import Event, TimelineEntry
from api.domains.events.reference import StageTerms, terms_sql
from api.outbox import OutboxMessage


def _cast(model: type[Model], name: str) -> str:
    # The column's own type, without a length: a cast to varchar(n) would silently truncate
    # where the insert itself must refuse.
    sql_type = model._meta.fields_map[name].get_for_dialect("postgres", "SQL_TYPE")
    return re.sub(r"\(.*\)", "", str(sql_type))


@cache
def _columns(model: type[Model]) -> tuple[str, ...]:
    """Fields written on insert (database-generated keys left out), in a fixed order."""
    generated = set(model._meta.generated_db_fields)
    return tuple(name for name in model._meta.fields_db_projection if name not in generated)


def _select_list(model: type[Model], prefix: str, overrides: dict[str, str]) -> tuple[str, str]:
    """(column list, select list) of an INSERT … SELECT of `model`; `overrides` replace the
    placeholder of a column with an expression around it (`{value}`)."""
    columns, select = [], []
    projection = model._meta.fields_db_projection
    for name in _columns(model):
        columns.append(projection[name])
        placeholder = f"{{{prefix}{name}}}"
        select.append(overrides.get(name, "{value}").format(value=placeholder))
    return ", ".join(columns), ", ".join(select)


# The counter's number, at least five digits (as f"{n:05d}" would write it).
NUMBER = "lpad(last_number::text, greatest(5, length(last_number::text)), '0')"


@cache
def _template() -> str:
    """The statement with named placeholders ({event.title} …), built once from the models."""
    event_columns, event_select = _select_list(
        Event,
        "event.",
        # the number comes from the counter; the parameter is the case number's prefix
        {"case_number": "{value} || " + NUMBER},
    )
    step_columns, step_select = _select_list(TimelineEntry, "step.", {})
    change_columns, change_select = _select_list(
        OutboxMessage,
        "change.",
        {"payload": "jsonb_set({value}, '{{event,case_number}}', to_jsonb(event.case_number))"},
    )
    terms = terms_sql(
        category="{terms.category}", stage="{terms.stage}", start="{day}", end="{terms.end}"
    )
    return f"""
WITH still_current AS (
    SELECT 1 FROM regions
     WHERE code = {{region}} AND is_active
       AND NOT EXISTS (SELECT 1 FROM events WHERE id = {{event.id}})
       AND {terms} = {{terms.text}}
), counter AS (
    INSERT INTO case_counters (region_code, day, last_number)
    SELECT {{district}}, {{day}}, 1 FROM still_current
        ON CONFLICT (region_code, day) DO UPDATE SET last_number = case_counters.last_number + 1
    RETURNING last_number
), event AS (
    INSERT INTO events ({event_columns}) SELECT {event_select} FROM counter
    RETURNING case_number
), step AS (
    INSERT INTO event_timeline ({step_columns}) SELECT {step_select} FROM event
), change AS (
    INSERT INTO outbox ({change_columns}) SELECT {change_select} FROM event
)
SELECT case_number FROM event"""


PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")


@cache
def _casts() -> dict[str, str]:
    casts = {
        "region": "varchar",
        "district": "varchar",
        "day": "date",
        "terms.category": "varchar",
        "terms.stage": "varchar",
        "terms.end": "date",
        "terms.text": "text",
    }
    for prefix, model in (("event.", Event), ("step.", TimelineEntry), ("change.", OutboxMessage)):
        for name in _columns(model):
            casts[prefix + name] = _cast(model, name)
    return casts


@cache
def _statement() -> tuple[str, list[str]]:
    """The statement with numbered, typed parameters, and the names of its parameters in order."""
    template = _template()
    names = list(dict.fromkeys(PLACEHOLDER.findall(template)))
    number = {name: position for position, name in enumerate(names, start=1)}
    casts = _casts()
    sql = PLACEHOLDER.sub(lambda match: f"${number[match[1]]}::{casts[match[1]]}", template)
    return sql, names


async def insert_report(
    *,
    event: Event,
    step: TimelineEntry,
    change: OutboxMessage,
    terms: StageTerms,
    district: str,
    day: date,
) -> str | None:
    """Write the report; its case number, or None if nothing was written because the region is
    gone or inactive, the event id is taken, or `terms` are out of date. `event.case_number`
    holds the case number's prefix; the outbox payload's gets the full one."""
    given: dict[str, Any] = {
        "region": event.region_code,
        "district": district,
        "day": day,
        "terms.category": terms.category_key,
        "terms.stage": terms.stage.value,
        "terms.end": terms.end,
        "terms.text": terms.text,
    }
    for prefix, instance in (("event.", event), ("step.", step), ("change.", change)):
        fields_map = instance._meta.fields_map
        for name in _columns(type(instance)):
            given[prefix + name] = fields_map[name].to_db_value(getattr(instance, name), instance)
    sql, names = _statement()
    rows = await connections.get("default").execute_query_dict(sql, [given[n] for n in names])
    return str(rows[0]["case_number"]) if rows else None
