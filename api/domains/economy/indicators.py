"""Indicators (指标) and their values signed off level by level (the DHIS2 data-approval
pattern): the reporting region enters and submits a month's value by the indicator's due day,
the level above accepts (or returns) it and locks it; only the level above reopens it. A
parent's figure adds up its signed-off children only, and says which are missing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock, money
from api.auth import Principal
from api.domains.economy.enums import Aggregation, ValueAction, ValueStage, ValueStatus
from api.domains.economy.flow import INDICATOR_VALUES, end_of_day
from api.domains.economy.models import FIGURE_DIGITS, Indicator, IndicatorValue
from api.domains.economy.scope import (
    by_id_page,
    check,
    month,
    months_between,
    next_month,
    readable,
    region,
)
from api.domains.hierarchy.models import Region
from api.errors import ErrorCode, NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.flows import SYSTEM, moves
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level

FIGURE_PLACES: Final = 4
MAX_NOTE: Final = 2000
MAX_MONTHS: Final = 36  # a trend of three years, with the year before each for comparison
REOPEN_TIME: Final = timedelta(days=3)  # a reopened month's time to correct it
SIGNED_OFF: Final = frozenset({ValueStatus.ACCEPTED.value, ValueStatus.LOCKED.value})


@dataclass(frozen=True, slots=True)
class Definition:
    code: str
    name: str
    unit: str
    aggregation: Aggregation
    reporting_level: Level
    due_day: int
    currency: str | None = None


def _text(value: str, *, field: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise ValidationFailed(
            _("{field} is 1 to {limit} characters", field=field, limit=limit), field=field
        )
    return cleaned


async def define(*, actor: Principal, definition: Definition) -> Indicator:
    """A new indicator definition (the city's, as data)."""
    check(actor, "indicator", "define", at=_city_of(actor))
    code = _text(definition.code, field="code", limit=40)
    if not code.replace("_", "").replace(".", "").isalnum() or not code.isascii():
        raise ValidationFailed(_("code is letters, digits, _ and ."), field="code")
    if not 1 <= definition.due_day <= 28:
        raise ValidationFailed(_("dueDay is 1 to 28 (every month has it)"), field="dueDay")
    if definition.reporting_level is Level.CITY:
        raise ValidationFailed(_("a city's figure adds up its districts'"), field="reportingLevel")
    try:
        return await Indicator.create(
            code=code,
            name=_text(definition.name, field="name", limit=100),
            unit=_text(definition.unit, field="unit", limit=20),
            currency=None if definition.currency is None else money.currency(definition.currency),
            aggregation=definition.aggregation.value,
            reporting_level=definition.reporting_level.value,
            due_day=definition.due_day,
            created_at=clock.now(),
        )
    except IntegrityError as error:
        raise ValidationFailed(
            _("indicator {code} exists", code=code), field="code", code=ErrorCode.ALREADY_EXISTS
        ) from error


def _city_of(actor: Principal) -> str:
    """Definitions are the city's: the city of the caller's first assignment."""
    if not actor.assignments:
        raise NotFound("indicator", "")
    return actor.assignments[0].region_code[: Level.CITY.code_length]


async def indicators() -> list[Indicator]:
    return await Indicator.filter(is_active=True).order_by("code")


async def indicator(code: str) -> Indicator:
    found = await Indicator.get_or_none(code=code, is_active=True)
    if found is None:
        raise NotFound("indicator", code, field="indicator")
    return found


def report_by(definition: Indicator, period: date) -> datetime:
    """The end of the indicator's due day in the month after the period (China time)."""
    return _report_by(definition.due_day, period)


def _report_by(due_day: int, period: date) -> datetime:
    following = next_month(period)
    return end_of_day(date(following.year, following.month, due_day))


@dataclass(frozen=True, slots=True)
class SubmissionClocks:
    """The clocks `submit` gives values of one indicator and month, for writing many at once
    (an import): the reporting deadline a new value opens with, and the sign-off stage its
    submission starts, each as the kernel computes it (`start_stage`)."""

    report_by: datetime
    report_due: str  # the reporting stage's due time as the open step's change message says it
    accept_due_at: datetime
    accept_remind_at: datetime
    accept_red_at: datetime
    accept_due: str  # as the submit step's change message says it


async def submission_clocks(
    batch: Sequence[tuple[str, int, date]], now: datetime
) -> dict[tuple[str, date], SubmissionClocks]:
    """For each (indicator code, its due day, month): the clocks of a value submitted `now`."""
    found = {}
    for code_, due_day, period in batch:
        record = IndicatorValue(
            indicator_code=code_, report_by=_report_by(due_day, period), due_by_stage={}
        )
        await moves.start_stage(INDICATOR_VALUES, record, ValueStage.REPORT, now)
        report_due = record.due_by_stage[ValueStage.REPORT.value]
        await moves.start_stage(INDICATOR_VALUES, record, ValueStage.ACCEPT, now)
        assert record.due_at and record.remind_at and record.red_at
        found[(code_, period)] = SubmissionClocks(
            report_by=record.report_by,
            report_due=report_due,
            accept_due_at=record.due_at,
            accept_remind_at=record.remind_at,
            accept_red_at=record.red_at,
            accept_due=record.due_by_stage[ValueStage.ACCEPT.value],
        )
    return found


def _new_value(definition: Indicator, region_code: str, period: date) -> IndicatorValue:
    return IndicatorValue(
        id=uuid.uuid4(),
        indicator_id=definition.id,
        indicator_code=definition.code,
        region_code=region_code,
        period=period,
        status=ValueStatus.OPEN.value,
        report_by=report_by(definition, period),
        flow_version=INDICATOR_VALUES.version,
        created_at=clock.now(),
    )


def _not_future(period: date) -> None:
    if period > clock.now().astimezone(LOCAL).date():
        raise ValidationFailed(_("the period has not begun"), field="period")


async def open_period(*, actor: Principal, code: str, period: date, scope: str) -> int:
    """Open a month for every active region under `scope` that reports the indicator (once
    each): their deadlines start, so a region that never reports is carded. Returns how many
    were opened."""
    definition = await indicator(code)
    period = month(period)
    _not_future(period)
    scope = region(scope, field="scope")
    check(actor, "indicator_value", "open", at=scope, field="scope")
    expected = await _reporting_regions(scope, Level(definition.reporting_level))
    return await _open(definition, period, expected, actor=actor)


async def _open(
    definition: Indicator, period: date, regions: Sequence[str], *, actor: Principal
) -> int:
    """Start a value record (its reporting clock running) for each region lacking one."""
    existing = set(
        await IndicatorValue.filter(
            indicator_id=definition.id, period=period, region_code__in=list(regions)
        ).values_list("region_code", flat=True)
    )
    opened = 0
    for code_ in regions:
        if code_ in existing:
            continue
        await moves.start(
            INDICATOR_VALUES,
            _new_value(definition, code_, period),
            actor=actor,
            action=ValueAction.OPEN,
            stage=ValueStage.REPORT,
        )
        opened += 1
    return opened


async def open_last_month(today: date) -> int:
    """Open the month before `today` of every indicator in use for every active region that
    reports it (the worker's daily job: idempotent, and an indicator defined mid-month is
    opened the next day); returns the values opened."""
    period = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    opened = 0
    for definition in await indicators():
        regions = [
            str(code)
            for code in await Region.filter(
                level=Level(definition.reporting_level), is_active=True
            ).values_list("code", flat=True)
        ]
        opened += await _open(definition, period, regions, actor=SYSTEM)
    return opened


async def _reporting_regions(scope: str, level: Level) -> list[str]:
    """The active regions at `level` under `scope` (the scope itself at that level)."""
    scope_level = Level.of_code(scope)
    assert scope_level is not None
    if scope_level.code_length > level.code_length:
        raise ValidationFailed(
            _(
                "the indicator is reported by {value}s: choose a scope at or above",
                value=level.value,
            ),
            field="scope",
        )
    return [
        str(code)
        for code in await Region.filter(
            code__startswith=scope, level=level, is_active=True
        ).values_list("code", flat=True)
    ]


async def submit(
    *,
    actor: Principal,
    code: str,
    region_code: str,
    period: date,
    value: str,
    note: str = "",
    version: int | None = None,
) -> IndicatorValue:
    """Enter and submit a region's value for a month (again, while the level above has not
    accepted it); a locked or accepted value is refused until the level above reopens it."""
    definition = await indicator(code)
    period = month(period)
    _not_future(period)
    region_code = region(region_code)
    if Level.of_code(region_code) is not Level(definition.reporting_level):
        raise ValidationFailed(
            _(
                "{code} is reported by {reporting_level}s",
                code=definition.code,
                reporting_level=definition.reporting_level,
            ),
            field="regionCode",
        )
    try:
        check(actor, "indicator_value", "report", at=region_code)
    except PermissionDenied as error:
        # in the caller's area but another level's to report: say so, as a typed error
        raise NotAllowed(
            _(
                "{code} of {region_code} is reported by its own {reporting_level}",
                code=definition.code,
                region_code=region_code,
                reporting_level=definition.reporting_level,
            )
        ) from error
    figure = money.parse(value, field="value", digits=FIGURE_DIGITS, places=FIGURE_PLACES)
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            _("note is at most {MAX_NOTE} characters", MAX_NOTE=MAX_NOTE), field="note"
        )
    async with in_transaction():
        record = await IndicatorValue.get_or_none(
            indicator_id=definition.id, region_code=region_code, period=period
        )
        if record is None:
            if not await Region.exists(code=region_code, is_active=True):
                raise NotFound("region", region_code, field="regionCode")
            record = _new_value(definition, region_code, period)
            await moves.start(
                INDICATOR_VALUES,
                record,
                actor=actor,
                action=ValueAction.OPEN,
                stage=ValueStage.REPORT,
            )
        async with moves.transition(
            INDICATOR_VALUES,
            actor=actor,
            record_id=record.id,
            action=ValueAction.SUBMIT,
            note=note.strip(),
            expected_version=version,
        ) as move:
            held = move.record
            if held.value is not None and held.value != figure:
                held.history = [
                    *held.history,
                    {"value": str(held.value), "submitted_at": _iso(held.submitted_at)},
                ]
            held.value = figure
            held.note = note.strip()
            held.submitted_by_id = actor.user_id
            held.submitted_at = move.now
            held.submitted_late = held.report_by < move.now
    return move.record


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def sign_off(
    *,
    actor: Principal,
    value_id: uuid.UUID,
    action: ValueAction,
    note: str = "",
    version: int | None = None,
) -> IndicatorValue:
    """The level above accepts, returns, locks or reopens a value."""
    if action not in (ValueAction.ACCEPT, ValueAction.RETURN, ValueAction.LOCK, ValueAction.REOPEN):
        raise ValidationFailed(_("{value} is not a sign-off", value=action.value), field="action")
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            _("note is at most {MAX_NOTE} characters", MAX_NOTE=MAX_NOTE), field="note"
        )
    if action is ValueAction.RETURN and not note.strip():
        raise ValidationFailed(_("say why it goes back"), field="note")
    policy_action = "accept" if action is ValueAction.RETURN else action.value
    async with moves.transition(
        INDICATOR_VALUES,
        actor=actor,
        record_id=value_id,
        action=action,
        note=note.strip(),
        scope=readable(actor, "indicator_value"),
        expected_version=version,
        authorize=lambda value: check(
            actor, "indicator_value", policy_action, at=value.region_code, field="id"
        ),
    ) as move:
        held = move.record
        if action is ValueAction.ACCEPT:
            held.signed_off_by_id = actor.user_id
            held.signed_off_at = move.now
        elif action is ValueAction.LOCK:
            held.locked_at = move.now
        elif action is ValueAction.REOPEN:
            # a reopened month gets three days to be corrected, from now
            held.report_by = max(held.report_by, move.now + REOPEN_TIME)
            held.signed_off_by_id = None
            held.signed_off_at = None
            held.locked_at = None
    return move.record


async def get(*, actor: Principal, value_id: uuid.UUID) -> IndicatorValue:
    found = await IndicatorValue.filter(readable(actor, "indicator_value"), id=value_id).first()
    if found is None:
        raise NotFound("indicator value", value_id)
    return found


async def values(
    *,
    actor: Principal,
    code: str,
    scope: str,
    period: date,
    status: ValueStatus | None,
    page: PageRequest,
) -> tuple[Page[IndicatorValue], QuerySet[IndicatorValue]]:
    """The values of a month under `scope`."""
    check(actor, "indicator_value", "read", at=scope, field="scope")
    definition = await indicator(code)
    period = month(period)
    query = IndicatorValue.filter(
        indicator_id=definition.id, period=period, region_code__startswith=scope
    )
    if status is not None:
        query = query.filter(status=status.value)
    return await by_id_page(query, page), query


@dataclass
class Missing:
    region_code: str
    name: str
    status: ValueStatus | None  # None: not even opened


@dataclass
class Aggregate:
    """A scope's figure for a month from its signed-off reporting regions only."""

    indicator: Indicator
    scope: str
    period: date
    value: Decimal | None
    expected: int
    signed_off: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def combine(aggregation: Aggregation, figures: Sequence[Decimal]) -> Decimal | None:
    """Figures of several regions as one: a sum, or an average (a rate); a stock's last value
    of the month is summed over regions like a flow's total."""
    if not figures:
        return None
    total = sum(figures, Decimal(0))
    if aggregation is Aggregation.AVERAGE:
        return (total / len(figures)).quantize(Decimal("0.0001"))
    return total


async def aggregate(*, actor: Principal, code: str, scope: str, period: date) -> Aggregate:
    """The month's figure of `scope` from its signed-off reporting regions, naming the rest."""
    check(actor, "indicator_value", "read", at=scope, field="scope")
    definition = await indicator(code)
    period = month(period)
    expected = await _reporting_regions(scope, Level(definition.reporting_level))
    names = dict(await Region.filter(code__in=expected).values_list("code", "name"))
    rows = {
        row.region_code: row
        for row in await IndicatorValue.filter(
            indicator_id=definition.id, period=period, region_code__in=expected
        )
    }
    result = Aggregate(
        indicator=definition, scope=scope, period=period, value=None, expected=len(expected)
    )
    figures = []
    for code_ in sorted(expected):
        row = rows.get(code_)
        if row is not None and row.status in SIGNED_OFF and row.value is not None:
            result.signed_off.append(code_)
            figures.append(row.value)
        else:
            status = ValueStatus(row.status) if row is not None else None
            result.missing.append(Missing(code_, str(names.get(code_, "")), status))
    result.value = combine(Aggregation(definition.aggregation), figures)
    return result


@dataclass(frozen=True, slots=True)
class TrendPoint:
    period: date
    value: Decimal | None
    signed_off: int
    previous_year: Decimal | None

    @property
    def year_on_year_percent(self) -> Decimal | None:
        """同比: the change on the same month a year before, in percent."""
        if self.value is None or not self.previous_year:
            return None
        change = (self.value - self.previous_year) / self.previous_year * 100
        return change.quantize(Decimal("0.01"))


TREND_SQL: Final = """
SELECT period, array_agg(value) AS figures
  FROM economy_indicator_values
 WHERE indicator_id = $1 AND starts_with(region_code, $2) AND period BETWEEN $3 AND $4
   AND status IN ('accepted', 'locked') AND value IS NOT NULL
 GROUP BY period
"""


async def trend(
    *, actor: Principal, code: str, scope: str, first: date, last: date
) -> tuple[Indicator, int, list[TrendPoint]]:
    """Month by month: the scope's signed-off figure and the same month a year before (同比);
    also how many regions report it under the scope."""

    check(actor, "indicator_value", "read", at=scope, field="scope")
    definition = await indicator(code)
    first, last = month(first, field="from"), month(last, field="to")
    if last < first or len(months_between(first, last)) > MAX_MONTHS:
        raise ValidationFailed(
            _("from before to, at most {MAX_MONTHS} months", MAX_MONTHS=MAX_MONTHS), field="from"
        )
    expected = await _reporting_regions(scope, Level(definition.reporting_level))
    year_before = date(first.year - 1, first.month, 1)
    rows = await connections.get("default").execute_query_dict(
        TREND_SQL, [definition.id, scope, year_before, last]
    )
    by_month = {row["period"]: [Decimal(f) for f in row["figures"]] for row in rows}
    aggregation = Aggregation(definition.aggregation)
    points = []
    for period in months_between(first, last):
        figures = by_month.get(period, [])
        before = by_month.get(date(period.year - 1, period.month, 1), [])
        points.append(
            TrendPoint(
                period=period,
                value=combine(aggregation, figures),
                signed_off=len(figures),
                previous_year=combine(aggregation, before),
            )
        )
    return definition, len(expected), points
