"""Webhooks: a hotline registers an endpoint and receives signed status changes of its region;
a dead endpoint is retried with backoff and blocks nobody."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api import clock
from api.auth import Assignment, Principal
from api.domains.accounts import service as accounts
from api.domains.webhooks import service
from api.domains.webhooks.models import WebhookDelivery
from api.jobs import QUEUE
from api.settings import Settings
from tests import factories
from tests.events.helpers import REPORT, report_input, run
from tests.factories import gql
from tests.realtime.servers import free_port
from workers.settings import job_pool
from workers.webhooks import dispatch_webhooks

REGISTER = """
mutation($url: String!) {
  registerWebhook(url: $url) {
    __typename
    ... on NewWebhookPayload { secret endpoint { id url isActive } }
    ... on Error { code field }
  }
}"""


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A real HTTP server: /ok records what it gets, /down always fails."""
    received: list[tuple[dict[str, str], bytes]] = []

    async def ok(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    async def down(request: Request) -> Response:
        return Response(status_code=503)

    app = Starlette(
        routes=[Route("/ok", ok, methods=["POST"]), Route("/down", down, methods=["POST"])]
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}", received
    server.should_exit = True
    await task


async def _api_key(region: str) -> str:
    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    return (
        await accounts.create_api_key(actor=console, name=f"hotline {region}", region_code=region)
    ).secret


async def _deliver_all(settings: Settings) -> None:
    for delivery_id in await service.due_deliveries():
        await service.deliver(delivery_id, service_key=settings.secret_key())


async def test_status_changes_arrive_signed_and_a_dead_endpoint_blocks_nobody(
    client: httpx.AsyncClient, settings: Settings, receiver: tuple[str, list[Any]]
) -> None:
    base, received = receiver
    await factories.region_tree()
    hotline, elsewhere = await _api_key("410611"), await _api_key("410602")
    good = (await gql(client, REGISTER, {"url": f"{base}/ok"}, headers={"X-Api-Key": hotline}))[
        "data"
    ]["registerWebhook"]
    dead = (await gql(client, REGISTER, {"url": f"{base}/down"}, headers={"X-Api-Key": hotline}))[
        "data"
    ]["registerWebhook"]
    other = (await gql(client, REGISTER, {"url": f"{base}/ok"}, headers={"X-Api-Key": elsewhere}))[
        "data"
    ]["registerWebhook"]
    assert good["__typename"] == dead["__typename"] == other["__typename"] == "NewWebhookPayload"
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    event = (await run(client, REPORT, worker, input=report_input()))["event"]

    assert await service.fan_out() == 2  # the hotline's two endpoints; not the other district's
    assert await service.fan_out() == 0  # idempotent
    await _deliver_all(settings)

    assert len(received) == 1
    headers, body = received[0]
    expected = "sha256=" + hmac.new(good["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-gridgov-signature"] == expected
    assert json.loads(body)["event"]["case_number"] == event["caseNumber"]
    failing = await WebhookDelivery.get(endpoint_id=dead["endpoint"]["id"])
    assert (failing.status, failing.attempts, failing.last_error) == ("pending", 1, "HTTP 503")
    assert failing.next_attempt_at > clock.now()

    clock.move(timedelta(seconds=11))
    await _deliver_all(settings)
    failing = await WebhookDelivery.get(endpoint_id=dead["endpoint"]["id"])
    assert failing.attempts == 2 and len(received) == 1  # retried; the good one not resent

    log = await gql(
        client,
        "{ webhookDeliveries { edges { node { sequence status attempts lastError } } } }",
        headers={"X-Api-Key": hotline},
    )
    statuses = sorted(e["node"]["status"] for e in log["data"]["webhookDeliveries"]["edges"])
    assert statuses == ["DELIVERED", "PENDING"]


async def test_only_integrations_register_and_urls_are_checked(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    hotline = await _api_key("410611")

    by_user = await gql(client, REGISTER, {"url": "https://example.org/hook"}, token=admin)
    bad_url = await gql(
        client, REGISTER, {"url": "ftp://example.org/hook"}, headers={"X-Api-Key": hotline}
    )

    assert by_user["data"]["registerWebhook"]["__typename"] == "NotAllowedError"
    assert bad_url["data"]["registerWebhook"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "url",
    }


async def test_the_worker_job_enqueues_one_job_per_delivery_and_attempt(
    client: httpx.AsyncClient, settings: Settings, receiver: tuple[str, list[Any]]
) -> None:
    base, _ = receiver
    await factories.region_tree()
    hotline = await _api_key("410611")
    await gql(client, REGISTER, {"url": f"{base}/ok"}, headers={"X-Api-Key": hotline})
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    await run(client, REPORT, worker, input=report_input())
    redis = await job_pool()
    try:
        first = await dispatch_webhooks({"redis": redis})
        again = await dispatch_webhooks({"redis": redis})
        queued = await redis.queued_jobs(queue_name=QUEUE)
    finally:
        await redis.aclose()

    assert first == {"created": 1, "enqueued": 1}
    assert again == {"created": 0, "enqueued": 1}  # still due, but the same job id
    assert len(queued) == 1 and queued[0].function == "deliver_webhook"
