"""Automatic merging of duplicates (重复件, api/domains/triage/automerge.py): a category's rule may
name a text similarity at or above which the worker merges a report without the desk."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0039_grades")]

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
    ]
