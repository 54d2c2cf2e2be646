"""The cell an import's uploader typed, kept beside the masked one for them alone.

`import_row_errors.value` holds identifiers masked (4106**********1234): anyone who may read the
job reads it. `uploaded_value` holds the cell whole where it was masked, and only the job's
creator is shown it, so they can find the bad row in their own file. It is personal data
(PIPL): it lives in the error's row and goes with it (a rerun of the job replaces its errors,
deleting the job deletes them), never longer than the import's errors are kept."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0017_flows")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ImportRowError",
            name="uploaded_value",
            field=fields.CharField(
                null=True,
                max_length=200,
                description="the cell whole where value is masked; shown to the uploader only",
            ),
        ),
    ]
