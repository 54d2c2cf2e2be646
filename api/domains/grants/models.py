"""The casbin rules granted or withdrawn at run time (the shipped policy.csv is the default).

One row is one casbin policy line `p, role, level, obj, act, region*, allow|deny`. A change to
the table notifies channel `gridgov_permissions` when it commits (migration 0031), and every
process loads the rules again (api/domains/grants/watcher.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class PermissionRule(Model):
    id = fields.UUIDField(primary_key=True)
    role = fields.CharField(max_length=32)
    level = fields.CharField(max_length=16)  # api.regions.Level
    obj = fields.CharField(max_length=40)
    action = fields.CharField(max_length=40)
    region_code = fields.CharField(max_length=15)
    allow = fields.BooleanField()  # false: withdrawn from the shipped or an ancestor's grant
    granted_by_id = fields.UUIDField(null=True)
    granted_by_label = fields.CharField(max_length=100)
    note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "permission_rules"
        unique_together = (("role", "level", "obj", "action", "region_code"),)
