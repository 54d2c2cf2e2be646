"""Role policies (casbin) with memoized decisions, and the subtree scope rule.

Casbin answers "may this role do this action on this kind of object at this level"; the scope
rule answers "is the target inside the subtree of an assignment that may". Both run once per
operation and never touch the database."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import casbin

from api.errors import NotFound, PermissionDenied
from api.regions import ORDER, Level, in_subtree

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "model.conf"
POLICY_PATH = HERE / "policy.csv"


class Assignment(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def region_code(self) -> str: ...


class PolicyEnforcer:
    """Decisions are memoized per (role, level, object, action): a few hundred distinct tuples
    exist, and a plain casbin call costs far more than a dict lookup (DESIGN.md §3)."""

    def __init__(self, model_path: Path = MODEL_PATH, policy_path: Path = POLICY_PATH):
        self._casbin = casbin.Enforcer(str(model_path), str(policy_path))
        self._decisions: dict[tuple[str, Level, str, str], bool] = {}
        self._levels: dict[tuple[str, str, str], frozenset[Level]] = {}

    def allows(self, role: str, level: Level, obj: str, action: str) -> bool:
        key = (role, level, obj, action)
        decision = self._decisions.get(key)
        if decision is None:
            decision = bool(self._casbin.enforce(role, level.value, obj, action))
            self._decisions[key] = decision
        return decision

    def may_hold(self, role: str, level: Level) -> bool:
        return self.allows(role, level, "assignment", "hold")

    def levels(self, role: str, obj: str, action: str) -> frozenset[Level]:
        key = (role, obj, action)
        found = self._levels.get(key)
        if found is None:
            found = frozenset(level for level in ORDER if self.allows(role, level, obj, action))
            self._levels[key] = found
        return found

    def rules(self) -> list[tuple[str, str, str, str]]:
        return [(r[0], r[1], r[2], r[3]) for r in self._casbin.get_policy()]


@functools.cache
def get_enforcer() -> PolicyEnforcer:
    return PolicyEnforcer()


def _level_of(code: str) -> Level:
    level = Level.of_code(code)
    if level is None:
        raise ValueError(f"{code!r} is not a region code")
    return level


def scope_prefixes(
    assignments: Sequence[Assignment],
    obj: str,
    action: str,
    enforcer: PolicyEnforcer | None = None,
) -> list[str]:
    """Region-code prefixes under which the caller may do `action` on `obj` at some level;
    an empty list means nothing (deny all)."""
    enforcer = enforcer or get_enforcer()
    prefixes: set[str] = set()
    for assignment in assignments:
        held = Level.of_code(assignment.region_code)
        if held is None:
            continue
        reachable = ORDER[ORDER.index(held) :]
        if any(level in reachable for level in enforcer.levels(assignment.role, obj, action)):
            prefixes.add(assignment.region_code)
    # Drop a prefix another one already covers, so SQL gets the fewest OR branches.
    return sorted(p for p in prefixes if not any(p != q and in_subtree(p, q) for q in prefixes))


def can(
    assignments: Sequence[Assignment],
    obj: str,
    action: str,
    *,
    at: str,
    enforcer: PolicyEnforcer | None = None,
) -> bool:
    enforcer = enforcer or get_enforcer()
    level = _level_of(at)
    return any(
        in_subtree(at, a.region_code) and enforcer.allows(a.role, level, obj, action)
        for a in assignments
    )


def authorize(
    assignments: Sequence[Assignment],
    obj: str,
    action: str,
    *,
    at: str,
    enforcer: PolicyEnforcer | None = None,
) -> None:
    """Return if some assignment covering region `at` allows the action there; out of scope is
    NotFound (no existence oracle), in scope but not allowed is PermissionDenied."""
    enforcer = enforcer or get_enforcer()
    level = _level_of(at)
    covering = [a for a in assignments if in_subtree(at, a.region_code)]
    if not covering:
        raise NotFound(obj, at)
    if not any(enforcer.allows(a.role, level, obj, action) for a in covering):
        raise PermissionDenied(
            f"{action} on {obj} at {level.value} level is not allowed for your roles"
        )
