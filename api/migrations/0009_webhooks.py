from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields

# The enums as they were when this migration was written: literals, so that a later
# change of the live enums (or their move) never changes what this migration does.


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0008_notice_rounds")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookCursor",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("sequence", fields.BigIntField()),
            ],
            options={
                "table": "webhook_cursor",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "How far the outbox has been fanned out to endpoints (a single row).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("api_key_id", fields.UUIDField(db_index=True)),
                ("url", fields.CharField(max_length=500)),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "webhook_endpoints",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "Where an API key wants status changes of events in its region sent.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "gridgov.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("sequence", fields.BigIntField(description="the outbox message delivered")),
                ("payload", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DeliveryStatus.PENDING,
                        description="PENDING: pending\nDELIVERED: delivered\nFAILED: failed",
                        enum_type=DeliveryStatus,
                        max_length=12,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.CharField(null=True, max_length=300)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "webhook_deliveries",
                "app": "gridgov",
                "unique_together": (("endpoint", "sequence"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
