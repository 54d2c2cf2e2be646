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
