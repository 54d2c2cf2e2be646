"""In-app notices to one user (reminders, supervision, dispatches), read or unread."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Notice(Model):
    id = fields.UUIDField(primary_key=True)
    user_id = fields.UUIDField(db_index=True)
    kind = fields.CharField(max_length=32, description="supervision, dispatch, reminder …")
    title = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    # The message title and body were made from ({"id": msgid, "params": {...}}, api/messages.py),
    # rendered in the reader's language; null for text typed by people and for older rows.
    title_msg: fields.JSONField[Any] = fields.JSONField(null=True)
    body_msg: fields.JSONField[Any] = fields.JSONField(null=True)
    event_id = fields.UUIDField(null=True)
    region_code = fields.CharField(max_length=15)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    # For notices that must reach a user once per period (investigation rounds): unique per user.
    dedupe_key = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "notices"
