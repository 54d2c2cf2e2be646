"""Dispute investigation rounds that report upwards (周排查周报告, 半月一排查一上报): each round
the schedule starts (api/domains/notices/rounds.py) becomes a record per community or township,
filled in and submitted; the level above sees which are submitted, late or missing (the
kernel's sweep cards a round not submitted in time) and a report of its subtree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tortoise import connections
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.domains.accounts.models import RoleAssignment
from api.domains.diaries.enums import RoundAction, RoundKind, RoundStage, RoundStatus
from api.domains.diaries.flow import ROUND_ROLE, ROUNDS
from api.domains.diaries.models import InvestigationRound
from api.domains.diaries.scope import check, newest_first, readable, subtree
from api.domains.notices import rounds as schedule
from api.errors import NotFound, ValidationFailed
from api.flows import SYSTEM, moves
from api.i18n import _, render
from api.pagination import Page, PageRequest
from api.regions import Level
from api.settings import get_settings

MAX_COUNT = 100_000
MAX_NOTES = 5000


class Standing(StrEnum):
    """How a round stands for the level above (a derived state, not stored)."""

    SUBMITTED = "submitted"  # submitted in time
    LATE = "late"  # submitted after its deadline
    MISSING = "missing"  # past its deadline, not submitted (carded)
    OPEN = "open"  # still within its time


def standing(round_: InvestigationRound) -> Standing:
    if round_.status == RoundStatus.SUBMITTED.value:
        return Standing.LATE if round_.submitted_late else Standing.SUBMITTED
    if round_.due_at is not None and round_.due_at <= clock.now():
        return Standing.MISSING
    return Standing.OPEN


def _period(kind: RoundKind, day: date) -> tuple[date, date]:
    if kind is RoundKind.COMMUNITY:
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day.replace(day=16), following - timedelta(days=1)


async def open_rounds(today: date, *, community_weekday: int, township_days: list[int]) -> int:
    """Open today's rounds: a record for every community and township with staff to fill it in
    (once per round and region), and the reminder notices of the schedule; returns records
    opened."""
    opened = 0
    for due in schedule.rounds_due(
        today, community_weekday=community_weekday, township_days=township_days
    ):
        kind = (
            RoundKind.COMMUNITY
            if due.role == ROUND_ROLE[RoundKind.COMMUNITY]
            else RoundKind.TOWNSHIP
        )
        level = Level.COMMUNITY if kind is RoundKind.COMMUNITY else Level.TOWNSHIP
        regions = {
            str(code)
            for code in await RoleAssignment.filter(role=due.role, user__is_active=True)
            .distinct()
            .values_list("region_code", flat=True)
            if Level.of_code(str(code)) is level
        }
        existing = set(
            await InvestigationRound.filter(
                period_key=due.key, region_code__in=list(regions)
            ).values_list("region_code", flat=True)
        )
        first, last = _period(kind, today)
        for code in sorted(regions - {str(c) for c in existing}):
            round_ = InvestigationRound(
                id=uuid.uuid4(),
                kind=kind.value,
                period_key=due.key,
                period_start=first,
                period_end=last,
                region_code=code,
                # the record's title in the deployment's language (its notice follows the reader)
                title=render(due.title, get_settings().gridgov_language),
                status=RoundStatus.OPEN.value,
                flow_version=ROUNDS.version,
                created_at=clock.now(),
            )
            await moves.start(
                ROUNDS, round_, actor=SYSTEM, action=RoundAction.OPEN, stage=RoundStage.REPORT
            )
            opened += 1
    await schedule.remind(today, community_weekday=community_weekday, township_days=township_days)
    return opened


@dataclass(frozen=True)
class RoundFigures:
    disputes_found: int
    resolved_on_the_spot: int
    escalated_as_events: int
    hidden_dangers: int
    notes: str = ""


def _validate(figures: RoundFigures) -> None:
    for name, value in (
        ("disputesFound", figures.disputes_found),
        ("resolvedOnTheSpot", figures.resolved_on_the_spot),
        ("escalatedAsEvents", figures.escalated_as_events),
        ("hiddenDangers", figures.hidden_dangers),
    ):
        if not 0 <= value <= MAX_COUNT:
            raise ValidationFailed(
                _("{name} is 0 to {MAX_COUNT}", name=name, MAX_COUNT=MAX_COUNT), field=name
            )
    if figures.resolved_on_the_spot + figures.escalated_as_events > figures.disputes_found:
        raise ValidationFailed(
            _("disputes resolved on the spot and escalated cannot exceed those found"),
            field="resolvedOnTheSpot",
        )
    if len(figures.notes) > MAX_NOTES:
        raise ValidationFailed(
            _("notes is at most {MAX_NOTES} characters", MAX_NOTES=MAX_NOTES), field="notes"
        )


async def submit(
    *, actor: Principal, round_id: uuid.UUID, figures: RoundFigures, version: int | None
) -> InvestigationRound:
    """Fill in and submit a round (once: a second submission is a conflict)."""
    _validate(figures)
    async with moves.transition(
        ROUNDS,
        actor=actor,
        record_id=round_id,
        action=RoundAction.SUBMIT,
        note=figures.notes.strip(),
        scope=readable(actor, "investigation_round"),
        expected_version=version,
        authorize=lambda round_: check(
            actor, "investigation_round", "submit", at=round_.region_code, what="the round"
        ),
    ) as move:
        round_ = move.record
        round_.disputes_found = figures.disputes_found
        round_.resolved_on_the_spot = figures.resolved_on_the_spot
        round_.escalated_as_events = figures.escalated_as_events
        round_.hidden_dangers = figures.hidden_dangers
        round_.notes = figures.notes.strip()
        round_.submitted_by_id = actor.user_id
        round_.submitted_at = move.now
        round_.submitted_late = round_.due_at is not None and round_.due_at < move.now
    return move.record


async def get(*, actor: Principal, round_id: uuid.UUID) -> InvestigationRound:
    round_ = await InvestigationRound.filter(
        readable(actor, "investigation_round"), id=round_id
    ).first()
    if round_ is None:
        raise NotFound("investigation round", round_id)
    return round_


async def of_region(
    *,
    actor: Principal,
    scope: str,
    kind: RoundKind | None,
    first_day: date | None,
    last_day: date | None,
    page: PageRequest,
) -> tuple[Page[InvestigationRound], QuerySet[InvestigationRound]]:
    """Rounds under `scope` (its own and its subtree's), newest first."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    check(actor, "investigation_round", "read", at=scope, what="the region")
    query = InvestigationRound.filter(subtree([scope]))
    if kind is not None:
        query = query.filter(kind=kind.value)
    if first_day is not None:
        query = query.filter(period_start__gte=first_day)
    if last_day is not None:
        query = query.filter(period_start__lte=last_day)
    return await newest_first(query, page)


@dataclass
class RoundReport:
    """What a subtree's rounds of one kind starting in a period add up to (排查汇总)."""

    scope: str
    kind: RoundKind
    first_day: date
    last_day: date
    rounds: int = 0
    submitted: int = 0
    late: int = 0
    missing: int = 0
    open: int = 0
    disputes_found: int = 0
    resolved_on_the_spot: int = 0
    escalated_as_events: int = 0
    hidden_dangers: int = 0
    missing_regions: list[str] = field(default_factory=list)


REPORT_SQL = """
SELECT region_code, status, submitted_late, due_at <= $4 AS overdue,
       disputes_found, resolved_on_the_spot, escalated_as_events, hidden_dangers
  FROM investigation_rounds
 WHERE starts_with(region_code, $1) AND kind = $5
   AND period_start BETWEEN $2 AND $3
 ORDER BY region_code
"""


async def report(
    *, actor: Principal, scope: str, kind: RoundKind, first_day: date, last_day: date
) -> RoundReport:
    """The aggregated report of the rounds under `scope` starting between the days."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    if first_day > last_day or last_day - first_day > timedelta(days=366):
        raise ValidationFailed(_("the period is up to a year, first day first"), field="firstDay")
    check(actor, "investigation_round", "read", at=scope, what="the region")
    rows = await connections.get("default").execute_query_dict(
        REPORT_SQL, [scope, first_day, last_day, clock.now(), kind.value]
    )
    result = RoundReport(scope=scope, kind=kind, first_day=first_day, last_day=last_day)
    for row in rows:
        result.rounds += 1
        if row["status"] == RoundStatus.SUBMITTED.value:
            result.submitted += 1
            result.late += int(row["submitted_late"])
            result.disputes_found += row["disputes_found"]
            result.resolved_on_the_spot += row["resolved_on_the_spot"]
            result.escalated_as_events += row["escalated_as_events"]
            result.hidden_dangers += row["hidden_dangers"]
        elif row["overdue"]:
            result.missing += 1
            result.missing_regions.append(row["region_code"])
        else:
            result.open += 1
    return result
