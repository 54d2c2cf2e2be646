"""Published notices (api/domains/announcements) and one receipt row per recipient; the
enums are written out here, as a migration applies the same SQL forever."""

from enum import StrEnum
from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class AnnouncementStatus(StrEnum):
    PUBLISHED = "published"
    REVOKED = "revoked"


class Priority(StrEnum):
    NORMAL = "normal"
    IMPORTANT = "important"
    URGENT = "urgent"


class BodyFormat(StrEnum):
    PLAIN = "plain"
    MARKDOWN = "markdown"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0021_approvals")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Announcement",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("title", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                (
                    "body_format",
                    fields.CharEnumField(
                        description="PLAIN: plain\nMARKDOWN: markdown",
                        enum_type=BodyFormat,
                        max_length=16,
                    ),
                ),
                (
                    "priority",
                    fields.CharEnumField(
                        description="NORMAL: normal\nIMPORTANT: important\nURGENT: urgent",
                        enum_type=Priority,
                        max_length=16,
                    ),
                ),
                (
                    "attachment_ids",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("require_acknowledgement", fields.BooleanField(default=False)),
                (
                    "acknowledge_by",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("publisher_id", fields.UUIDField()),
                ("publisher_label", fields.CharField(max_length=100)),
                (
                    "region_code",
                    fields.CharField(
                        description="the publisher's region it went out from", max_length=15
                    ),
                ),
                (
                    "audience",
                    fields.JSONField(
                        description="as the publisher chose it", encoder=JSON_DUMPS, decoder=loads
                    ),
                ),
                ("recipient_count", fields.IntField(default=0)),
                (
                    "status",
                    fields.CharEnumField(
                        description="PUBLISHED: published\nREVOKED: revoked",
                        enum_type=AnnouncementStatus,
                        max_length=16,
                    ),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("stage", fields.CharField(null=True, max_length=32)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("card", fields.CharField(default="none", max_length=8)),
                ("warning_level", fields.SmallIntField(default=0)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "announcements",
                "app": "gridgov",
                "indexes": [Index(fields=["publisher_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A notice a centre or unit publishes to an audience; a flow record while recipients must",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AnnouncementRecipient",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("announcement_id", fields.UUIDField()),
                ("user_id", fields.UUIDField()),
                (
                    "region_code",
                    fields.CharField(description="where the recipient works", max_length=15),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("read_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "acknowledged_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "reminded_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "announcement_recipients",
                "app": "gridgov",
                "unique_together": (("announcement_id", "user_id"),),
                "indexes": [Index(fields=["user_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "One recipient's receipt: when they read it and when they acknowledged it.",
            },
            bases=["Model"],
        ),
        # The sweep reads only running clocks (a revoked or unacknowledged-free notice has none);
        # superiors read notices by subtree; the publisher pages through who has not acknowledged.
        ops.RunSQL(
            [
                *(
                    f"CREATE INDEX announcements_running_{column} ON announcements ({column})"
                    " WHERE stage IS NOT NULL"
                    for column in ("remind_at", "due_at", "red_at")
                ),
                "CREATE INDEX announcements_region ON announcements"
                " (region_code varchar_pattern_ops)",
                "CREATE INDEX announcement_recipients_pending ON announcement_recipients"
                " (announcement_id, id) WHERE acknowledged_at IS NULL",
            ],
            reverse_sql=[
                *(
                    f"DROP INDEX announcements_running_{column}"
                    for column in ("remind_at", "due_at", "red_at")
                ),
                "DROP INDEX announcements_region",
                "DROP INDEX announcement_recipients_pending",
            ],
        ),
    ]
