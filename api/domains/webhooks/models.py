"""Outgoing webhooks of integrations (hotline systems, WeChat front ends) and their deliveries."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last retry


class WebhookEndpoint(Model):
    """Where an API key wants status changes of events in its region sent."""

    id = fields.UUIDField(primary_key=True)
    api_key_id = fields.UUIDField(db_index=True)
    url = fields.CharField(max_length=500)
    own_submissions_only = fields.BooleanField(
        default=False, description="only events the integration itself submitted"
    )
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_endpoints"


class WebhookDelivery(Model):
    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "gridgov.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    sequence = fields.BigIntField(description="the outbox message delivered")
    payload: fields.JSONField[Any] = fields.JSONField()
    status = fields.CharEnumField(DeliveryStatus, max_length=12, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=300, null=True)
    next_attempt_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    endpoint_id: str

    class Meta:
        table = "webhook_deliveries"
        unique_together = (("endpoint", "sequence"),)


class WebhookCursor(Model):
    """How far the outbox has been fanned out to endpoints (a single row)."""

    id = fields.IntField(primary_key=True)
    sequence = fields.BigIntField()

    class Meta:
        table = "webhook_cursor"
