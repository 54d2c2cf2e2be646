"""The policy file, the scope rule and the documented table (pure, no database)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.domains.accounts.enums import Role
from api.errors import NotFound, PermissionDenied
from api.regions import Level
from policies.enforcer import POLICY_PATH, authorize, can, get_enforcer, scope_prefixes
from policies.render_table import render


@dataclass(frozen=True)
class Held:
    role: str
    region_code: str


def rows() -> list[list[str]]:
    lines = [
        line for line in POLICY_PATH.read_text().splitlines() if line and not line.startswith("#")
    ]
    return [[cell.strip() for cell in row] for row in csv.reader(lines)]


def test_every_row_is_allowed_and_others_are_not() -> None:
    enforcer = get_enforcer()
    listed = {tuple(row[1:]) for row in rows()}
    for _, role, level, obj, action in rows():
        assert enforcer.allows(role, Level(level), obj, action)
    for role in Role:
        for level in Level:
            for obj, action in {(r[3], r[4]) for r in rows()}:
                expected = (role.value, level.value, obj, action) in listed
                assert enforcer.allows(role.value, level, obj, action) is expected


def test_roles_and_levels_in_the_file_are_known_and_every_role_can_be_held() -> None:
    assert {row[1] for row in rows()} <= {role.value for role in Role}
    assert {row[2] for row in rows()} <= {level.value for level in Level}
    held = {row[1] for row in rows() if row[3:] == ["assignment", "hold"]}
    assert held == {role.value for role in Role}


def test_scope_prefixes() -> None:
    assert scope_prefixes([], "region", "read") == []
    assert scope_prefixes([Held("admin", "4106"), Held("admin", "410611")], "region", "read") == [
        "4106"
    ]
    assert scope_prefixes([Held("grid_worker", "410611001001001")], "user", "read") == []
    assert scope_prefixes(
        [Held("grid_worker", "410611001001001"), Held("township_centre", "410611002")],
        "region",
        "read",
    ) == ["410611001001001", "410611002"]


def test_authorize_scope_and_permission() -> None:
    township = [Held("admin", "410611002")]
    authorize(township, "region", "update", at="410611002005003")
    with pytest.raises(NotFound):
        authorize(township, "region", "update", at="410611003005003")  # sibling township
    with pytest.raises(NotFound):
        authorize(
            [Held("admin", "410611001001")], "region", "read", at="410611001010"
        )  # shares "4106110010"
    with pytest.raises(ValueError):
        authorize(township, "region", "read", at="41061100200")
    with pytest.raises(PermissionDenied):
        authorize([Held("township_centre", "410611002")], "region", "update", at="410611002005")
    assert can(township, "region", "read", at="410611002")
    assert not can(township, "region", "read", at="410611")


def test_readme_table_is_the_policy() -> None:
    readme = (Path(POLICY_PATH).parent / "README.md").read_text()
    table = readme.split("<!-- table:start -->\n", 1)[1].split("<!-- table:end -->", 1)[0]
    assert table == render()
