"""bench_fanout's load generator: websocket subscribers spread over several processes, each
reading frames with a bare asyncio protocol that takes only the commit time (and whether the
change is a probe) from a frame's bytes.

Why: the first fan-out figures (RESULTS.md, 2026-12-07) had one Python process hold all 10,000
subscribers through the `websockets` client and decode every frame as JSON — at 10,000
subscribers that generator, not the servers, set the pace (the bare forwarder itself showed a
p99 of 4 s). Here a frame costs a few microseconds (no JSON, no per-message task wake-up: many
frames per `data_received`), and the subscribers are split over `processes` generators so that
both cores can read. The reference forwarder is measured with the same generator in the same run.

Frames are read, not validated: tests/realtime checks what a subscriber receives; this counts
deliveries and their latency."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

GRAPHQL = "graphql"  # gridgov's eventChanges over graphql-transport-ws
REFERENCE = "reference"  # the bare forwarder's JSON messages


@dataclass
class Tally:
    """What one generator's subscribers received."""

    probe_latencies: list[float] = field(default_factory=list)
    burst_latencies: list[float] = field(default_factory=list)
    first_at: float = float("inf")
    last_at: float = 0.0

    def merge(self, other: Tally) -> None:
        self.probe_latencies += other.probe_latencies
        self.burst_latencies += other.burst_latencies
        self.first_at = min(self.first_at, other.first_at)
        self.last_at = max(self.last_at, other.last_at)

    @property
    def delivered(self) -> int:
        return len(self.probe_latencies) + len(self.burst_latencies)


def _graphql_change(frame: bytes) -> tuple[float, bool] | None:
    """(commit time, probe?) of a `next` frame of eventChanges; None for other messages."""
    if b'"type":"next"' not in frame[:64]:
        return None
    start = frame.index(b'"at":"') + 6
    at = datetime.fromisoformat(frame[start : frame.index(b'"', start)].decode()).timestamp()
    return at, b'"title":"probe' in frame


def _reference_change(frame: bytes) -> tuple[float, bool] | None:
    start = frame.index(b'"at": ') + 6
    return float(frame[start : frame.index(b",", start)]), b'"probe": true' in frame


def _client_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """A masked client frame; the zero mask leaves the payload as it is (RFC 6455 allows any
    key, and no server checks its randomness)."""
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, 0x80 | size))
    else:
        head = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    return head + b"\0\0\0\0" + payload


PONG = _client_frame(b'{"type":"pong"}')


class Subscriber(asyncio.Protocol):
    """One websocket: the upgrade, then frames parsed in place from the byte stream."""

    def __init__(self, kind: str, tally: Tally, expected: int, done: asyncio.Future[None] | None):
        self.kind = kind
        self.tally = tally
        self.expected = expected
        self.got = 0
        self.buffer = bytearray()
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.first: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.done = done
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.upgraded, self.first):
            if not future.done():
                future.set_exception(ConnectionError("closed"))

    def send(self, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(_client_frame(payload))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.upgraded.set_exception(ConnectionError(head.decode(errors="replace")))
                return
            self.upgraded.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buffer = self.buffer
        offset = 0
        now = time.time()
        while len(buffer) - offset >= 2:
            opcode, size = buffer[offset] & 0x0F, buffer[offset + 1] & 0x7F
            start = offset + 2
            if size == 126:
                if len(buffer) - offset < 4:
                    break
                size, start = int.from_bytes(buffer[offset + 2 : offset + 4], "big"), offset + 4
            elif size == 127:
                if len(buffer) - offset < 10:
                    break
                size, start = int.from_bytes(buffer[offset + 2 : offset + 10], "big"), offset + 10
            if len(buffer) - start < size:
                break
            payload = bytes(buffer[start : start + size])
            offset = start + size
            if opcode == 0x9:  # the server's websocket ping
                assert self.transport is not None
                self.transport.write(_client_frame(payload, 0xA))
            elif opcode == 0x1:
                self._message(payload, now)
        del buffer[:offset]

    def _message(self, payload: bytes, now: float) -> None:
        if not self.first.done():
            self.first.set_result(payload)
            return
        if self.kind == GRAPHQL and b'"type":"ping"' in payload[:32]:
            self.send(b'{"type":"pong"}')
            return
        change = (_graphql_change if self.kind == GRAPHQL else _reference_change)(payload)
        if change is None:
            return
        at, probe = change
        tally = self.tally
        if probe:
            tally.probe_latencies.append(now - at)
        else:
            tally.burst_latencies.append(now - at)
            tally.first_at = min(tally.first_at, now)
            tally.last_at = max(tally.last_at, now)
        self.got += 1
        if self.got == self.expected and self.done is not None:
            self.expected_reached()

    def expected_reached(self) -> None:
        assert self.done is not None
        self.done.set_result(None)


async def _subscriber(
    kind: str, url: str, token: str, feed: str, tally: Tally, expected: int
) -> Subscriber:
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    _, subscriber = await loop.create_connection(
        lambda: Subscriber(kind, tally, expected, done), parts.hostname, parts.port
    )
    protocol = "Sec-WebSocket-Protocol: graphql-transport-ws\r\n" if kind == GRAPHQL else ""
    assert subscriber.transport is not None
    subscriber.transport.write(
        (
            f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\n{protocol}\r\n"
        ).encode()
    )
    await subscriber.upgraded
    if kind == GRAPHQL:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        subscriber.send(json.dumps(init).encode())
        ack = await subscriber.first
        assert b"connection_ack" in ack, ack
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": feed}}
        subscriber.send(json.dumps(subscribe).encode())
    else:
        subscriber.first.set_result(b"")  # the forwarder sends no greeting
    return subscriber


async def _generate(control: Connection, job: dict[str, Any]) -> None:
    tally = Tally()
    subscribers: list[Subscriber] = []
    urls, count = job["urls"], job["count"]
    for start in range(0, count, 200):
        subscribers += await asyncio.gather(
            *(
                _subscriber(
                    job["kind"],
                    urls[i % len(urls)],
                    job["token"],
                    job["feed"],
                    tally,
                    job["expected"],
                )
                for i in range(start, min(start + 200, count))
            )
        )
    control.send(("ready", len(subscribers)))
    loop = asyncio.get_running_loop()
    deadline = await loop.run_in_executor(None, control.recv)
    waiting = [s.done for s in subscribers if s.done is not None and not s.done.done()]
    if waiting:
        await asyncio.wait(waiting, timeout=max(deadline - time.time(), 0.1))
    for subscriber in subscribers:
        if subscriber.transport is not None:
            subscriber.transport.close()
    control.send(("tally", tally))


def _main(control: Connection, job: dict[str, Any]) -> None:
    asyncio.run(_generate(control, job))


class Generators:
    """`processes` generator processes holding `count` subscribers between them."""

    def __init__(self, processes: int, job: dict[str, Any]):
        context = multiprocessing.get_context("spawn")
        self.controls: list[Connection] = []
        self.processes = []
        count = job["count"]
        for index in range(processes):
            share = count // processes + (1 if index < count % processes else 0)
            if share == 0:
                continue
            ours, theirs = context.Pipe()
            urls = job["urls"][index % len(job["urls"]) :] + job["urls"][: index % len(job["urls"])]
            process = context.Process(
                target=_main, args=(theirs, {**job, "count": share, "urls": urls}), daemon=True
            )
            process.start()
            self.controls.append(ours)
            self.processes.append(process)

    async def ready(self) -> int:
        loop = asyncio.get_running_loop()
        answers = await asyncio.gather(
            *(loop.run_in_executor(None, control.recv) for control in self.controls)
        )
        return sum(count for _, count in answers)

    async def collect(self, seconds: float) -> Tally:
        """Every generator's tally once its subscribers have all they expect (or `seconds`)."""
        deadline = time.time() + seconds
        for control in self.controls:
            control.send(deadline)
        loop = asyncio.get_running_loop()
        answers = await asyncio.gather(
            *(loop.run_in_executor(None, control.recv) for control in self.controls)
        )
        total = Tally()
        for _, tally in answers:
            total.merge(tally)
        for process in self.processes:
            process.join(timeout=30)
        return total


def default_processes() -> int:
    return max(2, os.cpu_count() or 2)
