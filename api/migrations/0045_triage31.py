"""Intake triage (issue 31): a duplicate rule's `merge_score`, at or above which the worker merges
a report without the desk (api/domains/triage/automerge.py), and the timeline's new action
MAIN_PROGRESS (a merged report told of its main event's progress)."""

from enum import StrEnum

from tortoise import fields, migrations
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
    COHANDLE = "cohandle"
    VERIFY_ON_SITE = "verify_on_site"
    MERGE = "merge"
    UNMERGE = "unmerge"
    MAIN_PROGRESS = "main_progress"
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0044_codes27")]

    initial = False

    operations = [
        ops.AddField(
            model_name="DuplicateRule",
            name="merge_score",
            field=fields.FloatField(
                null=True,
                description=(
                    "at or above this similarity the worker merges without the desk (null: never)"
                ),
            ),
        ),
        ops.AlterField(
            model_name="TimelineEntry",
            name="action",
            field=fields.CharEnumField(
                description="\n".join(f"{a.name}: {a.value}" for a in Action),
                enum_type=Action,
                max_length=16,
            ),
        ),
    ]
