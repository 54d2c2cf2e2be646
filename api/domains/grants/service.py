"""Granting and withdrawing a role's action in a region's subtree at run time, and the matrix
that results.

A grant or withdrawal is casbin rows in `permission_rules` (one per target level), bounded by the
granter: `permission:grant` at the region (outside their subtree it is not found), and the action
itself at every level granted (nobody grants or withdraws what they lack). A grant lifts a
withdrawal at the same region and replaces grants below it; a withdrawal removes the grants at
and below the region and, where the action is still allowed (shipped, or granted above), stores a
deny row. Deny rows never lie strictly inside the subtree of a place the role can be held (a
list's region prefixes would be wrong): a withdrawal from a role held above the region is a
validation error. Each change is audited and, once committed, every process loads the rules
again (this one at once, the others on the notice, api/domains/grants/watcher.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.audit.service import record
from api.domains.grants.enums import PermissionSource
from api.domains.grants.models import PermissionRule
from api.domains.hierarchy.models import Region
from api.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import ORDER, Level, in_subtree
from policies import terms
from policies.enforcer import PolicyEnforcer, StoredRule, authorize, get_enforcer

OBJECT = "permission"
UNGRANTABLE = frozenset({"assignment"})  # where a role can be held is the release's to say
MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One (object, action, target level) the role may do at the region, or was withdrawn."""

    obj: str
    action: str
    level: Level
    allowed: bool
    source: PermissionSource
    rule_region_code: str | None = None  # the grant's or withdrawal's region
    changed_by: str | None = None
    changed_at: datetime | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.obj}|{self.action}|{ORDER.index(self.level)}"


@dataclass(frozen=True, slots=True)
class PermissionChange:
    role: str
    obj: str
    action: str
    region_code: str
    levels: list[Level]
    added: int
    removed: int


async def load_rules() -> list[StoredRule]:
    """Every stored rule, as the enforcer takes them."""
    return [
        StoredRule(r.role, Level(r.level), r.obj, r.action, r.region_code, r.allow)
        for r in await PermissionRule.all().order_by("region_code", "id")
    ]


async def reload(enforcer: PolicyEnforcer | None = None) -> None:
    """Load the stored rules into this process's enforcer."""
    (enforcer or get_enforcer()).load_stored(await load_rules())


def _pairs(enforcer: PolicyEnforcer) -> set[tuple[str, str]]:
    return {
        (obj, action)
        for _unused, _unused2, obj, action in enforcer.rules()
        if obj not in UNGRANTABLE
    }


def _hold_levels(enforcer: PolicyEnforcer, role: str) -> list[Level]:
    return [level for level in ORDER if enforcer.may_hold(role, level)]


def _reachable(enforcer: PolicyEnforcer, role: str, region_level: Level) -> list[Level]:
    """Target levels at or below the region that some assignment of the role can reach."""
    held = _hold_levels(enforcer, role)
    if not held:
        return []
    top = min(ORDER.index(level) for level in held)
    return [level for level in ORDER[ORDER.index(region_level) :] if ORDER.index(level) >= top]


async def _region(code: str) -> Region:
    region = await Region.get_or_none(code=code) if Level.of_code(code) else None
    if region is None:
        raise NotFound("region", code, field="regionCode")
    return region


def _check_request(
    enforcer: PolicyEnforcer,
    *,
    role: str,
    obj: str,
    action: str,
    region_level: Level,
    levels: Sequence[Level] | None,
    note: str,
) -> list[Level]:
    """The target levels the change applies to (all the role reaches below the region if none
    are named); a bad role, action, level or note is a validation error."""
    if role not in Role.__members__.values():
        raise ValidationFailed(_("{role!r} is not a role", role=role), field="role")
    if (obj, action) not in _pairs(enforcer):
        raise ValidationFailed(
            _("{obj}:{action} is not an action that can be granted", obj=obj, action=action),
            field="action",
        )
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            _("a note is at most {MAX_NOTE} characters", MAX_NOTE=MAX_NOTE), field="note"
        )
    reachable = _reachable(enforcer, role, region_level)
    chosen = list(reachable) if not levels else sorted(set(levels), key=ORDER.index)
    outside = [level.value for level in chosen if level not in reachable]
    if outside or not chosen:
        raise ValidationFailed(
            _(
                "{role} reaches no target at {value} level in this region",
                role=role,
                value=", ".join(outside) or "any",
            ),
            field="levels",
        )
    return chosen


def _check_granter(
    enforcer: PolicyEnforcer,
    actor: Principal,
    *,
    obj: str,
    action: str,
    region_code: str,
    levels: Sequence[Level],
) -> None:
    """`permission:grant` at the region, and the action itself at every level there."""
    authorize(actor.assignments, OBJECT, "grant", at=region_code, enforcer=enforcer)
    covering = [a for a in actor.assignments if in_subtree(region_code, a.region_code)]
    for level in levels:
        if not any(enforcer.allows(a.role, level, obj, action, at=region_code) for a in covering):
            raise PermissionDenied(
                _(
                    "you may not {action} on {obj} at {value} level there yourself",
                    action=terms.action(action),
                    obj=obj,
                    value=level.value,
                )
            )


def _decide(
    shipped: bool, rules: Sequence[PermissionRule], at: str
) -> tuple[bool, PermissionSource | None, PermissionRule | None]:
    """What casbin decides at region `at` (allow if shipped or granted above, unless withdrawn
    above), with the row that decides it (the nearest)."""
    covering = sorted(
        (r for r in rules if in_subtree(at, r.region_code)),
        key=lambda r: len(r.region_code),
        reverse=True,
    )
    deny = next((r for r in covering if not r.allow), None)
    if deny is not None:
        return False, PermissionSource.WITHDRAWN, deny
    if shipped:
        return True, PermissionSource.SHIPPED, None
    grant = next((r for r in covering if r.allow), None)
    if grant is not None:
        return True, PermissionSource.GRANTED, grant
    return False, None, None


async def _rules_of(role: str, obj: str, action: str, level: Level) -> list[PermissionRule]:
    return await PermissionRule.filter(role=role, obj=obj, action=action, level=level.value)


async def _lock(role: str, obj: str, action: str) -> None:
    from tortoise import connections

    await connections.get("default").execute_query(
        "SELECT pg_advisory_xact_lock(hashtext($1))", [f"permission:{role}:{obj}:{action}"]
    )


@dataclass(frozen=True, slots=True)
class PermissionRequest:
    """A role's action in a region's subtree, at some target levels (all it reaches if none)."""

    role: str
    obj: str
    action: str
    region_code: str
    levels: Sequence[Level] | None = None
    note: str = ""


async def _checked(
    actor: Principal, request: PermissionRequest
) -> tuple[PolicyEnforcer, Region, list[Level]]:
    """The request checked (a validation error, not found or forbidden), with the region and
    the target levels it applies to."""
    enforcer = get_enforcer()
    region = await _region(request.region_code)
    chosen = _check_request(
        enforcer,
        role=request.role,
        obj=request.obj,
        action=request.action,
        region_level=region.level,
        levels=request.levels,
        note=request.note,
    )
    _check_granter(
        enforcer,
        actor,
        obj=request.obj,
        action=request.action,
        region_code=request.region_code,
        levels=chosen,
    )
    return enforcer, region, chosen


async def grant_permission(*, actor: Principal, request: PermissionRequest) -> PermissionChange:
    """Allow the role the action in the region's subtree at the given target levels."""
    enforcer, _unused, chosen = await _checked(actor, request)
    role, obj, action, region_code = request.role, request.obj, request.action, request.region_code
    added = removed = 0
    async with in_transaction():
        await _lock(role, obj, action)
        for level in chosen:
            rules = await _rules_of(role, obj, action, level)
            if any(r.allow and r.region_code == region_code for r in rules):
                continue  # granted here already
            here = [r for r in rules if in_subtree(r.region_code, region_code)]
            removed += len(here)
            await PermissionRule.filter(id__in=[r.id for r in here]).delete()
            above = [r for r in rules if r not in here]
            allowed, source, deciding = _decide(
                enforcer.allows(role, level, obj, action), above, region_code
            )
            if source is PermissionSource.WITHDRAWN:
                assert deciding is not None
                raise Conflict(
                    _(
                        "{obj}:{action} was withdrawn from {role} at {region_code}; grant it there",
                        obj=obj,
                        action=action,
                        role=role,
                        region_code=deciding.region_code,
                    ),
                    field="regionCode",
                )
            if not allowed:
                await _store(actor, request, level, allow=True)
                added += 1
        await _audit(actor, "permission.grant", request, chosen, added, removed)
    await reload(enforcer)
    return PermissionChange(role, obj, action, region_code, chosen, added, removed)


async def withdraw_permission(*, actor: Principal, request: PermissionRequest) -> PermissionChange:
    """Take the action from the role in the region's subtree at the given target levels."""
    enforcer, region, chosen = await _checked(actor, request)
    role, obj, action, region_code = request.role, request.obj, request.action, request.region_code
    added = removed = 0
    async with in_transaction():
        await _lock(role, obj, action)
        for level in chosen:
            rules = await _rules_of(role, obj, action, level)
            grants_here = [r for r in rules if r.allow and in_subtree(r.region_code, region_code)]
            removed += len(grants_here)
            await PermissionRule.filter(id__in=[r.id for r in grants_here]).delete()
            left = [r for r in rules if r not in grants_here]
            allowed, _unused, _unused2 = _decide(
                enforcer.allows(role, level, obj, action), left, region_code
            )
            if not allowed:
                continue
            straddling = [
                held.value
                for held in _hold_levels(enforcer, role)
                if ORDER.index(held) < ORDER.index(region.level)
            ]
            if straddling:
                raise ValidationFailed(
                    _(
                        "{role} is held at {items} level, above this region: withdraw it at that level",
                        role=role,
                        items=", ".join(straddling),
                    ),
                    field="regionCode",
                )
            await _store(actor, request, level, allow=False)
            added += 1
        await _audit(actor, "permission.withdraw", request, chosen, added, removed)
    await reload(enforcer)
    return PermissionChange(role, obj, action, region_code, chosen, added, removed)


async def _store(
    actor: Principal, request: PermissionRequest, level: Level, *, allow: bool
) -> None:
    await PermissionRule.create(
        role=request.role,
        level=level.value,
        obj=request.obj,
        action=request.action,
        region_code=request.region_code,
        allow=allow,
        granted_by_id=actor.user_id or actor.api_key_id,
        granted_by_label=actor.label[:100],
        note=request.note,
    )


async def _audit(
    actor: Principal,
    what: str,
    request: PermissionRequest,
    levels: Sequence[Level],
    added: int,
    removed: int,
) -> None:
    detail: dict[str, Any] = {
        "role": request.role,
        "object": request.obj,
        "action": request.action,
        "levels": [level.value for level in levels],
        "rules_added": added,
        "rules_removed": removed,
        "note": request.note,
    }
    await record(
        actor=actor,
        action=what,
        object_type=OBJECT,
        object_id=f"{request.role}:{request.obj}:{request.action}"[:64],
        region_code=request.region_code,
        detail=detail,
    )


async def permission_matrix(
    *, actor: Principal, role: str, region_code: str, page: PageRequest
) -> tuple[Page[MatrixRow], int]:
    """What the role may do at the region, level by level, and where each row comes from
    (the shipped policy, a grant, a withdrawal); read from the database, not a process's copy."""
    enforcer = get_enforcer()
    if role not in Role.__members__.values():
        raise ValidationFailed(_("{role!r} is not a role", role=role), field="role")
    region = await _region(region_code)
    authorize(actor.assignments, OBJECT, "read", at=region_code, enforcer=enforcer)
    stored = [
        r for r in await PermissionRule.filter(role=role) if in_subtree(region_code, r.region_code)
    ]
    by_key: dict[tuple[str, str, str], list[PermissionRule]] = {}
    for rule in stored:
        by_key.setdefault((rule.obj, rule.action, rule.level), []).append(rule)
    pairs = _pairs(enforcer) | {(r.obj, r.action) for r in stored}
    rows: list[MatrixRow] = []
    for obj, action in sorted(pairs):
        for level in _reachable(enforcer, role, region.level):
            allowed, source, deciding = _decide(
                enforcer.allows(role, level, obj, action),
                by_key.get((obj, action, level.value), []),
                region_code,
            )
            if source is None:
                continue
            rows.append(
                MatrixRow(
                    obj,
                    action,
                    level,
                    allowed,
                    source,
                    deciding.region_code if deciding else None,
                    deciding.granted_by_label if deciding else None,
                    deciding.created_at if deciding else None,
                    deciding.note if deciding else "",
                )
            )
    rows.sort(key=lambda row: row.key)
    after = [row for row in rows if page.after is None or row.key > page.after]
    return make_page(after[: page.first + 1], page, lambda row: row.key), len(rows)
