"""Reference data of the loop, loaded as data: the two category dictionaries and default limits."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tortoise.transactions import in_transaction

from api.domains.events.deadlines import WorkCalendar
from api.domains.events.enums import CategoryScheme, DeadlineUnit, Stage
from api.domains.events.models import CalendarDay, Category, DeadlineRule

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


async def rule_for(category: str, stage: Stage) -> DeadlineRule:
    """The category's own limit for the stage, else the default one."""
    rules = await DeadlineRule.filter(stage=stage, category_key__in=[category]).first()
    if rules is None:
        rules = await DeadlineRule.filter(stage=stage, category_key=None).first()
    if rules is None:
        amount, unit = DEFAULT_LIMITS[stage]
        rules = DeadlineRule(category_key=None, stage=stage, amount=amount, unit=unit)
    return rules


async def calendar_from(start: date, days: int = 400) -> WorkCalendar:
    """The calendar's exceptions for the period a limit can reach."""
    rows = await CalendarDay.filter(day__gte=start, day__lte=start + timedelta(days=days))
    return WorkCalendar({row.day: row.is_workday for row in rows})
