from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from uuid import uuid4
from tortoise import fields


class AddFieldByRunSQL(ops.AddField):
    """The model state of AddField; the column itself comes from the RunSQL below, with a default
    for the rows already there (tortoise adds a NOT NULL column without one, which fails on them)."""

    async def database_forward(self, *args, **kwargs):
        return None

    async def database_backward(self, *args, **kwargs):
        return None


# The enums as they were when this migration was written: literals, so that a later
# change of the live enums (or their move) never changes what this migration does.


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
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0011_stats")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WorkOrder",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("api_key_id", fields.UUIDField(description="the integration that submitted it")),
                (
                    "ticket_id",
                    fields.CharField(description="the hotline's own ticket number", max_length=64),
                ),
                ("idempotency_key", fields.CharField(max_length=100)),
                (
                    "request_digest",
                    fields.CharField(
                        description="SHA-256 of the submitted fields: a reused key must match",
                        max_length=64,
                    ),
                ),
                ("event_id", fields.UUIDField(null=True, unique=True)),
                ("caller_name", fields.CharField(null=True, max_length=50)),
                ("caller_phone", fields.CharField(null=True, max_length=20)),
                ("callback_satisfaction", fields.SmallIntField(null=True, description="回访: 1–5")),
                ("callback_note", fields.TextField(null=True, unique=False)),
                (
                    "callback_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "intake_work_orders",
                "app": "gridgov",
                "unique_together": (("api_key_id", "idempotency_key"), ("api_key_id", "ticket_id")),
                "pk_attr": "id",
                "table_description": "One work order of one integration. The two unique pairs make a retry (same idempotency",
            },
            bases=["Model"],
        ),
        AddFieldByRunSQL(
            model_name="WebhookEndpoint",
            name="own_submissions_only",
            field=fields.BooleanField(
                default=False, description="only events the integration itself submitted"
            ),
        ),
        ops.AlterField(
            model_name="TimelineEntry",
            name="action",
            field=fields.CharEnumField(
                description="REPORT: report\nFILE: file\nREJECT: reject\nASSIGN: assign\nACCEPT: accept\nRETURN: return\nSUBMIT: submit\nVERIFY: verify\nCLOSE: close\nEVALUATE: evaluate\nESCALATE: escalate\nSELF_HANDLE: self_handle\nSUPERVISE: supervise\nCOMMENT: comment\nATTACH: attach\nFOLLOW_UP: follow_up\nREMIND: remind\nYELLOW_CARD: yellow_card\nRED_CARD: red_card",
                enum_type=Action,
                max_length=16,
            ),
        ),
        ops.RunSQL(
            [
                "ALTER TABLE intake_work_orders ADD CONSTRAINT intake_work_orders_callback_range "
                "CHECK (callback_satisfaction BETWEEN 1 AND 5)",
                "ALTER TABLE webhook_endpoints ADD COLUMN own_submissions_only BOOL NOT NULL DEFAULT FALSE",
            ],
            reverse_sql=[
                "ALTER TABLE webhook_endpoints DROP COLUMN own_submissions_only",
                "ALTER TABLE intake_work_orders DROP CONSTRAINT intake_work_orders_callback_range",
            ],
        ),
    ]
