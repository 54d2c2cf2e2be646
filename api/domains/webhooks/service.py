"""Webhooks: registration by an integration, fan-out from the outbox, signed delivery with retries.

The signing secret is derived (HMAC of the service key and the endpoint id), shown once at
registration and never stored. Each delivery is its own job: a dead endpoint only delays itself."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from api import clock, jobs
from api.auth import Principal
from api.domains.accounts.models import ApiKey
from api.domains.emergencies.cap import PUBLIC_ALERTS
from api.domains.events.models import Event
from api.domains.intake.service import tickets_of
from api.domains.webhooks import addresses
from api.domains.webhooks.models import (
    DeliveryStatus,
    WebhookCursor,
    WebhookDelivery,
    WebhookEndpoint,
)
from api.errors import NotAllowed, NotFound, ValidationFailed
from api.i18n import _
from api.outbox import OutboxMessage
from api.pagination import Page, PageRequest, make_page
from api.regions import in_subtree

MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 5.0
FANOUT_BATCH = 1000
MAX_ENDPOINTS_PER_KEY = 5
# what endpoints hear of: event changes, and public warnings (CAP) in their region
FANNED_OUT = ("event", PUBLIC_ALERTS)


def signing_secret(service_key: str, endpoint_id: uuid.UUID) -> str:
    return hmac.new(
        service_key.encode(), f"webhook:{endpoint_id}".encode(), hashlib.sha256
    ).hexdigest()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at an hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def _integration(actor: Principal) -> uuid.UUID:
    if actor.api_key_id is None:
        raise NotAllowed(_("webhooks belong to an integration: call with its API key"))
    return actor.api_key_id


def _check_url(url: str) -> str:
    cleaned = url.strip()
    try:
        parts = urlsplit(cleaned)
        _unused = parts.port  # a port out of range raises
    except ValueError as error:
        raise ValidationFailed(_("url is not a well-formed URL"), field="url") from error
    if parts.scheme not in {"https", "http"} or not parts.hostname or len(cleaned) > 500:
        raise ValidationFailed(
            _("url must be an http(s) URL of at most 500 characters"), field="url"
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(_("url must not carry credentials"), field="url")
    return cleaned


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _pinned(url: str, address: addresses.Address) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL with its host replaced by the checked address, the Host header naming the host,
    and for https the name the certificate must carry (so TLS still verifies the name)."""
    parts = urlsplit(url)
    host, port = _host_and_port(url)
    shown = f"[{address}]" if address.version == 6 else str(address)
    target = urlunsplit(parts._replace(netloc=f"{shown}:{port}"))
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return target, {"Host": parts.netloc}, extensions


async def register(
    *,
    actor: Principal,
    url: str,
    service_key: str,
    allowed_networks: Sequence[str],
    own_submissions_only: bool = False,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the calling integration; returns it and its signing secret.
    With `own_submissions_only` it hears only of the events the integration submitted (its work
    orders and Open311 requests), not of every event in its region."""
    api_key_id = _integration(actor)
    cleaned = _check_url(url)
    with contextlib.suppress(addresses.Unresolvable):  # checked again at every delivery
        await addresses.resolve(*_host_and_port(cleaned), addresses.networks(allowed_networks))
    if (
        await WebhookEndpoint.filter(api_key_id=api_key_id, is_active=True).count()
        >= MAX_ENDPOINTS_PER_KEY
    ):
        raise ValidationFailed(
            _(
                "at most {MAX_ENDPOINTS_PER_KEY} endpoints per integration",
                MAX_ENDPOINTS_PER_KEY=MAX_ENDPOINTS_PER_KEY,
            ),
            field="url",
        )
    endpoint = await WebhookEndpoint.create(
        api_key_id=api_key_id, url=cleaned, own_submissions_only=own_submissions_only
    )
    return endpoint, signing_secret(service_key, endpoint.id)


async def deactivate(*, actor: Principal, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, api_key_id=_integration(actor))
    if endpoint is None:
        raise NotFound("webhook", endpoint_id)
    endpoint.is_active = False
    await endpoint.save(update_fields=["is_active"])
    return endpoint


async def deliveries(
    *, actor: Principal, page: PageRequest, status: DeliveryStatus | None = None
) -> tuple[Page[WebhookDelivery], Any]:
    """The calling integration's delivery log, newest first."""
    query = WebhookDelivery.filter(endpoint__api_key_id=_integration(actor))
    if status is not None:
        query = query.filter(status=status)
    filtered = query
    if page.after is not None:
        if not page.after.isdigit():
            raise ValidationFailed(_("malformed cursor"), field="after")
        query = query.filter(id__lt=int(page.after))
    rows = await query.order_by("-id").limit(page.first + 1)
    return make_page(rows, page, lambda d: d.id), filtered


async def fan_out(*, now: datetime | None = None) -> int:
    """Turn new event changes (and public warnings) into pending deliveries for every endpoint whose integration's
    region holds the event (idempotent: one delivery per endpoint and sequence)."""
    now = now or clock.now()
    async with in_transaction():
        cursor = await WebhookCursor.filter(id=1).select_for_update().first()
        if cursor is None:
            cursor = await WebhookCursor.create(id=1, sequence=0)
        messages = (
            await OutboxMessage.filter(topic__in=FANNED_OUT, id__gt=cursor.sequence)
            .order_by("id")
            .limit(FANOUT_BATCH)
        )
        if not messages:
            return 0
        endpoints = await WebhookEndpoint.filter(is_active=True)
        regions = dict(
            await ApiKey.filter(
                id__in=[e.api_key_id for e in endpoints], revoked_at=None
            ).values_list("id", "region_code")
        )
        event_ids = list(
            {uuid.UUID(m.payload["event"]["id"]) for m in messages if "event" in m.payload}
        )
        tickets = await tickets_of(event_ids)
        submitted_by = {
            str(event_id): str(key)
            for event_id, key in await Event.filter(
                id__in=event_ids, reporter_api_key_id__not_isnull=True
            ).values_list("id", "reporter_api_key_id")
        }
        created = 0
        for message in messages:
            for endpoint in endpoints:
                region = regions.get(endpoint.api_key_id)
                if region is None or not in_subtree(message.region_code, str(region)):
                    continue
                event_id = str(message.payload.get("event", {}).get("id"))
                if endpoint.own_submissions_only and submitted_by.get(event_id) != str(
                    endpoint.api_key_id
                ):
                    continue
                payload = {"sequence": message.id, **message.payload}
                # The hotline's own work order: its ticket id, so it can update its ticket.
                ticket = tickets.get((str(endpoint.api_key_id), event_id))
                if ticket is not None:
                    payload["work_order"] = {"ticket_id": ticket}
                _unused, made = await WebhookDelivery.get_or_create(
                    endpoint_id=endpoint.id,
                    sequence=message.id,
                    defaults={"payload": payload, "next_attempt_at": now},
                )
                created += int(made)
        cursor.sequence = messages[-1].id
        await cursor.save()
    return created


async def _due(now: datetime | None, limit: int) -> list[tuple[int, int]]:
    """(delivery id, attempts so far) of the pending deliveries whose time has come."""
    rows = (
        await WebhookDelivery.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now or clock.now()
        )
        .order_by("next_attempt_at")
        .limit(limit)
        .values_list("id", "attempts")
    )
    return [(int(str(delivery_id)), int(str(attempts))) for delivery_id, attempts in rows]


async def due_deliveries(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    return [delivery_id for delivery_id, _unused in await _due(now, limit)]


async def queue_due_deliveries(redis: Redis, *, limit: int = 500) -> int:
    """Queue one worker job per due delivery and attempt: queuing it twice (the next tick, before
    the attempt ran) changes nothing, as the job id names the attempt."""
    due = await _due(None, limit)
    queue = jobs.queue(redis)
    for delivery_id, attempts in due:
        await queue.enqueue_job(
            "deliver_webhook", delivery_id, _job_id=f"webhook:{delivery_id}:{attempts}"
        )
    return len(due)


async def deliver(
    delivery_id: int,
    *,
    service_key: str,
    allowed_networks: Sequence[str],
    client: httpx.AsyncClient | None = None,
) -> DeliveryStatus:
    """One attempt; on failure the next one is scheduled with backoff, until MAX_ATTEMPTS. The
    endpoint's name is resolved and checked now, and the POST goes to the checked address, with
    no redirect followed (a 3xx is a failed attempt)."""
    delivery = await WebhookDelivery.get_or_none(id=delivery_id).select_related("endpoint")
    if delivery is None or delivery.status is not DeliveryStatus.PENDING:
        return delivery.status if delivery else DeliveryStatus.FAILED
    body = orjson.dumps(delivery.payload)
    secret = signing_secret(service_key, delivery.endpoint.id)
    headers = {
        "Content-Type": "application/json",
        "X-Gridgov-Signature": signature(secret, body),
        "X-Gridgov-Delivery": str(delivery.id),
        "X-Gridgov-Sequence": str(delivery.sequence),
    }
    error: str | None = None
    owned = client is None
    http = client or httpx.AsyncClient(timeout=TIMEOUT_SECONDS)
    try:
        address = await addresses.resolve(
            *_host_and_port(delivery.endpoint.url), addresses.networks(allowed_networks)
        )
        target, host, extensions = _pinned(delivery.endpoint.url, address)
        response = await http.post(
            target,
            content=body,
            headers={**headers, **host},
            extensions=extensions,
            follow_redirects=False,
        )
        if not 200 <= response.status_code < 300:
            error = f"HTTP {response.status_code}"
    except addresses.RefusedAddress as refused:
        error = f"refused: {refused.message}"[:300]
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        if owned:
            await http.aclose()
    now = clock.now()
    delivery.attempts += 1
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            now,
            None,
        )
    else:
        delivery.last_error = error
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    await delivery.save(
        update_fields=["status", "attempts", "last_error", "next_attempt_at", "delivered_at"]
    )
    return delivery.status
