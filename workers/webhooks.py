"""Webhook fan-out and delivery: each delivery its own job, retried with backoff by schedule."""

from __future__ import annotations

from typing import Any

from api.domains.webhooks import service
from api.settings import get_settings


async def dispatch_webhooks(ctx: dict[str, Any]) -> dict[str, int]:
    """New event changes → pending deliveries; due deliveries → one job each."""
    created = await service.fan_out()
    enqueued = await service.queue_due_deliveries(ctx["redis"])
    return {"created": created, "enqueued": enqueued}


async def deliver_webhook(ctx: dict[str, Any], delivery_id: int) -> str:
    """One signed POST; failures are rescheduled by the service, never raised (the schedule is
    the retry, so a dead endpoint costs one short job per attempt and blocks nothing)."""
    settings = get_settings()
    status = await service.deliver(
        delivery_id,
        service_key=settings.secret_key(),
        allowed_networks=settings.gridgov_webhook_allowed_networks,
    )
    return status.value
