"""Hotline work orders (工单): what a 12345 system submitted and the event it became."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WorkOrder(Model):
    """One work order of one integration. The two unique pairs make a retry (same idempotency
    key) and a duplicate ticket (same ticket id) collide in the database, not in a check."""

    id = fields.UUIDField(primary_key=True)
    api_key_id = fields.UUIDField(description="the integration that submitted it")
    ticket_id = fields.CharField(max_length=64, description="the hotline's own ticket number")
    idempotency_key = fields.CharField(max_length=100)
    request_digest = fields.CharField(
        max_length=64, description="SHA-256 of the submitted fields: a reused key must match"
    )
    # Set in the transaction that inserts the row, so never null once committed.
    event_id = fields.UUIDField(null=True, unique=True)
    caller_name = fields.CharField(max_length=50, null=True)
    caller_phone = fields.CharField(max_length=20, null=True)
    callback_satisfaction = fields.SmallIntField(null=True, description="回访: 1–5")
    callback_note = fields.TextField(null=True)
    callback_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "intake_work_orders"
        unique_together = (("api_key_id", "idempotency_key"), ("api_key_id", "ticket_id"))
