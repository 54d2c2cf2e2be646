"""The points ledger: append-only entries, each source (kind, key) booked at most once, and
per-period balances kept in the same transaction as the entry (never edited otherwise).

A retried credit (a verification repeated after a crash, two at once) meets the unique key
(source_kind, source_key) in the database itself: `INSERT … ON CONFLICT DO NOTHING` waits for
a concurrent insert of the same key and then books nothing, so no check-then-insert race."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tortoise import connections
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.diaries.scope import check
from api.domains.points.enums import SourceKind
from api.domains.points.models import LedgerEntry, PointsMember, PointsRules
from api.domains.points.periods import bounds, current_period
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page

MAX_AMOUNT = Decimal("10000")
MAX_REASON = 500
ONE_PLACE = Decimal("0.1")

BOOK = """
INSERT INTO points_ledger (member_id, region_code, period_key, points, hours, source_kind,
                           source_key, rule_version, reason, verifier_id, verifier_label, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (source_kind, source_key) DO NOTHING
RETURNING id
"""
BALANCE = """
INSERT INTO points_balances (member_id, period_key, points, hours, entries)
VALUES ($1, $2, $3, $4, 1)
ON CONFLICT (member_id, period_key) DO UPDATE
SET points = points_balances.points + EXCLUDED.points,
    hours = points_balances.hours + EXCLUDED.hours,
    entries = points_balances.entries + 1
"""


@dataclass(frozen=True, slots=True)
class Totals:
    points: Decimal
    hours: Decimal


def period_lock_key(region_code: str, period_key: str) -> str:
    """The advisory lock freezing takes exclusively and booking into a period shares."""
    return f"points-period:{region_code}:{period_key}"


# Version 1 of the rules, as the migration seeds it (written again if the table was emptied).
FIRST_RULES = {
    "pledge_kept_points": Decimal(10),
    "meeting_points": Decimal(2),
    "event_reported_points": Decimal(1),
}


async def current_rules() -> PointsRules:
    """The newest version of the rules that price sources."""
    rules = await PointsRules.all().order_by("-version").first()
    if rules is None:
        await connections.get("default").execute_query(
            "INSERT INTO points_rules (version, pledge_kept_points, meeting_points,"
            " event_reported_points, created_at) VALUES (1, $1, $2, $3, now())"
            " ON CONFLICT (version) DO NOTHING",
            list(FIRST_RULES.values()),
        )
        rules = await PointsRules.get(version=1)
    return rules


def amount(value: Decimal, *, field: str) -> Decimal:
    """A ledger amount: at most one decimal place, bounded."""
    try:
        rounded = value.quantize(ONE_PLACE)
    except InvalidOperation:
        raise ValidationFailed(_("not a number"), field=field) from None
    if rounded != value or not value.is_finite():
        raise ValidationFailed(_("give at most one decimal place"), field=field)
    if abs(value) > MAX_AMOUNT:
        raise ValidationFailed(
            _("at most {MAX_AMOUNT} at a time", MAX_AMOUNT=MAX_AMOUNT), field=field
        )
    return rounded


async def _bookable_period(region_code: str, wanted: str | None) -> str:
    """The period the entry counts in: its source's, unless that one is frozen (then now's)."""
    now_period = current_period()
    if wanted is None or wanted == now_period:
        return now_period
    connection = connections.get("default")
    await connection.execute_query(
        "SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))",
        [period_lock_key(region_code, wanted)],
    )
    _unused, frozen = await connection.execute_query(
        "SELECT 1 FROM points_snapshots WHERE region_code = $1 AND period_key = $2",
        [region_code, wanted],
    )
    return now_period if frozen else wanted


async def book(
    *,
    member: PointsMember,
    points: Decimal,
    hours: Decimal,
    source: SourceKind,
    key: str,
    verifier: Principal | None,
    reason: str = "",
    rule_version: int | None = None,
    period_key: str | None = None,
) -> LedgerEntry | None:
    """Book one entry and its balance in the caller's transaction; None if the source was
    booked before (a retry)."""
    connection = connections.get("default")
    period = await _bookable_period(member.region_code, period_key)
    # execute_query runs an INSERT without fetching: RETURNING needs the dict form
    rows = await connection.execute_query_dict(
        BOOK,
        [
            member.id,
            member.region_code,
            period,
            points,
            hours,
            source.value,
            key,
            rule_version,
            reason,
            verifier.user_id if verifier else None,
            (verifier.display_name or verifier.label)[:100] if verifier else "",
            clock.now(),
        ],
    )
    if not rows:
        return None
    await connection.execute_query(BALANCE, [member.id, period, points, hours])
    return await LedgerEntry.get(id=rows[0]["id"])


async def totals(member_id: uuid.UUID, period_key: str | None = None) -> Totals:
    """A member's balance: of one period, else of all time."""
    _unused, rows = await connections.get("default").execute_query(
        "SELECT coalesce(sum(points), 0) AS p, coalesce(sum(hours), 0) AS h"
        " FROM points_balances WHERE member_id = $1 AND ($2::text IS NULL OR period_key = $2)",
        [member_id, period_key],
    )
    return Totals(points=Decimal(rows[0]["p"]), hours=Decimal(rows[0]["h"]))


async def totals_of(
    keys: Sequence[tuple[uuid.UUID, str | None]],
) -> dict[tuple[uuid.UUID, str | None], Totals]:
    """Balances of many members (of a period, or of all time when None), in one query."""
    _unused, rows = await connections.get("default").execute_query(
        "SELECT member_id, period_key, points, hours FROM points_balances"
        " WHERE member_id = ANY($1::uuid[])",
        [list({member_id for member_id, _unused2 in keys})],
    )
    found: dict[tuple[uuid.UUID, str | None], Totals] = {
        key: Totals(Decimal(0), Decimal(0)) for key in keys
    }
    for row in rows:
        for key in ((row["member_id"], None), (row["member_id"], row["period_key"])):
            if key in found:
                found[key] = Totals(
                    found[key].points + row["points"], found[key].hours + row["hours"]
                )
    return found


async def credit(
    *,
    member_id: uuid.UUID,
    source: SourceKind,
    key: str,
    points: Decimal,
    hours: Decimal = Decimal(0),
    verifier: Principal | None,
    reason: str = "",
    rule_version: int | None = None,
    period_key: str | None = None,
) -> LedgerEntry | None:
    """Credit a source to a member in a transaction of its own; a source already booked books
    nothing (None)."""
    async with in_transaction():
        member = await PointsMember.filter(id=member_id).select_for_update().first()
        if member is None:
            raise NotFound("points member", member_id)
        return await book(
            member=member,
            points=points,
            hours=hours,
            source=source,
            key=key,
            verifier=verifier,
            reason=reason,
            rule_version=rule_version,
            period_key=period_key,
        )


async def credit_meeting_attendance(
    *, meeting_id: uuid.UUID, member_id: uuid.UUID, verifier: Principal | None, held_on: str
) -> LedgerEntry | None:
    """会议: a member's attendance of a meeting, priced by the current rules, once per meeting
    and member; `held_on` is the meeting's period (the meetings domain calls this)."""
    bounds(held_on)
    rules = await current_rules()
    return await credit(
        member_id=member_id,
        source=SourceKind.MEETING_ATTENDED,
        key=f"{meeting_id}:{member_id}",
        points=rules.meeting_points,
        verifier=verifier,
        reason="meeting attended",
        rule_version=rules.version,
        period_key=held_on,
    )


async def credit_event_reported(
    *,
    event_id: uuid.UUID,
    member_id: uuid.UUID,
    verifier: Principal | None,
    reported_in: str | None = None,
) -> LedgerEntry | None:
    """随手拍: an event a member reported that was verified and closed, priced by the current
    rules, once per event; `reported_in` is the period it was reported in."""
    if reported_in is not None:
        bounds(reported_in)
    rules = await current_rules()
    return await credit(
        member_id=member_id,
        source=SourceKind.EVENT_REPORTED,
        key=str(event_id),
        points=rules.event_reported_points,
        verifier=verifier,
        reason="event reported",
        rule_version=rules.version,
        period_key=reported_in,
    )


async def adjust(
    *,
    member: PointsMember,
    actor: Principal,
    points: Decimal,
    hours: Decimal,
    reason: str,
    request_id: uuid.UUID,
) -> LedgerEntry:
    """A manual credit or debit with its reason; a debit may not take the all-time balance
    below zero; the client's request id makes a retry book once (the earlier entry)."""
    check(actor, "points", "adjust", at=member.region_code, what="the member")
    why = " ".join(reason.split())
    if not why:
        raise ValidationFailed(_("an adjustment needs a reason"), field="reason")
    if len(why) > MAX_REASON:
        raise ValidationFailed(
            _("a reason is at most {MAX_REASON} characters", MAX_REASON=MAX_REASON), field="reason"
        )
    points = amount(points, field="points")
    hours = amount(hours, field="hours")
    if not points and not hours:
        raise ValidationFailed(_("adjust points or hours by something"), field="points")
    key = str(request_id)
    async with in_transaction():
        locked = await PointsMember.filter(id=member.id).select_for_update().first()
        if locked is None:
            raise NotFound("points member", member.id)
        earlier = await LedgerEntry.filter(source_kind=SourceKind.MANUAL, source_key=key).first()
        if earlier is not None:
            if earlier.member_id != member.id:
                raise ValidationFailed(
                    _("this request id was used for another adjustment"),
                    field="requestId",
                    code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                )
            return earlier
        balance = await totals(member.id)
        if balance.points + points < 0 or balance.hours + hours < 0:
            raise ValidationFailed(
                _(
                    "the balance is {points} points and {hours} hours: a debit cannot take it below zero",
                    points=balance.points,
                    hours=balance.hours,
                ),
                field="points",
            )
        entry = await book(
            member=locked,
            points=points,
            hours=hours,
            source=SourceKind.MANUAL,
            key=key,
            verifier=actor,
            reason=why,
        )
        if entry is None:  # the same request id, for another member, at the same moment
            raise ValidationFailed(
                _("this request id was used for another adjustment"),
                field="requestId",
                code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
            )
    return entry


async def entries_of(*, member_id: uuid.UUID, page: PageRequest) -> Page[LedgerEntry]:
    """A member's entries, newest first."""
    query = LedgerEntry.filter(member_id=member_id)
    if page.after is not None:
        try:
            query = query.filter(id__lt=int(page.after))
        except ValueError:
            raise ValidationFailed(_("malformed cursor"), field="after") from None
    rows = await query.order_by("-id").limit(page.first + 1)
    return make_page(rows, page, lambda entry: entry.id)
