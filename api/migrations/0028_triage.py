"""Intake triage (api/domains/triage): duplicate rules per category, and a merged report's
pointer to its main event with the indexes the duplicate lookup and the merge read; the enums
are written out here, as a migration applies the same SQL forever."""

from enum import StrEnum
from uuid import uuid4

from orjson import loads

from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Action(StrEnum):
    REPORT = "report"
    FILE = "file"
    REJECT = "reject"
    ASSIGN = "assign"
    ACCEPT = "accept"
    RETURN = "return"
    SUBMIT = "submit"
    VERIFY = "verify"
    CLOSE = "close"
    EVALUATE = "evaluate"
    ESCALATE = "escalate"
    SELF_HANDLE = "self_handle"
    SUPERVISE = "supervise"
    COMMENT = "comment"
    ATTACH = "attach"
    FOLLOW_UP = "follow_up"
    MERGE = "merge"
    UNMERGE = "unmerge"
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0027_care")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DuplicateRule",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("category_key", fields.CharField(null=True, unique=True, max_length=40)),
                (
                    "radius_m",
                    fields.IntField(default=150, description="at most this far apart (metres)"),
                ),
                (
                    "window_hours",
                    fields.IntField(default=72, description="reported at most this far apart"),
                ),
                (
                    "min_score",
                    fields.FloatField(
                        default=0.3, description="text similarity to be offered, 0–1"
                    ),
                ),
            ],
            options={
                "table": "triage_duplicate_rules",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "The duplicate window of one category (or of every category, when category_key is null):",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Event",
            name="merged_into_id",
            field=fields.UUIDField(null=True),
        ),
        ops.AlterField(
            model_name="TimelineEntry",
            name="action",
            field=fields.CharEnumField(
                description="REPORT: report\nFILE: file\nREJECT: reject\nASSIGN: assign\nACCEPT: accept\nRETURN: return\nSUBMIT: submit\nVERIFY: verify\nCLOSE: close\nEVALUATE: evaluate\nESCALATE: escalate\nSELF_HANDLE: self_handle\nSUPERVISE: supervise\nCOMMENT: comment\nATTACH: attach\nFOLLOW_UP: follow_up\nMERGE: merge\nUNMERGE: unmerge\nREMIND: remind\nYELLOW_CARD: yellow_card\nRED_CARD: red_card",
                enum_type=Action,
                max_length=16,
            ),
        ),
        ops.CreateModel(
            name="ClassifierVersion",
            fields=[
                (
                    "id",
                    fields.IntField(
                        generated=True,
                        primary_key=True,
                        unique=True,
                        db_index=True,
                        description="the version",
                    ),
                ),
                ("trained_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("events_used", fields.IntField()),
                (
                    "min_per_category",
                    fields.IntField(description="categories with fewer closed events left out"),
                ),
                ("categories", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("departments", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "top1",
                    fields.FloatField(
                        null=True, description="held-out top-1 accuracy of the category"
                    ),
                ),
                (
                    "top3",
                    fields.FloatField(
                        null=True, description="held-out top-3 accuracy of the category"
                    ),
                ),
                (
                    "model",
                    fields.BinaryField(
                        description="pickled {'category': pipeline, 'department': …}"
                    ),
                ),
            ],
            options={
                "table": "triage_classifiers",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "One trained classifier (智能分拨): the pickled pipelines and what they were trained on.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Suggestion",
            fields=[
                (
                    "event_id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("classifier_version", fields.IntField()),
                (
                    "categories",
                    fields.JSONField(
                        description="[[category key, score], …] best first",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                (
                    "departments",
                    fields.JSONField(
                        description="[[department id, score], …] best first",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "triage_suggestions",
                "app": "gridgov",
                "pk_attr": "event_id",
                "table_description": "What was suggested for an event, once, the first time it was asked: compared with the",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                # the duplicate lookup's prefilter (api/domains/triage/duplicates.py): a
                # category's unmerged events in a band of latitude, or in one region
                "CREATE INDEX events_duplicate_near ON events (category_key, lat)"
                " WHERE merged_into_id IS NULL",
                "CREATE INDEX events_duplicate_region ON events (region_code, category_key,"
                " reported_at) WHERE merged_into_id IS NULL",
                "CREATE INDEX events_merged_into ON events (merged_into_id)"
                " WHERE merged_into_id IS NOT NULL",
                "ALTER TABLE events ADD CONSTRAINT events_not_merged_into_itself"
                " CHECK (merged_into_id IS NULL OR merged_into_id <> id)",
            ],
            reverse_sql=[
                "ALTER TABLE events DROP CONSTRAINT events_not_merged_into_itself",
                "DROP INDEX events_merged_into",
                "DROP INDEX events_duplicate_region",
                "DROP INDEX events_duplicate_near",
            ],
        ),
    ]
