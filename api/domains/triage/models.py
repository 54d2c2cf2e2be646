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
    merge_score = fields.FloatField(
        null=True,
        description="at or above this similarity the worker merges without the desk (null: never)",
    )

    class Meta:
        table = "triage_duplicate_rules"


class ClassifierVersion(Model):
    """One trained classifier (智能分拨): the pickled pipelines and what they were trained on.
    Written only by the training job (api/domains/triage/suggestions.py); the newest is used."""

    id = fields.IntField(primary_key=True, description="the version")
    trained_at = fields.DatetimeField()
    events_used = fields.IntField()
    min_per_category = fields.IntField(description="categories with fewer closed events left out")
    categories: fields.JSONField[list[str]] = fields.JSONField(default=list)
    departments: fields.JSONField[list[str]] = fields.JSONField(default=list)
    top1 = fields.FloatField(null=True, description="held-out top-1 accuracy of the category")
    top3 = fields.FloatField(null=True, description="held-out top-3 accuracy of the category")
    model = fields.BinaryField(description="pickled {'category': pipeline, 'department': …}")

    class Meta:
        table = "triage_classifiers"


class Suggestion(Model):
    """What was suggested for an event, once, the first time it was asked: compared with the
    category and department the event ended with, it gives the acceptance rate."""

    event_id = fields.UUIDField(primary_key=True)
    classifier_version = fields.IntField()
    categories: fields.JSONField[list[list[object]]] = fields.JSONField(
        description="[[category key, score], …] best first"
    )
    departments: fields.JSONField[list[list[object]]] = fields.JSONField(
        description="[[department id, score], …] best first"
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "triage_suggestions"


class SpikeRule(Model):
    """When a community's count of one category in the window counts as a spike (预警): at
    least `min_count` events, and as unlikely as `max_p` under a Poisson law whose mean is the
    same community's and category's rate over the `baseline_days` before the window. A row per
    category, or the default for every category (category_key null)."""

    id = fields.IntField(primary_key=True)
    category_key = fields.CharField(max_length=40, null=True, unique=True)
    window_hours = fields.IntField(default=168, description="the recent count's window")
    baseline_days = fields.IntField(default=56, description="before the window: the usual rate")
    min_count = fields.IntField(default=3, description="fewer events never warn")
    max_p = fields.FloatField(default=0.001, description="P(at least this many | usual rate)")

    class Meta:
        table = "triage_spike_rules"


class SpikeWarning(Model):
    """A spike found by the worker, with its evidence, until a command centre acknowledges it."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the community")
    category_key = fields.CharField(max_length=40)
    window_start = fields.DatetimeField()
    window_end = fields.DatetimeField()
    count = fields.IntField(description="events in the window (merged reports not counted)")
    baseline = fields.FloatField(description="the usual count for a window this long")
    baseline_days = fields.IntField()
    p_value = fields.FloatField(description="P(at least `count` | the usual rate)")
    detected_at = fields.DatetimeField()
    acknowledged_at = fields.DatetimeField(null=True)
    acknowledged_by_id = fields.UUIDField(null=True)
    acknowledged_by_label = fields.CharField(max_length=100, null=True)
    note = fields.CharField(max_length=500, default="")

    class Meta:
        table = "triage_spike_warnings"
        indexes = (("region_code", "category_key", "detected_at"),)
