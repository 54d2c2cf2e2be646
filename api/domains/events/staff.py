"""Who is told about events: the staff of the centre holding one and its assignees."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment
from api.domains.events.models import Event
from api.domains.events.scope import level_of
from policies.enforcer import get_enforcer

ASSIGNEE_ROLES = {
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.TOWNSHIP_CENTRE,
    Role.DEPARTMENT_STAFF,
}


@dataclass(frozen=True, slots=True)
class Staff:
    """Who is told about events: the staff of centres and of departments, loaded at once for
    as many events as needed."""

    centres: Mapping[str, list[uuid.UUID]]
    departments: Mapping[uuid.UUID, list[uuid.UUID]]

    def centre(self, event: Event) -> list[uuid.UUID]:
        """Who staffs the centre holding the event (may file, dispatch, verify there)."""
        return list(self.centres.get(event.handling_region_code, ()))

    def assignees(self, event: Event) -> list[uuid.UUID]:
        """The assignee in person, or the staff of the assigned department."""
        users = [event.assignee_user_id] if event.assignee_user_id else []
        if event.assignee_department_id:
            users += self.departments.get(_uuid(event.assignee_department_id), [])
        return [_uuid(user) for user in users]


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def load_staff(
    *, region_codes: Iterable[str] = (), department_ids: Iterable[uuid.UUID] = ()
) -> Staff:
    """The active staff of the centres at `region_codes` and of the departments, two queries."""
    enforcer = get_enforcer()
    centre_roles: dict[str, set[Role]] = {
        code: {
            role
            for role in Role
            if enforcer.allows(role.value, level_of(code), "event", "assign", at=code)
        }
        for code in set(region_codes)
    }
    centres: dict[str, list[uuid.UUID]] = {code: [] for code in centre_roles}
    if centre_roles:
        rows = await RoleAssignment.filter(
            region_code__in=list(centre_roles),
            role__in=list(set().union(*centre_roles.values())),
            user__is_active=True,
        ).values_list("region_code", "role", "user_id")
        for code, role, user_id in rows:
            if role in centre_roles[code]:
                centres[code].append(_uuid(user_id))
    departments: dict[uuid.UUID, list[uuid.UUID]] = {_uuid(d): [] for d in department_ids}
    if departments:
        rows = await RoleAssignment.filter(
            department_id__in=list(departments), user__is_active=True
        ).values_list("department_id", "user_id")
        for department_id, user_id in rows:
            departments[_uuid(department_id)].append(_uuid(user_id))
    return Staff(centres=centres, departments=departments)


async def assignee_users(event: Event) -> list[uuid.UUID]:
    """The assignee in person, or the staff of the assigned department."""
    departments = [event.assignee_department_id] if event.assignee_department_id else []
    return (await load_staff(department_ids=departments)).assignees(event)


async def centre_users(event: Event) -> list[uuid.UUID]:
    """Who staffs the centre holding the event (may file, dispatch, verify there)."""
    return (await load_staff(region_codes=[event.handling_region_code])).centre(event)
