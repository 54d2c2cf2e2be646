"""Households assigned to cadres and grid workers (分片包户), visits to them (走访), and what a
grid has left unvisited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.domains.accounts.models import RoleAssignment
from api.domains.diaries.enums import PatrolStatus
from api.domains.diaries.models import HouseholdAssignment, HouseholdVisit, Patrol
from api.domains.diaries.scope import check, newest_first, retried, signed_in_user
from api.domains.registry.enums import CARE_GROUPS, RecordStatus
from api.domains.registry.models import Household, SpecialGroupRecord
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level, in_subtree

MAX_PURPOSE = 200
MAX_NOTES = 5000
MAX_MINUTES = 600
MAX_BACKDATE = timedelta(days=31)
MAX_FUTURE = timedelta(minutes=5)


async def _household(household_id: uuid.UUID) -> Household:
    household = await Household.get_or_none(id=household_id)
    if household is None:
        raise NotFound("household", household_id, field="householdId")
    return household


async def record(
    *,
    actor: Principal,
    household_id: uuid.UUID,
    visited_at: datetime,
    minutes: int,
    purpose: str,
    notes: str,
    follow_up_needed: bool,
    care_record_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> HouseholdVisit:
    """A visit to a household in the caller's area (outside it: OUTSIDE_AREA); with
    `care_record_id`, paid to a member of the household in a care group (关爱走访). A
    client-chosen id makes a retry (sequential or concurrent) return the same visit."""
    user_id = signed_in_user(actor)
    if (
        earlier := await retried(HouseholdVisit, client_id, owner_id=user_id, noun="visit")
    ) is not None:
        return earlier
    household = await _household(household_id)
    check(actor, "household_visit", "record", at=household.region_code, what="the household")
    if care_record_id is not None:
        await _care_member(household, care_record_id)
    now = clock.now()
    if visited_at.tzinfo is None or not now - MAX_BACKDATE <= visited_at <= now + MAX_FUTURE:
        raise ValidationFailed(_("visitedAt is a time within the last 31 days"), field="visitedAt")
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationFailed(
            _("minutes is 1 to {MAX_MINUTES}", MAX_MINUTES=MAX_MINUTES), field="minutes"
        )
    purpose = purpose.strip()
    if not purpose or len(purpose) > MAX_PURPOSE:
        raise ValidationFailed(
            _("purpose is 1 to {MAX_PURPOSE} characters", MAX_PURPOSE=MAX_PURPOSE), field="purpose"
        )
    if len(notes) > MAX_NOTES:
        raise ValidationFailed(
            _("notes is at most {MAX_NOTES} characters", MAX_NOTES=MAX_NOTES), field="notes"
        )
    patrol = await Patrol.filter(
        user_id=user_id, started_at__lte=visited_at, status=PatrolStatus.ACTIVE.value
    ).first()
    try:
        return await HouseholdVisit.create(
            id=client_id or uuid.uuid4(),
            household_id=household.id,
            user_id=user_id,
            region_code=household.region_code,
            visited_at=visited_at,
            minutes=minutes,
            purpose=purpose,
            notes=notes.strip(),
            follow_up_needed=follow_up_needed,
            patrol_id=patrol.id if patrol else None,
            care_record_id=care_record_id,
            created_at=now,
        )
    except IntegrityError:
        # a concurrent retry of the same visit committed first: it is this one
        earlier = await retried(HouseholdVisit, client_id, owner_id=user_id, noun="visit")
        if earlier is None:
            raise
        return earlier


async def _care_member(household: Household, care_record_id: uuid.UUID) -> None:
    """The care record belongs to an active member of the household."""
    found = await SpecialGroupRecord.filter(
        id=care_record_id,
        status=RecordStatus.ACTIVE,
        group__in=list(CARE_GROUPS),
        person__household_id=household.id,
    ).exists()
    if not found:
        raise ValidationFailed(
            _("careRecordId names no person in a care group of this household"),
            field="careRecordId",
        )


async def assign(
    *, actor: Principal, user_id: uuid.UUID, household_ids: Sequence[uuid.UUID]
) -> list[HouseholdAssignment]:
    """Assign households (in the caller's area) to a person whose own area holds them."""
    if not 1 <= len(household_ids) <= 200:
        raise ValidationFailed(_("assign 1 to 200 households at once"), field="householdIds")
    held = await RoleAssignment.filter(user_id=user_id, user__is_active=True).values_list(
        "region_code", flat=True
    )
    if not held:
        raise NotFound("user", user_id, field="userId")
    households = {h.id: h for h in await Household.filter(id__in=list(household_ids))}
    rows = []
    for household_id in dict.fromkeys(household_ids):
        household = households.get(household_id)
        if household is None:
            raise NotFound("household", household_id, field="householdIds")
        check(
            actor, "household_assignment", "assign", at=household.region_code, what="the household"
        )
        if not any(in_subtree(household.region_code, str(code)) for code in held):
            raise ValidationFailed(
                _("the household lies outside the assignee's area"), field="householdIds"
            )
        rows.append(
            HouseholdAssignment(
                household_id=household.id,
                user_id=user_id,
                region_code=household.region_code,
                assigned_by_id=actor.user_id,
                created_at=clock.now(),
            )
        )
    await HouseholdAssignment.bulk_create(rows, ignore_conflicts=True)
    return await HouseholdAssignment.filter(
        user_id=user_id, household_id__in=[row.household_id for row in rows]
    ).order_by("id")


async def mine(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[HouseholdVisit], QuerySet[HouseholdVisit]]:
    return await newest_first(
        HouseholdVisit.filter(user_id=signed_in_user(actor)), page, column="visited_at"
    )


async def of_household(
    *, actor: Principal, household_id: uuid.UUID, page: PageRequest
) -> tuple[Page[HouseholdVisit], QuerySet[HouseholdVisit]]:
    household = await _household(household_id)
    check(actor, "household_visit", "read", at=household.region_code, what="the household")
    return await newest_first(
        HouseholdVisit.filter(household_id=household_id), page, column="visited_at"
    )


@dataclass(frozen=True)
class Unvisited:
    """A household due a visit: assigned, or home to floating or special-group people."""

    household_id: uuid.UUID
    household_number: str
    head_name: str | None
    address: str | None
    region_code: str
    floating_people: int
    special_group_people: int
    assigned_to: int
    last_visited_at: datetime | None


OVERDUE_SQL = """
WITH due AS (
  SELECT h.id, h.household_number, h.head_name, h.address, h.region_code,
         (SELECT count(*) FROM registry_people AS p
           WHERE p.household_id = h.id AND p.status = 'active' AND p.person_type = 'floating')
           AS floating_people,
         (SELECT count(DISTINCT s.person_id) FROM registry_special_groups AS s
            JOIN registry_people AS p ON p.id = s.person_id
           WHERE p.household_id = h.id AND s.status = 'active') AS special_group_people,
         (SELECT count(*) FROM household_assignments AS a WHERE a.household_id = h.id)
           AS assigned_to,
         (SELECT max(v.visited_at) FROM household_visits AS v WHERE v.household_id = h.id)
           AS last_visited_at
    FROM registry_households AS h
   WHERE h.region_code = $1 AND h.status = 'active'
)
SELECT * FROM due
 WHERE (floating_people > 0 OR special_group_people > 0 OR assigned_to > 0)
   AND (last_visited_at IS NULL OR last_visited_at < $2)
 ORDER BY last_visited_at NULLS FIRST, household_number
 LIMIT $3
"""


async def overdue(*, actor: Principal, grid: str, days: int, limit: int = 500) -> list[Unvisited]:
    """Households of the grid due a visit and not visited in `days` (never visited first)."""
    if Level.of_code(grid) is not Level.GRID:
        raise ValidationFailed(_("gridCode must be a grid's code"), field="gridCode")
    if not 1 <= days <= 366:
        raise ValidationFailed(_("days is 1 to 366"), field="days")
    check(actor, "household_visit", "read", at=grid, what="the grid")
    rows = await connections.get("default").execute_query_dict(
        OVERDUE_SQL, [grid, clock.now() - timedelta(days=days), limit]
    )
    return [
        Unvisited(
            household_id=row["id"],
            household_number=row["household_number"],
            head_name=row["head_name"],
            address=row["address"],
            region_code=row["region_code"],
            floating_people=row["floating_people"],
            special_group_people=row["special_group_people"],
            assigned_to=row["assigned_to"],
            last_visited_at=row["last_visited_at"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Coverage:
    """How much of a grid its visits reached in a period."""

    region_code: str
    households: int
    visited: int
    visits: int
    minutes: int


COVERAGE_SQL = """
SELECT h.region_code,
       count(DISTINCT h.id) AS households,
       count(DISTINCT v.household_id) AS visited,
       count(v.id) AS visits,
       coalesce(sum(v.minutes), 0) AS minutes
  FROM registry_households AS h
  LEFT JOIN household_visits AS v
    ON v.household_id = h.id AND v.visited_at >= $2 AND v.visited_at < $3
 WHERE starts_with(h.region_code, $1) AND h.status = 'active'
 GROUP BY h.region_code
 ORDER BY h.region_code
"""


async def coverage(
    *, actor: Principal, scope: str, start: datetime, end: datetime
) -> list[Coverage]:
    """Visit coverage of each grid under `scope` between the times."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    if not start < end or end - start > timedelta(days=366):
        raise ValidationFailed(_("the period is up to a year, start before end"), field="from")
    check(actor, "household_visit", "read", at=scope, what="the region")
    rows = await connections.get("default").execute_query_dict(COVERAGE_SQL, [scope, start, end])
    return [Coverage(**row) for row in rows]
