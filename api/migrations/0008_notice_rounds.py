from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0007_deadline_enforcement")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Notice",
            name="dedupe_key",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.RunSQL(
            [
                # a round's notice reaches each user once, even if two workers start it together
                "CREATE UNIQUE INDEX notices_once_per_round ON notices (user_id, dedupe_key)"
                " WHERE dedupe_key IS NOT NULL",
            ],
            reverse_sql=["DROP INDEX notices_once_per_round"],
        ),
    ]
