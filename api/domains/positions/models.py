"""Grid workers' GPS positions from the mobile app: the history (kept for a while, then pruned)
and each worker's latest fix apart, so "where are my workers now" reads one row per worker
instead of scanning a day's history (10,000 workers at one fix every 30 s are 12M rows a day)."""

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
        # one fix per worker and instant: a phone that re-sends its buffered track after a lost
        # answer stores each fix once (the index also serves a worker's track by time)
        unique_together = (("user_id", "at"),)


class LatestPosition(Model):
    """A worker's newest fix, upserted with each report (an older fix arriving late never
    replaces a newer one)."""

    user_id = fields.UUIDField(primary_key=True)
    position_id = fields.BigIntField(description="the fix's row in worker_positions")
    region_code = fields.CharField(max_length=15, description="the worker's grid")
    lat = fields.FloatField()
    lng = fields.FloatField()
    accuracy = fields.FloatField(description="metres")
    at = fields.DatetimeField(description="when the phone measured it")
    received_at = fields.DatetimeField()

    class Meta:
        table = "worker_latest_positions"
