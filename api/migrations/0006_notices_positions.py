from tortoise import migrations
from tortoise.migrations import operations as ops
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0005_outbox")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Notice",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("user_id", fields.UUIDField(db_index=True)),
                (
                    "kind",
                    fields.CharField(
                        description="supervision, dispatch, reminder …", max_length=32
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("body", fields.TextField(default="", unique=False)),
                ("event_id", fields.UUIDField(null=True)),
                ("region_code", fields.CharField(max_length=15)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("read_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "notices", "app": "gridgov", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WorkerPosition",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("user_id", fields.UUIDField()),
                ("region_code", fields.CharField(description="the worker's grid", max_length=15)),
                ("lat", fields.FloatField()),
                ("lng", fields.FloatField()),
                ("accuracy", fields.FloatField(description="metres")),
                (
                    "at",
                    fields.DatetimeField(
                        description="when the phone measured it", auto_now=False, auto_now_add=False
                    ),
                ),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "worker_positions",
                "app": "gridgov",
                "indexes": [Index(fields=["user_id", "at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                "CREATE INDEX outbox_user ON outbox (user_id, id) WHERE user_id IS NOT NULL",
                "CREATE INDEX outbox_topic_region ON outbox (topic, region_code varchar_pattern_ops, id)",
                "CREATE INDEX worker_positions_path ON worker_positions (region_code varchar_pattern_ops, at)",
                "CREATE INDEX notices_user_newest ON notices (user_id, created_at DESC, id DESC)",
            ],
            reverse_sql=[
                "DROP INDEX notices_user_newest",
                "DROP INDEX worker_positions_path",
                "DROP INDEX outbox_topic_region",
                "DROP INDEX outbox_user",
            ],
        ),
    ]
