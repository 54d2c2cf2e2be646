"""Grid workers' GPS positions from the mobile app (kept for a while, then pruned)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WorkerPosition(Model):
    id = fields.BigIntField(primary_key=True)
    user_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="the worker's grid")
    lat = fields.FloatField()
    lng = fields.FloatField()
    accuracy = fields.FloatField(description="metres")
    at = fields.DatetimeField(description="when the phone measured it")
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "worker_positions"
        indexes = (("user_id", "at"),)
