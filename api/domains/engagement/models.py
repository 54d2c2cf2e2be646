"""The citizens' side beyond appeals: WeChat bindings and sign-ins, channel routing rules
with their history, reporters' consent to publish, and public opinions."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.domains.engagement.enums import (
    Channel,
    OpinionKind,
    OpinionStatus,
    Receiver,
    RefusalReason,
)


class WechatBinding(Model):
    """A mini-program user's openid bound one-to-one to a phone-verified citizen account."""

    id = fields.UUIDField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, null=True)
    user_id = fields.UUIDField(unique=True)
    bound_at = fields.DatetimeField()
    last_sign_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "engagement_wechat_bindings"


class WechatSession(Model):
    """A sign-in session opened through WeChat: appeals sent in it get source WECHAT."""

    session_id = fields.UUIDField(primary_key=True)
    binding_id = fields.UUIDField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "engagement_wechat_sessions"


class ChannelRule(Model):
    """Who receives new appeals of a channel in a region and below (the deepest rule wins).
    Rows are only added: the newest row of a (channel, region) is its rule, the rest its history."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=16)
    region_code = fields.CharField(max_length=15)
    receiver = fields.CharEnumField(Receiver, max_length=16)
    note = fields.CharField(max_length=500, default="")
    set_by_id = fields.UUIDField(null=True)
    set_by_label = fields.CharField(max_length=100)
    set_at = fields.DatetimeField()

    class Meta:
        table = "engagement_channel_rules"
        indexes = (("channel", "region_code", "id"),)


class PublicAppeal(Model):
    """The reporter's consent: once closed, the appeal shows on the public board."""

    event_id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the event's, for the board's scope")
    made_public_at = fields.DatetimeField()

    class Meta:
        table = "engagement_public_appeals"


class Opinion(Model):
    """A resident's public opinion or suggestion (意见建议), shown once staff approve it."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(OpinionKind, max_length=16)
    title = fields.CharField(max_length=100)
    body = fields.TextField()
    region_code = fields.CharField(max_length=15, description="the community it concerns")
    author_id = fields.UUIDField()
    status = fields.CharEnumField(OpinionStatus, max_length=16, default=OpinionStatus.PENDING)
    refusal_reason = fields.CharEnumField(RefusalReason, max_length=24, null=True)
    reply = fields.TextField(default="", description="staff's public answer")
    moderated_by_id = fields.UUIDField(null=True)
    moderated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "engagement_opinions"
        indexes = (("status", "region_code", "moderated_at"),)
