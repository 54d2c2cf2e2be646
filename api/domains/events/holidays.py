"""China's statutory holidays and the weekend days worked in exchange (调休), seeded into the
work calendar from the `holidays` library (python-holidays, which adds each year's arrangement
once the State Council publishes it, usually in November).

A year counts as published when the library lists at least one 调休 working day for it: every
arrangement since 2008 has had some, while a year the library only projects by rule (the fixed
festival dates, with no exchanged weekends) would put deadlines around 春节 or 国庆 off by days.
Such a year is left unseeded, logged, and named by the dashboard until someone seeds it (a newer
library) or enters its days by hand. Only days that differ from the Monday–Friday week are
written: weekday holidays and worked weekend days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import holidays
import structlog
from tortoise import connections
from tortoise.transactions import in_transaction

from api import clock
from api.domains.events.enums import CalendarSource
from api.flows.calendar import LOCAL

log = structlog.get_logger(__name__)
WORKED_WEEKEND = "调休上班"
NAME_LENGTH = 50  # calendar_days.name


@dataclass
class SeedReport:
    seeded: dict[int, int] = field(default_factory=dict)  # year → national days it has now
    unpublished: list[int] = field(default_factory=list)  # years the library has no arrangement for


def national_days(year: int) -> dict[date, tuple[bool, str]] | None:
    """The days of `year` that differ from the Monday–Friday week (day → is it worked, its
    name), or None where the installed library has no published arrangement for the year."""
    china = holidays.China(years=year, language="zh_CN")
    worked = sorted(day for day in china.weekend_workdays if day.year == year)
    if not worked:
        return None
    days = {
        day: (False, name[:NAME_LENGTH])
        for day, name in china.items()
        if day.year == year and day.weekday() < 5
    }
    days.update((day, (True, WORKED_WEEKEND)) for day in worked)
    return days


async def seed(years: list[int]) -> SeedReport:
    """Write the national arrangement of each year, idempotently: the city's own days are
    never overwritten, and national days the library no longer lists are removed."""
    report = SeedReport()
    for year in sorted(set(years)):
        days = national_days(year)
        if days is None:
            report.unpublished.append(year)
            log.warning(
                "calendar.unpublished",
                year=year,
                library=f"holidays {holidays.__version__}",
                hint="upgrade the holidays package or enter the year's days by hand",
            )
            continue
        async with in_transaction() as connection:
            await connection.execute_query(
                "DELETE FROM calendar_days WHERE source = $1 AND day BETWEEN $2 AND $3"
                " AND NOT (day = ANY($4::date[]))",
                [CalendarSource.NATIONAL.value, date(year, 1, 1), date(year, 12, 31), list(days)],
            )
            # one statement for the year; a local day stays as the city entered it
            await connection.execute_query(
                "INSERT INTO calendar_days (day, is_workday, name, source)"
                " SELECT day, is_workday, name, $4 FROM unnest($1::date[], $2::bool[], $3::text[])"
                " AS given(day, is_workday, name)"
                " ON CONFLICT (day) DO UPDATE SET is_workday = excluded.is_workday,"
                " name = excluded.name WHERE calendar_days.source = excluded.source",
                [
                    list(days),
                    [worked for worked, _ in days.values()],
                    [name for _, name in days.values()],
                    CalendarSource.NATIONAL.value,
                ],
            )
        report.seeded[year] = len(days)
        log.info("calendar.seeded", year=year, days=len(days))
    return report


def current_years() -> list[int]:
    """This year and the next, in China time."""
    year = clock.now().astimezone(LOCAL).year
    return [year, year + 1]


async def seed_current_years() -> SeedReport:
    """Seed this year and the next (migrate, demo, the worker's monthly job)."""
    return await seed(current_years())


async def unseeded_years() -> list[int]:
    """Of this year and the next, those without a single national day: their holidays are
    missing unless the city entered them by hand."""
    years = current_years()
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT extract(year FROM day)::int AS year FROM calendar_days"
        " WHERE source = $1 AND day BETWEEN $2 AND $3",
        [CalendarSource.NATIONAL.value, date(years[0], 1, 1), date(years[-1], 12, 31)],
    )
    seeded = {int(row["year"]) for row in rows}
    return [year for year in years if year not in seeded]
