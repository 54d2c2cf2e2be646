"""Reference data of the loop, loaded as data: the two category dictionaries and default limits."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.audit.service import record
from api.domains.events.enums import (
    CalendarSource,
    CategoryScheme,
    DeadlineUnit,
    Stage,
    Verification,
)
from api.domains.events.models import CalendarDay, Category, DeadlineRule
from api.errors import NotFound, PermissionDenied, ValidationFailed
from api.flows.calendar import CALENDAR_REACH_DAYS, WorkCalendar
from api.i18n import _
from api.regions import Level, path_codes
from policies.enforcer import get_enforcer

DATA = Path(__file__).resolve().parent / "data"
SOURCES = {
    CategoryScheme.DISPUTE: DATA / "gbt31000_disputes.json",
    CategoryScheme.CITY: DATA / "city_management.json",
}
# Defaults for every category until a city sets its own (DeadlineRule rows with a category).
DEFAULT_LIMITS: dict[Stage, tuple[int, DeadlineUnit]] = {
    Stage.FILE: (2, DeadlineUnit.WORKING_HOURS),
    Stage.DISPATCH: (4, DeadlineUnit.WORKING_HOURS),
    Stage.HANDLE: (3, DeadlineUnit.WORKING_DAYS),
    Stage.VERIFY: (1, DeadlineUnit.WORKING_DAYS),
    Stage.CLOSE: (1, DeadlineUnit.WORKING_DAYS),
}


def category_key(scheme: CategoryScheme, code: str) -> str:
    return f"{scheme.value}.{code}"


def _categories() -> list[Category]:
    rows = []
    for scheme, path in SOURCES.items():
        for entry in json.loads(path.read_text(encoding="utf-8"))["codes"]:
            code = entry["code"]
            parent = category_key(scheme, code[:2]) if len(code) > 2 else None
            rows.append(
                Category(
                    key=category_key(scheme, code),
                    scheme=scheme,
                    code=code,
                    name=entry["name"],
                    parent_key=parent,
                    # 现场核查: results the grid's leader verifies on site (data, editable)
                    verification=Verification(entry.get("verification", Verification.DESK)),
                )
            )
    return rows


async def ensure_reference_data() -> None:
    """Insert what is missing (idempotent; a city's own edits are kept)."""
    async with in_transaction():
        existing = set(await Category.all().values_list("key", flat=True))
        await Category.bulk_create([c for c in _categories() if c.key not in existing])
        defaults = set(await DeadlineRule.filter(category_key=None).values_list("stage", flat=True))
        await DeadlineRule.bulk_create(
            [
                DeadlineRule(category_key=None, stage=stage, amount=amount, unit=unit)
                for stage, (amount, unit) in DEFAULT_LIMITS.items()
                if stage not in defaults
            ]
        )


async def rules_for(needs: Iterable[tuple[str, Stage]]) -> dict[tuple[str, Stage], DeadlineRule]:
    """For each (category, stage): the category's own limit for the stage, else the default one."""
    needs = set(needs)
    if not needs:
        return {}
    found = await DeadlineRule.filter(
        Q(category_key__in=list({category for category, _unused in needs})) | Q(category_key=None),
        stage__in=list({stage for _unused2, stage in needs}),
    )
    own = {(rule.category_key, rule.stage): rule for rule in found}
    chosen = {}
    for category, stage in needs:
        rule = own.get((category, stage)) or own.get((None, stage))
        if rule is None:
            amount, unit = DEFAULT_LIMITS[stage]
            rule = DeadlineRule(category_key=None, stage=stage, amount=amount, unit=unit)
        chosen[(category, stage)] = rule
    return chosen


async def rule_for(category: str, stage: Stage) -> DeadlineRule:
    """The category's own limit for the stage, else the default one."""
    return (await rules_for([(category, stage)]))[(category, stage)]


# ---------------------------------------------------------------- the terms of a new stage, cached


def terms_sql(*, category: str, stage: str, start: str, end: str) -> str:
    """SQL text of everything starting a stage's clock reads, given the placeholders of its
    parameters: whether the category is active and national (a region's extension takes the
    step-by-step path, which checks its region), the limit (the category's own, else the
    default, as rule_for chooses) and the calendar's exceptions from `start` to `end`. A
    statement compares it with the cached copy to write only while that copy is current."""
    return f"""concat_ws('|',
  coalesce((SELECT (is_active AND region_code IS NULL)::text FROM event_categories
            WHERE key = {category}), '-'),
  coalesce((SELECT concat_ws(',', amount, unit, reminder_share, red_share) FROM deadline_rules
            WHERE stage = {stage} AND (category_key = {category} OR category_key IS NULL)
            ORDER BY category_key NULLS LAST, id LIMIT 1), '-'),
  coalesce((SELECT string_agg(day::text || '=' || is_workday::text, ',' ORDER BY day)
            FROM calendar_days WHERE day BETWEEN {start} AND {end}), ''))"""


@dataclass(frozen=True, slots=True)
class StageTerms:
    """What starting `stage`'s clock for a category on `start` reads, as `text` (terms_sql)."""

    category_key: str
    stage: Stage
    start: date
    text: str
    category_active: bool
    rule: DeadlineRule
    calendar: WorkCalendar

    @property
    def end(self) -> date:
        return self.start + timedelta(days=CALENDAR_REACH_DAYS)

    @classmethod
    def parse(cls, category_key: str, stage: Stage, start: date, text: str) -> StageTerms:
        active, rule_text, days = text.split("|", 2)
        if rule_text == "-":
            amount, unit = DEFAULT_LIMITS[stage]
            rule = DeadlineRule(category_key=None, stage=stage, amount=amount, unit=unit)
        else:
            amount_text, unit_text, reminder_text, red_text = rule_text.split(",")
            rule = DeadlineRule(
                category_key=None,
                stage=stage,
                amount=int(amount_text),
                unit=DeadlineUnit(unit_text),
                reminder_share=float(reminder_text),
                red_share=float(red_text),
            )
        exceptions = {}
        for entry in days.split(",") if days else ():
            day, _unused, is_workday = entry.partition("=")
            exceptions[date.fromisoformat(day)] = is_workday == "true"
        return cls(
            category_key=category_key,
            stage=stage,
            start=start,
            text=text,
            category_active=active == "true",
            rule=rule,
            calendar=WorkCalendar(exceptions),
        )


# Reference data changes rarely and only by an administrator, so reports read it from here; a
# copy is never trusted blindly: the statement that writes a report compares it with the
# database (terms_sql) and writes nothing if it changed, and the caller then forgets it.
_TERMS: dict[tuple[str, Stage, date], StageTerms] = {}
_MAX_TERMS = 4096


async def stage_terms(category_key: str, stage: Stage, start: date) -> StageTerms:
    """The terms of `stage` for the category from `start`: cached, else read (one statement)."""
    key = (category_key, stage, start)
    terms = _TERMS.get(key)
    if terms is None:
        sql = terms_sql(category="$1", stage="$2", start="$3", end="$4")
        rows = await connections.get("default").execute_query_dict(
            f"SELECT {sql} AS terms",
            [category_key, stage.value, start, start + timedelta(days=CALENDAR_REACH_DAYS)],
        )
        terms = StageTerms.parse(category_key, stage, start, rows[0]["terms"])
        if len(_TERMS) >= _MAX_TERMS:
            _TERMS.clear()  # yesterday's keys and stray categories: start afresh
        _TERMS[key] = terms
    return terms


def forget_terms(terms: StageTerms) -> None:
    """The database no longer matches this copy: read afresh next time."""
    _TERMS.pop((terms.category_key, terms.stage, terms.start), None)


# ---------------------------------------------------------------- administration (city-wide)


def _authorize_citywide(actor: Principal, obj: str) -> str:
    """Rules and the calendar apply to the whole installation: a city-level admin sets them.
    Returns the city code the change is filed under in the audit log."""
    enforcer = get_enforcer()
    for assignment in actor.assignments:
        if Level.of_code(assignment.region_code) is Level.CITY and enforcer.allows(
            assignment.role, Level.CITY, obj, "update", at=assignment.region_code
        ):
            return assignment.region_code
    raise PermissionDenied(
        _("only a city administrator may change the {replace}s", replace=obj.replace("_", " "))
    )


async def set_deadline_rule(
    *,
    actor: Principal,
    category_key: str | None,
    stage: Stage,
    amount: int,
    unit: DeadlineUnit,
    reminder_share: float = 0.8,
    red_share: float = 1.5,
) -> DeadlineRule:
    """Create or change the limit of a stage for a category (or the default, without one)."""
    city = _authorize_citywide(actor, "deadline_rule")
    if not 1 <= amount <= 10_000:
        raise ValidationFailed(_("amount is 1 to 10,000"), field="amount")
    if not 0 < reminder_share < 1:
        raise ValidationFailed(
            _("the reminder comes before the deadline: 0 < share < 1"), field="reminderShare"
        )
    if not 1 < red_share <= 10:
        raise ValidationFailed(
            _("the red card comes after the deadline: 1 < share ≤ 10"), field="redShare"
        )
    if category_key is not None and not await Category.exists(key=category_key):
        raise NotFound("category", category_key, field="categoryKey")
    async with in_transaction():
        rule = (
            await DeadlineRule.filter(category_key=category_key, stage=stage)
            .select_for_update()
            .first()
        )
        if rule is None:
            rule = DeadlineRule(category_key=category_key, stage=stage)
        rule.update_from_dict(
            {
                "amount": amount,
                "unit": unit,
                "reminder_share": reminder_share,
                "red_share": red_share,
            }
        )
        await rule.save()
        await record(
            actor=actor,
            action="deadline_rule.set",
            object_type="deadline_rule",
            object_id=f"{category_key or '*'}:{stage.value}",
            region_code=city,
            detail={
                "amount": amount,
                "unit": unit.value,
                "reminder_share": reminder_share,
                "red_share": red_share,
            },
        )
    return rule


async def set_calendar_day(
    *, actor: Principal, day: date, is_workday: bool, name: str
) -> CalendarDay:
    """Mark a holiday, or a weekend day that is worked (调休); limits computed later follow it.
    The entry is the city's own (LOCAL): it overrides a seeded national day, and no later
    seeding overwrites it."""
    city = _authorize_citywide(actor, "calendar")
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 50:
        raise ValidationFailed(_("name must have 1 to 50 characters"), field="name")
    async with in_transaction():
        entry = await CalendarDay.get_or_none(day=day)
        if entry is None:
            entry = CalendarDay(
                day=day, is_workday=is_workday, name=cleaned, source=CalendarSource.LOCAL
            )
            await entry.save(force_create=True)
        else:
            entry.is_workday, entry.name = is_workday, cleaned
            entry.source = CalendarSource.LOCAL
            await entry.save()
        await record(
            actor=actor,
            action="calendar.set",
            object_type="calendar",
            object_id=day.isoformat(),
            region_code=city,
            detail={"is_workday": is_workday, "name": cleaned},
        )
    return entry


async def remove_calendar_day(*, actor: Principal, day: date) -> None:
    """Back to the ordinary week for that day (the city's own days only: a national day would
    come back with the next seeding, so it is overridden by setting the day instead)."""
    city = _authorize_citywide(actor, "calendar")
    async with in_transaction():
        entry = await CalendarDay.get_or_none(day=day)
        if entry is None:
            raise NotFound("calendar day", day.isoformat(), field="day")
        if entry.source == CalendarSource.NATIONAL:
            raise ValidationFailed(
                _(
                    "a national holiday arrangement day is not removed (the next seeding would restore it): set the day as a working day or holiday of your own instead"
                ),
                field="day",
            )
        await entry.delete()
        await record(
            actor=actor,
            action="calendar.remove",
            object_type="calendar",
            object_id=day.isoformat(),
            region_code=city,
        )


async def categories(
    *,
    scheme: CategoryScheme | None = None,
    parent_key: str | None = None,
    region_code: str | None = None,
) -> list[Category]:
    """Active categories of one dictionary or both, under `parent_key` if given (≤ 500): the
    national codes, and with `region_code` the extensions of that region and those above it."""
    regions = path_codes(region_code) if region_code and Level.of_code(region_code) else []
    query = Category.filter(Q(region_code=None) | Q(region_code__in=regions), is_active=True)
    if scheme is not None:
        query = query.filter(scheme=scheme)
    if parent_key:
        query = query.filter(parent_key=parent_key)
    return await query.order_by("key").limit(500)


async def deadline_rules(*, category_key: str | None = None) -> list[DeadlineRule]:
    """The defaults and per-category time limits, or one category's (≤ 1,000)."""
    query = DeadlineRule.all()
    if category_key is not None:
        query = query.filter(category_key__in=[category_key])
    return await query.order_by("category_key", "stage").limit(1000)


async def calendar_days(*, start: date, end: date) -> list[CalendarDay]:
    if end < start or (end - start).days > 800:
        raise ValidationFailed(_("give a period of at most 800 days"), field="to")
    return await CalendarDay.filter(day__gte=start, day__lte=end).order_by("day")
