"""How near in space, time and wording two reports must be to be offered as duplicates."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DuplicateRule(Model):
    """The duplicate window of one category (or of every category, when category_key is null):
    a burst main is reported from across a street, a blocked lane from a whole block away."""

    id = fields.IntField(primary_key=True)
    category_key = fields.CharField(max_length=40, null=True, unique=True)
    radius_m = fields.IntField(default=150, description="at most this far apart (metres)")
    window_hours = fields.IntField(default=72, description="reported at most this far apart")
    min_score = fields.FloatField(default=0.3, description="text similarity to be offered, 0–1")

    class Meta:
        table = "triage_duplicate_rules"
