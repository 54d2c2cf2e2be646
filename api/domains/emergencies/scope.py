"""Who may see and act on emergencies: rows scoped in SQL, steps checked at the incident's
region (out of scope is not found, as everywhere)."""

from __future__ import annotations

from tortoise.expressions import Q

from api.auth import Principal
from api.errors import NotAllowed, ValidationFailed
from api.i18n import _
from api.regions import Level, ancestor_codes, in_subtree
from policies.enforcer import authorize, get_enforcer, scope_prefixes

INCIDENT, TASK, PLAN = "incident", "incident_task", "emergency_plan"


def readable(actor: Principal, obj: str = INCIDENT) -> Q:
    """Rows under a region where the caller may read `obj`; nothing for an empty scope."""
    prefixes = scope_prefixes(actor.assignments, obj, "read")
    if not prefixes:
        return Q(region_code__in=[])
    query = Q(region_code__startswith=prefixes[0])
    for prefix in prefixes[1:]:
        query |= Q(region_code__startswith=prefix)
    return query


def readable_plans(actor: Principal) -> Q:
    """Plans under a region where the caller may read plans, and the plans covering those
    regions from above (a township centre reads its district's and city's plans)."""
    prefixes = scope_prefixes(actor.assignments, PLAN, "read")
    above = {code for prefix in prefixes for code in ancestor_codes(prefix)}
    return readable(actor, PLAN) | Q(region_code__in=sorted(above))


def check(actor: Principal, action: str, *, at: str, obj: str = INCIDENT) -> None:
    """The caller may take `action` on `obj` at region `at` (else NOT_FOUND or FORBIDDEN)."""
    authorize(actor.assignments, obj, action, at=at)


def check_scope(actor: Principal, scope: str, obj: str = INCIDENT) -> None:
    """A region code the caller may read `obj` under."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    authorize(actor.assignments, obj, "read", at=scope)


def may_complete(actor: Principal, *, region_code: str, department_id: object) -> None:
    """Completing a task: a command role over the incident's region, or staff of the task's own
    department (department staff complete only their department's tasks)."""
    check(actor, "complete", at=region_code, obj=TASK)
    enforcer = get_enforcer()
    level = Level.of_code(region_code)
    assert level is not None
    for assignment in actor.assignments:
        if not in_subtree(region_code, assignment.region_code):
            continue
        if not enforcer.allows(assignment.role, level, TASK, "complete", at=region_code):
            continue
        if assignment.role != "department_staff" or assignment.department_id == department_id:
            return
    raise NotAllowed(_("only the task's own department or the command centre may complete it"))
