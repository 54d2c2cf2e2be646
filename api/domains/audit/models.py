"""The audit log: who changed or unmasked what, and when (append-only)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_id = fields.UUIDField(null=True)
    actor_label = fields.CharField(max_length=100)
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=32)
    object_id = fields.CharField(max_length=64)
    region_code = fields.CharField(max_length=15, db_index=True)
    detail: fields.JSONField[Any] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_log"
