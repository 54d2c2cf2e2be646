"""Service teams (服务团队, 组成社区员服务团队): a team of a grid or community with its leader and
members (staff, registered volunteers, party members), its service items and duty schedule.
A community's teams are listed publicly, without any member's name.

Teams were a free-text field of volunteers (`Volunteer.team`); migration 0031 made each
community's distinct text a team with those volunteers as members. The text stays readable
(deprecated) and is no longer what a team is."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.care.enums import HelperKind
from api.domains.care.groups import helper_region_and_label
from api.domains.hierarchy.service import public_region
from api.domains.services.common import (
    in_region,
    name_free,
    newest_first,
    region_at,
    text,
)
from api.domains.services.models import ServiceTeam, ServiceTeamMember
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level, in_subtree, path_codes
from policies.enforcer import authorize

MAX_ITEMS: Final = 20
MAX_SHIFTS: Final = 50
MAX_MEMBERS: Final = 200
TEAM_LEVELS: Final = {Level.COMMUNITY, Level.GRID}
CLOCK_TIME: Final = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True, slots=True)
class DutyShift:
    """One weekly duty (值班): a weekday (1 Monday … 7 Sunday), China-time start and end."""

    weekday: int
    start: str
    end: str
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "start": self.start, "end": self.end, "note": self.note}


def _items(items: Sequence[str]) -> list[str]:
    cleaned = [text(item, 100, field="serviceItems") for item in items]
    cleaned = list(dict.fromkeys(item for item in cleaned if item))
    if len(cleaned) > MAX_ITEMS:
        raise ValidationFailed(
            _("at most {MAX_ITEMS} service items", MAX_ITEMS=MAX_ITEMS), field="serviceItems"
        )
    return cleaned


def _schedule(shifts: Sequence[DutyShift]) -> list[dict[str, Any]]:
    if len(shifts) > MAX_SHIFTS:
        raise ValidationFailed(
            _("at most {MAX_SHIFTS} duties", MAX_SHIFTS=MAX_SHIFTS), field="dutySchedule"
        )
    checked = []
    for shift in shifts:
        if not 1 <= shift.weekday <= 7:
            raise ValidationFailed(_("weekday lies between 1 and 7"), field="dutySchedule")
        if not (CLOCK_TIME.match(shift.start) and CLOCK_TIME.match(shift.end)):
            raise ValidationFailed(_("times are written HH:MM"), field="dutySchedule")
        if shift.end <= shift.start:
            raise ValidationFailed(_("a duty ends after it starts"), field="dutySchedule")
        note = text(shift.note, 100, field="dutySchedule")
        checked.append(DutyShift(shift.weekday, shift.start, shift.end, note).as_json())
    return sorted(checked, key=lambda s: (s["weekday"], s["start"]))


async def create_team(
    *,
    actor: Principal,
    region_code: str,
    name: str,
    description: str = "",
    service_items: Sequence[str] = (),
    duty_schedule: Sequence[DutyShift] = (),
) -> ServiceTeam:
    """Form a service team of a grid or community."""
    code = await region_at(region_code, TEAM_LEVELS)
    authorize(actor.assignments, "service_team", "manage", at=code)
    name = text(name, 100, field="name", required=True)
    values: dict[str, Any] = {
        "description": text(description, 500, field="description"),
        "service_items": _items(service_items),
        "duty_schedule": _schedule(duty_schedule),
    }
    async with in_transaction():
        await name_free(ServiceTeam, code, name)
        return await ServiceTeam.create(
            id=uuid.uuid4(),
            region_code=code,
            name=name,
            created_by_id=actor.user_id,
            created_at=clock.now(),
            **values,
        )


async def _team(actor: Principal, team_id: uuid.UUID, action: str) -> ServiceTeam:
    team = await ServiceTeam.filter(id=team_id).select_for_update().first()
    if team is None:
        raise NotFound("service team", team_id, field="teamId")
    authorize(actor.assignments, "service_team", action, at=team.region_code)
    return team


async def update_team(
    *,
    actor: Principal,
    team_id: uuid.UUID,
    name: str | None = None,
    description: str | None = None,
    service_items: Sequence[str] | None = None,
    duty_schedule: Sequence[DutyShift] | None = None,
    expected_version: int | None = None,
) -> ServiceTeam:
    """Rename a team or replace its description, service items or duty schedule."""
    async with in_transaction():
        team = await _team(actor, team_id, "manage")
        if expected_version is not None and expected_version != team.version:
            raise Conflict(_("the team was changed meanwhile: reload it"), field="version")
        if name is not None:
            team.name = text(name, 100, field="name", required=True)
            await name_free(ServiceTeam, team.region_code, team.name, other_than=team.id)
        if description is not None:
            team.description = text(description, 500, field="description")
        if service_items is not None:
            team.service_items = _items(service_items)
        if duty_schedule is not None:
            team.duty_schedule = _schedule(duty_schedule)
        team.version += 1
        await team.save()
    return team


async def _member_label(team: ServiceTeam, kind: HelperKind, member_id: uuid.UUID) -> str:
    """A member's name, once their area is the team's (staff above or below it, volunteers and
    party members of its community)."""
    regions, label = await helper_region_and_label(kind, member_id, field="memberId")
    if not any(in_subtree(team.region_code, r) or in_subtree(r, team.region_code) for r in regions):
        raise ValidationFailed(
            _("the member serves outside the team's region"),
            field="memberId",
            code=ErrorCode.OUTSIDE_AREA,
        )
    return label[:100]


async def add_member(
    *,
    actor: Principal,
    team_id: uuid.UUID,
    kind: HelperKind,
    member_id: uuid.UUID,
    as_leader: bool = False,
) -> ServiceTeam:
    """Add a member (staff, volunteer, party member), or make one the team's leader."""
    async with in_transaction():
        team = await _team(actor, team_id, "manage")
        label = await _member_label(team, kind, member_id)
        present = await ServiceTeamMember.filter(
            team_id=team.id, kind=kind, member_id=member_id, left_at=None
        ).exists()
        if present and not as_leader:
            raise Conflict(_("already a member"), field="memberId", code=ErrorCode.ALREADY_EXISTS)
        if not present:
            if await ServiceTeamMember.filter(team_id=team.id, left_at=None).count() >= MAX_MEMBERS:
                raise ValidationFailed(
                    _("a team has at most {MAX_MEMBERS} members", MAX_MEMBERS=MAX_MEMBERS),
                    field="memberId",
                )
            await ServiceTeamMember.create(
                id=uuid.uuid4(),
                team_id=team.id,
                kind=kind,
                member_id=member_id,
                label=label,
                joined_at=clock.now(),
            )
        if as_leader:
            team.leader_kind, team.leader_id, team.leader_label = kind, member_id, label
        team.version += 1
        await team.save()
    return team


async def remove_member(
    *, actor: Principal, team_id: uuid.UUID, kind: HelperKind, member_id: uuid.UUID
) -> ServiceTeam:
    """A member leaves (the row stays); a leader who leaves leaves the team leaderless."""
    async with in_transaction():
        team = await _team(actor, team_id, "manage")
        left = await ServiceTeamMember.filter(
            team_id=team.id, kind=kind, member_id=member_id, left_at=None
        ).update(left_at=clock.now())
        if not left:
            raise NotFound("team member", member_id, field="memberId")
        if team.leader_id == member_id and team.leader_kind == kind:
            team.leader_kind = None  # type: ignore[assignment]  # nullable
            team.leader_id, team.leader_label = None, ""
        team.version += 1
        await team.save()
    return team


async def members_of(team_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ServiceTeamMember]]:
    """Current members of a page of teams, in one query, in joining order."""
    found: dict[uuid.UUID, list[ServiceTeamMember]] = {team_id: [] for team_id in team_ids}
    for member in await ServiceTeamMember.filter(team_id__in=list(team_ids), left_at=None).order_by(
        "joined_at", "id"
    ):
        found[member.team_id].append(member)
    return found


async def member_counts(team_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many current members each team of a page has, in one query."""
    counts = dict.fromkeys(team_ids, 0)
    for member in await ServiceTeamMember.filter(
        team_id__in=list(team_ids), left_at=None
    ).values_list("team_id", flat=True):
        counts[uuid.UUID(str(member))] += 1
    return counts


async def teams(
    *,
    actor: Principal,
    region_code: str,
    member_id: uuid.UUID | None,
    page: PageRequest,
) -> tuple[Page[ServiceTeam], QuerySet[ServiceTeam]]:
    """Teams in a region (optionally those a person belongs to now), newest first."""
    query = await in_region(actor, ServiceTeam, "service_team", region_code)
    if member_id is not None:
        query = query.filter(members__member_id=member_id, members__left_at=None).distinct()
    return await newest_first(query, page), query


async def public_teams(
    *, region_code: str, page: PageRequest
) -> tuple[Page[ServiceTeam], QuerySet[ServiceTeam]]:
    """The public board's teams (no sign-in): those of the region, below it, and of the
    community and grid it lies in."""
    code = await public_region(region_code)
    above = [c for c in path_codes(code) if len(c) >= 12]
    query = ServiceTeam.filter(Q(region_code__startswith=code) | Q(region_code__in=above))
    return await newest_first(query, page), query
