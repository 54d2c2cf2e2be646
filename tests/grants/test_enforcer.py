"""The enforcer with rules granted and withdrawn at run time (pure logic, no database)."""

from __future__ import annotations

from dataclasses import dataclass

from api.regions import Level
from policies.enforcer import PolicyEnforcer, StoredRule, can, scope_prefixes


@dataclass(frozen=True)
class Held:
    role: str
    region_code: str


def test_a_grant_holds_in_its_subtree_only_and_a_withdrawal_wins() -> None:
    enforcer = PolicyEnforcer()
    assert not enforcer.allows("grid_worker", Level.GRID, "region", "update")

    enforcer.load_stored(
        [
            StoredRule("grid_worker", Level.GRID, "region", "update", "410611", True),
            StoredRule("grid_worker", Level.GRID, "region", "update", "410611002", False),
        ]
    )

    assert enforcer.allows("grid_worker", Level.GRID, "region", "update", at="410611001001001")
    assert not enforcer.allows("grid_worker", Level.GRID, "region", "update", at="410611002001001")
    assert not enforcer.allows("grid_worker", Level.GRID, "region", "update", at="410602001001001")
    # without a region: the shipped rules alone; the coarse check knows the grant exists
    assert not enforcer.allows("grid_worker", Level.GRID, "region", "update")
    assert enforcer.levels("grid_worker", "region", "update") == frozenset({Level.GRID})
    # the shipped rules and the README's table are unchanged
    assert len(enforcer.rules()) == len(PolicyEnforcer().rules())


def test_lists_are_scoped_to_the_granted_part_of_an_assignments_subtree() -> None:
    enforcer = PolicyEnforcer()
    centre = [Held("township_centre", "410611001")]
    assert scope_prefixes(centre, "audit_log", "read", enforcer) == []

    enforcer.load_stored(
        [
            StoredRule(
                "township_centre", Level.COMMUNITY, "audit_log", "read", "410611001001", True
            ),
            StoredRule("township_centre", Level.GRID, "audit_log", "read", "410611001001", True),
            StoredRule("township_centre", Level.GRID, "audit_log", "read", "410602", True),
        ]
    )

    assert scope_prefixes(centre, "audit_log", "read", enforcer) == ["410611001001"]
    assert can(centre, "audit_log", "read", at="410611001001001", enforcer=enforcer)
    assert not can(centre, "audit_log", "read", at="410611001010001", enforcer=enforcer)
    assert not can(centre, "audit_log", "read", at="410611001", enforcer=enforcer)


def test_a_withdrawal_above_an_assignment_empties_its_scope() -> None:
    enforcer = PolicyEnforcer()
    staff = [Held("community_staff", "410611001001")]
    assert scope_prefixes(staff, "region", "read", enforcer) == ["410611001001"]

    enforcer.load_stored(
        [
            StoredRule("community_staff", level, "region", "read", "410611001", False)
            for level in (Level.COMMUNITY, Level.GRID)
        ]
    )

    assert scope_prefixes(staff, "region", "read", enforcer) == []
    assert scope_prefixes(
        [Held("community_staff", "410611002001")], "region", "read", enforcer
    ) == ["410611002001"]
    enforcer.load_stored([])
    assert scope_prefixes(staff, "region", "read", enforcer) == ["410611001001"]


def test_services_choosing_among_assignments_see_a_withdrawal() -> None:
    """Not only the root-field and list checks: a service that picks which of the caller's
    assignments may act (here: the grid a position is reported for) asks at that region."""
    import pytest

    from api.auth import Assignment, Principal
    from api.domains.positions.service import _worker_grid
    from api.errors import NotAllowed
    from policies.enforcer import get_enforcer

    worker = Principal(assignments=(Assignment("grid_worker", "410611001001001"),))
    enforcer = get_enforcer()
    assert _worker_grid(worker) == "410611001001001"
    enforcer.load_stored(
        [StoredRule("grid_worker", Level.GRID, "position", "report", "410611", False)]
    )
    try:
        with pytest.raises(NotAllowed):
            _worker_grid(worker)
        elsewhere = Principal(assignments=(Assignment("grid_worker", "410602001001001"),))
        assert _worker_grid(elsewhere) == "410602001001001"
    finally:
        enforcer.load_stored([])
