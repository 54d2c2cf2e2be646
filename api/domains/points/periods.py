"""Assessment periods: calendar quarters in China time ("2026Q4"), the unit of balances,
pledges and frozen leaderboards."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from api import clock
from api.errors import ValidationFailed
from api.flows.calendar import LOCAL
from api.i18n import _

PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


def period_of(at: datetime) -> str:
    local = at.astimezone(LOCAL)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def current_period() -> str:
    return period_of(clock.now())


def bounds(key: str) -> tuple[date, date]:
    """The first and last day (inclusive) of a period; a malformed key is a typed error."""
    match = PERIOD.match(key)
    if match is None:
        raise ValidationFailed(_("a period is written like 2026Q4"), field="periodKey")
    year, quarter = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("a period's year is 2000 to 2100"), field="periodKey")
    first = date(year, 3 * quarter - 2, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, following - timedelta(days=1)


def ends_at(key: str) -> datetime:
    """The instant the period ends (midnight after its last day, China time)."""
    _unused, last = bounds(key)
    return datetime.combine(last + timedelta(days=1), time(), tzinfo=LOCAL)


def has_ended(key: str) -> bool:
    return clock.now() >= ends_at(key)


def previous(key: str) -> str:
    first, _unused = bounds(key)
    return period_of(datetime.combine(first - timedelta(days=1), time(12), tzinfo=LOCAL))
