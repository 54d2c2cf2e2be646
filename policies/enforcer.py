"""Role policies (casbin) with memoized decisions, and the subtree scope rule.

Casbin answers "may this role do this action on this kind of object at this level, here"; the
scope rule answers "is the target inside the subtree of an assignment that may". Both run once
per operation and never touch the database.

The shipped `policy.csv` holds everywhere. Rules granted or withdrawn at run time hold in a
region's subtree; they live in PostgreSQL (api/domains/grants), which hands them to
`load_stored` on start-up and on every change it hears of. A withdrawal (a deny rule) never lies
strictly inside the subtree of a place where its role can be held, so a list's region prefixes
stay exact (see `StoredRule`)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import casbin
from casbin.persist.adapter import Adapter, load_policy_line

from api.errors import NotFound, PermissionDenied
from api.i18n import _
from api.regions import ORDER, Level, in_subtree
from policies import terms

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "model.conf"
POLICY_PATH = HERE / "policy.csv"
EVERYWHERE = "*"
_REGIONAL_MEMO = 50_000  # decisions at a region kept before starting over


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A rule granted (allow) or withdrawn (deny) at run time, for the subtree of `region_code`."""

    role: str
    level: Level
    obj: str
    action: str
    region_code: str
    allow: bool


class ShippedAndStored(Adapter):
    """The casbin adapter: the shipped file's rows (everywhere, allow), then the stored rules.
    Read-only: rules are written by the permissions service, never through the enforcer."""

    def __init__(self, policy_path: Path, stored: Iterable[StoredRule] = ()):
        self.policy_path = policy_path
        self.stored = list(stored)

    def load_policy(self, model: Any) -> None:
        for raw in self.policy_path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                load_policy_line(f"{line}, {EVERYWHERE}, allow", model)
        for rule in self.stored:
            effect = "allow" if rule.allow else "deny"
            load_policy_line(
                f"p, {rule.role}, {rule.level.value}, {rule.obj}, {rule.action},"
                f" {rule.region_code}*, {effect}",
                model,
            )


class Assignment(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def region_code(self) -> str: ...


class PolicyEnforcer:
    """Decisions are memoized per (role, level, object, action): a few hundred distinct tuples
    exist, and a plain casbin call costs far more than a dict lookup (DESIGN.md §3). Where
    stored rules name the (role, object, action), decisions are memoized per region too."""

    def __init__(self, model_path: Path = MODEL_PATH, policy_path: Path = POLICY_PATH):
        self._adapter = ShippedAndStored(policy_path)
        self._casbin = casbin.Enforcer(str(model_path), self._adapter)
        self._forget()

    def _forget(self) -> None:
        self._decisions: dict[tuple[str, Level, str, str], bool] = {}
        self._levels: dict[tuple[str, str, str], frozenset[Level]] = {}
        self._here: dict[tuple[str, Level, str, str, str], bool] = {}
        self._regional: dict[tuple[str, str, str], list[StoredRule]] = {}
        for rule in self._adapter.stored:
            self._regional.setdefault((rule.role, rule.obj, rule.action), []).append(rule)

    def load_stored(self, rules: Iterable[StoredRule]) -> None:
        """Replace the rules granted and withdrawn at run time (and forget every decision)."""
        self._adapter.stored = list(rules)
        self._casbin.load_policy()
        self._forget()

    @property
    def stored(self) -> list[StoredRule]:
        return list(self._adapter.stored)

    def allows(
        self, role: str, level: Level, obj: str, action: str, *, at: str | None = None
    ) -> bool:
        """Whether the role may do it at that level: with `at`, in the region `at` (stored rules
        included); without, by the shipped rules alone."""
        if at is not None and (role, obj, action) in self._regional:
            here = (role, level, obj, action, at)
            decision = self._here.get(here)
            if decision is None:
                if len(self._here) >= _REGIONAL_MEMO:
                    self._here.clear()
                decision = bool(self._casbin.enforce(role, level.value, obj, action, at))
                self._here[here] = decision
            return decision
        key = (role, level, obj, action)
        decision = self._decisions.get(key)
        if decision is None:
            decision = bool(self._casbin.enforce(role, level.value, obj, action, ""))
            self._decisions[key] = decision
        return decision

    def may_hold(self, role: str, level: Level) -> bool:
        return self.allows(role, level, "assignment", "hold")

    def levels(self, role: str, obj: str, action: str) -> frozenset[Level]:
        """The levels where the role may do it somewhere (shipped or granted)."""
        key = (role, obj, action)
        found = self._levels.get(key)
        if found is None:
            granted = {r.level for r in self._regional.get(key, ()) if r.allow}
            found = frozenset(
                level
                for level in ORDER
                if level in granted or self.allows(role, level, obj, action)
            )
            self._levels[key] = found
        return found

    def granted(self, role: str, obj: str, action: str) -> list[StoredRule]:
        """The stored rules that allow it somewhere (a subtree each)."""
        return [r for r in self._regional.get((role, obj, action), ()) if r.allow]

    def rules(self) -> list[tuple[str, str, str, str]]:
        """The shipped rules (what policies/README.md tabulates)."""
        return [(r[0], r[1], r[2], r[3]) for r in self._casbin.get_policy() if r[4] == EVERYWHERE]


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
        if any(
            level in reachable
            and enforcer.allows(assignment.role, level, obj, action, at=assignment.region_code)
            for level in enforcer.levels(assignment.role, obj, action)
        ):
            prefixes.add(assignment.region_code)
        for rule in enforcer.granted(assignment.role, obj, action):
            # granted in part of the assignment's subtree: that part
            if (
                rule.level in reachable
                and in_subtree(rule.region_code, assignment.region_code)
                and enforcer.allows(assignment.role, rule.level, obj, action, at=rule.region_code)
            ):
                prefixes.add(rule.region_code)
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
        in_subtree(at, a.region_code) and enforcer.allows(a.role, level, obj, action, at=at)
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
    if not any(enforcer.allows(a.role, level, obj, action, at=at) for a in covering):
        raise PermissionDenied(
            _(
                "{action} on {obj} at {value} level is not allowed for your roles",
                action=terms.action(action),
                obj=obj,
                value=level.value,
            )
        )
