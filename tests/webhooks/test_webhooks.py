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
from api.domains.webhooks.models import WebhookDelivery, WebhookEndpoint
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
async def receiver(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A real HTTP server on loopback: /ok records what it gets, /down always fails. Loopback is
    refused to webhooks unless listed, so these tests list it."""
    monkeypatch.setattr(settings, "gridgov_webhook_allowed_networks", ["127.0.0.1/32"])
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
        await service.deliver(
            delivery_id,
            service_key=settings.secret_key(),
            allowed_networks=settings.gridgov_webhook_allowed_networks,
        )


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


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost:5432/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://[fd00::1]/hook",
        "http://224.0.0.1/",
    ],
)
async def test_webhooks_to_this_machine_its_neighbours_or_metadata_are_refused(
    client: httpx.AsyncClient, url: str
) -> None:
    """Refused at registration; nothing connects anywhere (the names resolve locally)."""
    await factories.region_tree()
    hotline = await _api_key("410611")

    result = (await gql(client, REGISTER, {"url": url}, headers={"X-Api-Key": hotline}))["data"][
        "registerWebhook"
    ]

    assert (result["__typename"], result["field"]) == ("ValidationError", "url"), result
    assert await WebhookEndpoint.all().count() == 0


async def test_listed_networks_are_reachable_but_metadata_never(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    hotline = await _api_key("410611")
    monkeypatch.setattr(
        settings, "gridgov_webhook_allowed_networks", ["10.0.0.0/8", "169.254.0.0/16"]
    )

    intranet = await gql(
        client, REGISTER, {"url": "http://10.0.0.5/hook"}, headers={"X-Api-Key": hotline}
    )
    metadata = await gql(
        client, REGISTER, {"url": "http://169.254.169.254/"}, headers={"X-Api-Key": hotline}
    )

    assert intranet["data"]["registerWebhook"]["__typename"] == "NewWebhookPayload"
    assert metadata["data"]["registerWebhook"]["__typename"] == "ValidationError"


async def test_delivery_checks_the_address_again_and_never_connects_to_a_refused_one(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the endpoint names is checked again at every delivery (a name may resolve elsewhere
    than it did at registration): here it names loopback by the time of delivery."""
    await factories.region_tree()
    hotline = await _api_key("410611")
    monkeypatch.setattr(settings, "gridgov_webhook_allowed_networks", ["10.0.0.0/8"])
    registered = await gql(
        client, REGISTER, {"url": "http://10.0.0.5/hook"}, headers={"X-Api-Key": hotline}
    )
    assert registered["data"]["registerWebhook"]["__typename"] == "NewWebhookPayload"
    await WebhookEndpoint.all().update(url="http://localhost:9/hook")  # what the name means now
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    await run(client, REPORT, worker, input=report_input())
    await service.fan_out()
    connected: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        connected.append(request)
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as never:
        for delivery_id in await service.due_deliveries():
            await service.deliver(
                delivery_id,
                service_key=settings.secret_key(),
                allowed_networks=settings.gridgov_webhook_allowed_networks,
                client=never,
            )

    delivery = await WebhookDelivery.get()
    assert connected == []
    assert delivery.status == "pending" and (delivery.last_error or "").startswith("refused: 127.")


async def test_delivery_goes_to_the_checked_address_and_follows_no_redirect(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    hotline = await _api_key("410611")
    monkeypatch.setattr(settings, "gridgov_webhook_allowed_networks", ["10.0.0.0/8"])
    await gql(
        client, REGISTER, {"url": "http://10.0.0.5:8080/hook"}, headers={"X-Api-Key": hotline}
    )
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    await run(client, REPORT, worker, input=report_input())
    await service.fan_out()
    seen: list[httpx.Request] = []

    def redirect(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "http://127.0.0.1:6379/"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(redirect)) as http:
        [delivery_id] = await service.due_deliveries()
        await service.deliver(
            delivery_id,
            service_key=settings.secret_key(),
            allowed_networks=settings.gridgov_webhook_allowed_networks,
            client=http,
        )

    assert [str(r.url) for r in seen] == ["http://10.0.0.5:8080/hook"]
    assert seen[0].headers["host"] == "10.0.0.5:8080"
    assert (await WebhookDelivery.get()).last_error == "HTTP 302"
