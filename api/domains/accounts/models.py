"""Users, their role assignments, sign-in sessions and integration API keys."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.domains.accounts.enums import Role


class User(Model):
    id = fields.UUIDField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=100)
    phone = fields.CharField(max_length=20, null=True)
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    last_login_at = fields.DatetimeField(null=True)
    language = fields.CharField(
        null=True,
        max_length=8,
        description="saved language of messages (zh-CN, en); null: the deployment default",
    )

    assignments: fields.ReverseRelation[RoleAssignment]

    class Meta:
        table = "users"


class RoleAssignment(Model):
    """A role held at a region (and optionally for a department)."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "gridgov.User", related_name="assignments", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=32)
    region_code = fields.CharField(max_length=15, db_index=True)
    department_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: str

    class Meta:
        table = "role_assignments"
        unique_together = (("user", "role", "region_code", "department_id"),)


class UserSession(Model):
    """A sign-in: the refresh token (stored hashed) that can mint access tokens until revoked."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "gridgov.User", related_name="sessions", on_delete=fields.CASCADE
    )
    refresh_token_hash = fields.CharField(max_length=64, unique=True)
    previous_refresh_token_hash = fields.CharField(max_length=64, null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    refreshed_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    user_agent = fields.CharField(max_length=255, null=True)
    ip = fields.CharField(max_length=64, null=True)

    user_id: str

    class Meta:
        table = "user_sessions"


class ApiKey(Model):
    """An integration's key (hotline, WeChat front end): shown once, stored hashed, region-scoped."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=16, unique=True)
    key_hash = fields.CharField(max_length=64)
    region_code = fields.CharField(max_length=15, db_index=True)
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
