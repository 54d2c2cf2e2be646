"""Users with role assignments (用户与角色): natural key `username`; a row is one role of a user,
so a user with two roles takes two rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from api.domains.accounts.enums import Role
from api.domains.accounts.service import USERNAME_PATTERN
from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import (
    Column,
    Derived,
    Invalid,
    Kind,
    Problem,
    Rejecter,
    RowContext,
    Writer,
    Written,
    choice,
    phone,
    region_code,
)
from api.i18n import _
from api.regions import Level, subtree_sql
from policies.enforcer import get_enforcer

ROLE_NAMES = {
    "网格员": Role.GRID_WORKER,
    "网格长": Role.GRID_LEADER,
    "社区工作人员": Role.COMMUNITY_STAFF,
    "社区": Role.COMMUNITY_STAFF,
    "街道中心": Role.TOWNSHIP_CENTRE,
    "乡镇中心": Role.TOWNSHIP_CENTRE,
    "区指挥中心": Role.DISTRICT_COMMAND,
    "县指挥中心": Role.DISTRICT_COMMAND,
    "市指挥中心": Role.CITY_COMMAND,
    "部门人员": Role.DEPARTMENT_STAFF,
    "部门工作人员": Role.DEPARTMENT_STAFF,
    "领导": Role.LEADER,
    "管理员": Role.ADMIN,
}
# Citizens sign up themselves and integrations get API keys: neither comes from a staff list.
IMPORTABLE = [role for role in Role if role not in {Role.CITIZEN, Role.INTEGRATION}]
ROLES = {role.value: role.value for role in IMPORTABLE} | {
    name: role.value for name, role in ROLE_NAMES.items()
}
# Imported accounts have no password: this is no argon2 hash, so no password ever matches it.
NO_PASSWORD = "!imported"  # noqa: S105 - the absence of one


def username(raw: str) -> str:
    cleaned = raw.lower()
    if not USERNAME_PATTERN.match(cleaned):
        raise Invalid(_("3–64 characters of a–z, 0–9, _ . -, starting with a letter or digit"))
    return cleaned


def display_name(raw: str) -> str:
    return " ".join(raw.split())


class Users(Kind):
    kind = ImportKind.USERS
    table = "users"
    key = ("username", "role", "region_code", "department_code")
    columns = (
        Column(
            "username",
            ("用户名", "账号", "登录名", "login"),
            required=True,
            max_length=64,
            parse=username,
            updatable=False,
        ),
        Column("display_name", ("姓名", "显示名", "name"), required=True, parse=display_name),
        Column("phone", ("手机号", "手机", "联系电话", "电话"), max_length=20, parse=phone),
        Column(
            "role",
            ("角色",),
            required=True,
            parse=choice(ROLES, ", ".join(ROLES)),
            updatable=False,
        ),
        Column(
            "region_code",
            ("所属区划", "区划代码", "网格编码", "所属网格", "region"),
            required=True,
            max_length=15,
            parse=region_code,
            updatable=False,
        ),
        Column("department_code", ("部门代码", "部门编码", "department"), max_length=32),
    )
    derived = (Derived("department_id", "uuid"),)

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        role, code = values["role"], values["region_code"]
        level = Level.of_code(code)
        assert level is not None  # parsed
        if not get_enforcer().may_hold(role, level):
            return [
                (
                    "role",
                    RowErrorCode.ROLE_NOT_AT_LEVEL,
                    f"{role} cannot be held at {level.value} level",
                    role,
                )
            ]
        if not context.may_assign(role, level):
            return [
                (
                    "role",
                    RowErrorCode.NOT_ALLOWED,
                    f"your roles may not grant roles at {level.value} level",
                    role,
                )
            ]
        if role == Role.DEPARTMENT_STAFF.value and values["department_code"] is None:
            return [
                (
                    "department_code",
                    RowErrorCode.REQUIRED,
                    "department staff need their department's code",
                    None,
                )
            ]
        values["department_id"] = None
        return []

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        await reject(
            "SELECT s.row_number, 'department_code', 'UNKNOWN_DEPARTMENT', "
            "'no active department ' || s.department_code || ' in ' || s.region_code, "
            "s.department_code FROM import_staging s WHERE s.department_code IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM departments d WHERE d.region_code = s.region_code "
            "AND d.code = s.department_code AND d.is_active)"
        )
        await connection.execute(
            "UPDATE import_staging s SET department_id = d.id FROM departments d "
            "WHERE d.region_code = s.region_code AND d.code = s.department_code"
        )

    async def check_scope(self, reject: Rejecter, scope: str) -> None:
        """An account is the concern of every region its holder works in: one that also works
        outside the caller's subtree is not the caller's to change (as in updateUser)."""
        await reject(
            "SELECT s.row_number, 'username', 'OUT_OF_SCOPE', "
            "'this user also works outside your region', s.username FROM import_staging s "
            "WHERE EXISTS (SELECT 1 FROM users u JOIN role_assignments a ON a.user_id = u.id "
            f"WHERE u.username = s.username AND NOT {subtree_sql('a.region_code', '$1')})",
            scope,
        )

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        update = ["display_name", *(["phone"] if "phone" in present else [])]
        current = ", ".join(f"users.{c}" for c in update)
        proposed = ", ".join(f"EXCLUDED.{c}" for c in update)
        # The first row of a user names them; later rows only add roles.
        await connection.execute(
            "CREATE TEMP TABLE import_user_changes ON COMMIT DROP AS "
            "WITH written AS ("
            "INSERT INTO users (id, username, display_name, phone, password_hash, is_active, "
            "created_at, updated_at) "
            "SELECT DISTINCT ON (s.username) gen_random_uuid(), s.username, s.display_name, "
            f"s.phone, '{NO_PASSWORD}', true, now(), now() FROM import_staging s "
            "ORDER BY s.username, s.row_number "
            "ON CONFLICT (username) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
            + f", updated_at = now() WHERE ROW({current}) IS DISTINCT FROM ROW({proposed}) "
            "RETURNING username, (xmax = 0) AS inserted) SELECT * FROM written"
        )
        await connection.execute(
            "CREATE TEMP TABLE import_new_roles ON COMMIT DROP AS "
            "WITH written AS ("
            "INSERT INTO role_assignments (id, user_id, role, region_code, department_id, "
            "created_at) SELECT gen_random_uuid(), u.id, s.role, s.region_code, s.department_id, "
            "now() FROM import_staging s JOIN users u ON u.username = s.username "
            "ON CONFLICT (user_id, role, region_code, department_id) DO NOTHING "
            "RETURNING user_id, role, region_code, department_id) "
            "SELECT w.*, u.username FROM written w JOIN users u ON u.id = w.user_id"
        )
        row = await connection.fetchrow(
            "SELECT count(*) FILTER (WHERE c.inserted) AS inserted, "
            "count(*) FILTER (WHERE NOT coalesce(c.inserted, false) "
            "AND (c.username IS NOT NULL OR n.username IS NOT NULL)) AS updated "
            "FROM import_staging s "
            "LEFT JOIN import_user_changes c ON c.username = s.username "
            "LEFT JOIN import_new_roles n ON n.username = s.username AND n.role = s.role "
            "AND n.region_code = s.region_code "
            "AND n.department_id IS NOT DISTINCT FROM s.department_id"
        )
        return Written(inserted=row["inserted"], updated=row["updated"])
