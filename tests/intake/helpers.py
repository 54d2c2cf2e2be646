"""Shared pieces of the channel tests: integration keys, a webhook receiver, closing an event."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.auth import Assignment, Principal
from api.domains.accounts import service as accounts
from api.domains.events import service as events
from api.domains.events.enums import EventStatus
from api.domains.events.models import Event
from api.regions import Level
from tests import factories
from tests.realtime.servers import free_port


async def api_key(region: str, name: str = "12345 hotline") -> str:
    console = Principal(username="console", assignments=(Assignment("admin", region[:4]),))
    return (await accounts.create_api_key(actor=console, name=name, region_code=region)).secret


async def receiver_server(
    received: list[tuple[dict[str, str], bytes]],
) -> AsyncIterator[str]:
    """A real HTTP server on loopback recording every POST it gets."""

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    async for base in loopback(app):
        yield f"{base}/hook"


async def loopback(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` on a loopback port until the generator is closed; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _as(role: str, code: str, department_id: uuid.UUID | None = None) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), username=role, assignments=(Assignment(role, code, department_id),)
    )


async def close_event(event_id: uuid.UUID, *, result: str = "已处置完毕") -> Event:
    """Walk an event through file, dispatch, handling, verification and closing, as the staff of
    the level holding it would (a grid, or a district centre with its police department)."""
    event = await Event.get(id=event_id)
    holder = event.handling_region_code
    if Level.of_code(holder) is Level.GRID:
        centre = _as("grid_leader", holder)
        worker = await factories.user("grid_worker", holder)
        handler = Principal(
            user_id=worker.id, username="worker", assignments=(Assignment("grid_worker", holder),)
        )
        if event.status is EventStatus.REPORTED:  # a test may have filed it already
            await events.file(actor=centre, event_id=event_id)
        await events.assign(actor=centre, event_id=event_id, user_id=worker.id)
    else:
        centre = _as("district_command", holder)
        department = await factories.department(holder, code=f"d{uuid.uuid4().hex[:6]}")
        handler = _as("department_staff", holder, department.id)
        await events.file(actor=centre, event_id=event_id)
        await events.assign(actor=centre, event_id=event_id, department_id=department.id)
    await events.accept(actor=handler, event_id=event_id)
    await events.submit(actor=handler, event_id=event_id, note=result)
    await events.verify(actor=centre, event_id=event_id, passed=True)
    return (await events.close(actor=centre, event_id=event_id, note="办结")).event
