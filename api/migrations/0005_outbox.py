from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0004_event_paths_and_deadlines")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("topic", fields.CharField(max_length=32)),
                (
                    "region_code",
                    fields.CharField(description="ancestors' channels receive it", max_length=15),
                ),
                (
                    "user_id",
                    fields.UUIDField(null=True, description="for messages to one user (notices)"),
                ),
                ("payload", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "outbox",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "One change; `id` is the global sequence subscribers resume from.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxRelayState",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("published_up_to", fields.BigIntField()),
            ],
            options={
                "table": "outbox_relay",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "How far the relay has published, in order (a single row).",
            },
            bases=["Model"],
        ),
    ]
