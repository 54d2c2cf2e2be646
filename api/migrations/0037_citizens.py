"""The citizens' side (issue 22): WeChat bindings and sessions, channel routing rules with their
history, reporters' consent to show closed appeals, and moderated public opinions."""

from enum import StrEnum
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Channel(StrEnum):
    CITIZEN_APP = "citizen_app"
    WECHAT = "wechat"
    HOTLINE = "hotline"
    OPEN311 = "open311"


class Receiver(StrEnum):
    GRID = "grid"
    TOWNSHIP_CENTRE = "township_centre"
    DISTRICT_CENTRE = "district_centre"


class OpinionKind(StrEnum):
    OPINION = "opinion"
    SUGGESTION = "suggestion"


class OpinionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class RefusalReason(StrEnum):
    PERSONAL_DATA = "personal_data"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    DUPLICATE = "duplicate"
    ADVERTISING = "advertising"
    BELONGS_IN_APPEAL = "belongs_in_appeal"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0036_permissions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ChannelRule",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="CITIZEN_APP: citizen_app\nWECHAT: wechat\nHOTLINE: hotline\nOPEN311: open311",
                        enum_type=Channel,
                        max_length=16,
                    ),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "receiver",
                    fields.CharEnumField(
                        description="GRID: grid\nTOWNSHIP_CENTRE: township_centre\nDISTRICT_CENTRE: district_centre",
                        enum_type=Receiver,
                        max_length=16,
                    ),
                ),
                ("note", fields.CharField(default="", max_length=500)),
                ("set_by_id", fields.UUIDField(null=True)),
                ("set_by_label", fields.CharField(max_length=100)),
                ("set_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "engagement_channel_rules",
                "app": "gridgov",
                "indexes": [Index(fields=["channel", "region_code", "id"])],
                "pk_attr": "id",
                "table_description": "Who receives new appeals of a channel in a region and below (the deepest rule wins).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Opinion",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="OPINION: opinion\nSUGGESTION: suggestion",
                        enum_type=OpinionKind,
                        max_length=16,
                    ),
                ),
                ("title", fields.CharField(max_length=100)),
                ("body", fields.TextField(unique=False)),
                (
                    "region_code",
                    fields.CharField(description="the community it concerns", max_length=15),
                ),
                ("author_id", fields.UUIDField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=OpinionStatus.PENDING,
                        description="PENDING: pending\nAPPROVED: approved\nREFUSED: refused",
                        enum_type=OpinionStatus,
                        max_length=16,
                    ),
                ),
                (
                    "refusal_reason",
                    fields.CharEnumField(
                        null=True,
                        description="PERSONAL_DATA: personal_data\nOFFENSIVE: offensive\nOFF_TOPIC: off_topic\nDUPLICATE: duplicate\nADVERTISING: advertising\nBELONGS_IN_APPEAL: belongs_in_appeal",
                        enum_type=RefusalReason,
                        max_length=24,
                    ),
                ),
                (
                    "reply",
                    fields.TextField(default="", description="staff's public answer", unique=False),
                ),
                ("moderated_by_id", fields.UUIDField(null=True)),
                (
                    "moderated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "engagement_opinions",
                "app": "gridgov",
                "indexes": [Index(fields=["status", "region_code", "moderated_at"])],
                "pk_attr": "id",
                "table_description": "A resident's public opinion or suggestion (意见建议), shown once staff approve it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PublicAppeal",
            fields=[
                (
                    "event_id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "region_code",
                    fields.CharField(
                        description="the event's, for the board's scope", max_length=15
                    ),
                ),
                ("made_public_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "engagement_public_appeals",
                "app": "gridgov",
                "pk_attr": "event_id",
                "table_description": "The reporter's consent: once closed, the appeal shows on the public board.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WechatBinding",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("openid", fields.CharField(unique=True, max_length=64)),
                ("unionid", fields.CharField(null=True, max_length=64)),
                ("user_id", fields.UUIDField(unique=True)),
                ("bound_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "last_sign_in_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "engagement_wechat_bindings",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A mini-program user's openid bound one-to-one to a phone-verified citizen account.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WechatSession",
            fields=[
                (
                    "session_id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("binding_id", fields.UUIDField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "engagement_wechat_sessions",
                "app": "gridgov",
                "pk_attr": "session_id",
                "table_description": "A sign-in session opened through WeChat: appeals sent in it get source WECHAT.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                # the public boards read a region's subtree: `LIKE 'prefix%'` (DESIGN §2)
                "CREATE INDEX engagement_public_appeals_region_pattern"
                " ON engagement_public_appeals (region_code varchar_pattern_ops)",
                "CREATE INDEX engagement_opinions_region_pattern"
                " ON engagement_opinions (region_code varchar_pattern_ops)",
            ],
        ),
    ]
