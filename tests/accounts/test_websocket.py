"""Websocket sign-in (graphql-transport-ws): the token travels in connection_init."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import uvicorn
import websockets
from websockets.exceptions import ConnectionClosed

from api import clock
from api.domains.accounts.models import RoleAssignment
from tests import factories

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
async def ws_url(app: Any) -> AsyncIterator[str]:
    """The app served by a real uvicorn on a free loopback port, in this event loop."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


async def _me_over_ws(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack", ack
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ me { username } }"}}
            )
        )
        message = json.loads(await ws.recv())
        assert message["type"] == "next", message
        return message["payload"]


async def test_token_in_connection_init_signs_in(ws_url: str) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", "410611001001001", username="li.na")

    result = await _me_over_ws(ws_url, {"authorization": f"Bearer {token}"})

    assert result == {"data": {"me": {"username": "li.na"}}}


async def test_api_key_in_connection_init_signs_in(ws_url: str) -> None:
    await factories.region_tree()
    from api.auth import Assignment, Principal
    from api.domains.accounts import service

    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    key = (await service.create_api_key(actor=console, name="hotline", region_code="410611")).secret

    result = await _me_over_ws(ws_url, {"apiKey": key})

    assert result == {"data": {"me": None}}


@pytest.mark.parametrize(
    "payload", [{}, {"authorization": "Bearer forged.token.value"}, {"authorization": 42}]
)
async def test_connections_without_valid_credentials_are_closed(
    ws_url: str, payload: dict[str, Any]
) -> None:
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_an_expired_token_is_refused_at_connection(ws_url: str) -> None:
    await factories.region_tree()
    account = await factories.user("grid_worker", "410611001001001")
    token = await factories.token_for(account, ttl=timedelta(minutes=1))
    clock.move(timedelta(minutes=2))

    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_each_operation_on_a_connection_reads_afresh(ws_url: str) -> None:
    """A websocket's context lives as long as the connection: its dataloaders must not answer a
    later query from what an earlier one read."""
    await factories.region_tree()
    account, token = await factories.signed_in("grid_worker", "410611001001001")
    query = "{ me { roles { role regionCode } } }"
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"

        async def roles(operation: str) -> list[dict[str, str]]:
            await ws.send(
                json.dumps({"id": operation, "type": "subscribe", "payload": {"query": query}})
            )
            message = json.loads(await ws.recv())
            assert message["type"] == "next", message
            assert json.loads(await ws.recv())["type"] == "complete"
            return message["payload"]["data"]["me"]["roles"]

        before = await roles("1")
        await RoleAssignment.create(user=account, role="grid_leader", region_code="410611001001001")
        after = await roles("2")

    assert [role["role"] for role in before] == ["GRID_WORKER"]
    assert sorted(role["role"] for role in after) == ["GRID_LEADER", "GRID_WORKER"]
