from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

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
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class Card(StrEnum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


class Stage(StrEnum):
    FILE = "file"
    DISPATCH = "dispatch"
    HANDLE = "handle"
    VERIFY = "verify"
    CLOSE = "close"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0006_notices_positions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CardRecord",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "gridgov.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cards",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "card",
                    fields.CharEnumField(
                        description="NONE: none\nYELLOW: yellow\nRED: red",
                        enum_type=Card,
                        max_length=8,
                    ),
                ),
                (
                    "stage",
                    fields.CharEnumField(
                        description="FILE: file\nDISPATCH: dispatch\nHANDLE: handle\nVERIFY: verify\nCLOSE: close",
                        enum_type=Stage,
                        max_length=16,
                    ),
                ),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("given_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("handling_region_code", fields.CharField(db_index=True, max_length=15)),
                ("assignee_department_id", fields.UUIDField(null=True, db_index=True)),
                ("assignee_user_id", fields.UUIDField(null=True)),
                (
                    "forgiven_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("forgiven_reason", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "event_cards",
                "app": "gridgov",
                "unique_together": (("event", "card", "stage", "due_at"),),
                "pk_attr": "id",
                "table_description": "A yellow or red card as given, kept even when later forgiven on appeal (rankings count",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Event",
            name="card",
            field=fields.CharEnumField(
                default=Card.NONE, description="worst so far", enum_type=Card, max_length=8
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="warning_level",
            field=fields.SmallIntField(default=0),
        ),
        ops.AlterField(
            model_name="TimelineEntry",
            name="action",
            field=fields.CharEnumField(
                description="REPORT: report\nFILE: file\nREJECT: reject\nASSIGN: assign\nACCEPT: accept\nRETURN: return\nSUBMIT: submit\nVERIFY: verify\nCLOSE: close\nEVALUATE: evaluate\nESCALATE: escalate\nSELF_HANDLE: self_handle\nSUPERVISE: supervise\nCOMMENT: comment\nATTACH: attach\nREMIND: remind\nYELLOW_CARD: yellow_card\nRED_CARD: red_card",
                enum_type=Action,
                max_length=16,
            ),
        ),
        ops.RunSQL(
            [
                # rows written by SQL (bulk loads) start unenforced too
                "ALTER TABLE events ALTER COLUMN warning_level SET DEFAULT 0",
                "CREATE INDEX event_cards_given ON event_cards (given_at)",
            ],
            reverse_sql=[
                "DROP INDEX event_cards_given",
                "ALTER TABLE events ALTER COLUMN warning_level DROP DEFAULT",
            ],
        ),
    ]
