"""PostgreSQL restarted under running API processes: the relay and the principal listener
reconnect, and clients that resume from their last sequence lose nothing.

Its own PostgreSQL (pgserver, on a socket in a temporary directory: the shared server is never
touched), its own database loaded with the demo city through the command line, two API
processes, and users who sign in through the API."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from api.settings import Settings
from tests.conftest import TEST_SECRET
from tests.events.helpers import REPORT, report_input
from tests.realtime.servers import ApiProcess, ResumingClient, followed, start_api

SCOPE = "410611001"
LOGIN = """mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { __typename ... on AuthPayload { accessToken } } }"""
PASSWORD = "Gridgov-restart-2026"


class OwnPostgres:
    """A PostgreSQL of this test's own, stopped hard (as by a crash) and started again."""

    def __init__(self, data_dir: Path):
        import pgserver

        self.server = pgserver.get_server(data_dir, cleanup_mode="stop")
        uri = self.server.get_uri()
        self.socket_dir = uri.split("host=", 1)[1].split("&", 1)[0]
        self.database = f"gridgov_restart_{uuid.uuid4().hex[:8]}"
        self.server.psql(f'CREATE DATABASE "{self.database}";')
        self.url = f"postgres://postgres@/{self.database}?host={quote(self.socket_dir, safe='/')}"

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=30)

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "immediate", "stop")

    def start(self) -> None:
        log = str(self.server.pgdata / "log")
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")

    def close(self) -> None:
        self.server.cleanup()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    # Not under pytest's private temporary directory: as root, pgserver runs PostgreSQL (and
    # pg_ctl) as a system user of its own, who must reach the data directory.
    with tempfile.TemporaryDirectory(prefix="gridgov-pg-") as data_dir:
        Path(data_dir).chmod(0o755)
        server = OwnPostgres(Path(data_dir) / "pg")
        yield server
        server.close()


async def _token(api: ApiProcess, username: str) -> str:
    async with httpx.AsyncClient(base_url=api.http, timeout=30) as http:
        body = (
            await http.post(
                "/graphql", json={"query": LOGIN, "variables": {"u": username, "p": PASSWORD}}
            )
        ).json()
    return str(body["data"]["login"]["accessToken"])


async def _report(http: httpx.AsyncClient, token: str, title: str) -> bool:
    """True if the change was written (PostgreSQL may be away)."""
    try:
        response = await http.post(
            "/graphql",
            json={"query": REPORT, "variables": {"input": report_input(title=title)}},
            headers={"Authorization": f"Bearer {token}"},
        )
        data = response.json().get("data") or {}
    except (httpx.HTTPError, ValueError):  # a plain 500 while the pool has no connection
        return False
    return (data.get("reportEvent") or {}).get("__typename") == "EventPayload"


async def _me(api: ApiProcess, token: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=api.http, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ me { username } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    return dict(response.json())


async def test_a_postgres_restart_is_survived_by_the_relay_and_the_principal_listener(
    own_postgres: OwnPostgres, settings: Settings, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": own_postgres.url,
        "REDIS_URL": settings.redis_url or "",
        "GRIDGOV_SECRET_KEY": TEST_SECRET,
        "GRIDGOV_ENV": "test",
        "GRIDGOV_PRINCIPAL_CACHE_SECONDS": "60",
    }
    subprocess.run(  # noqa: ASYNC221 - set-up, before anything runs
        [sys.executable, "-m", "api.cli", "demo", "--password", PASSWORD],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    apis = [start_api(env, tmp_path) for _ in range(2)]
    try:
        township = await _token(apis[0], f"t{SCOPE}.centre")
        worker = await _token(apis[1], f"g{SCOPE}001001.worker")
        clients = [
            ResumingClient([apis[i % 2].ws, apis[(i + 1) % 2].ws], township, SCOPE)
            for i in range(2)
        ]
        written: list[bool] = []

        async def work() -> list[int]:
            async with httpx.AsyncClient(base_url=apis[0].http, timeout=30) as http:
                written.extend([await _report(http, worker, f"before {i}") for i in range(20)])
                own_postgres.stop()
                await asyncio.sleep(1.0)
                written.append(await _report(http, worker, "while away"))
                own_postgres.start()
                for i in range(200):  # until the pool reconnects, then 20 more
                    if await _report(http, worker, f"after {i}"):
                        written.append(True)
                        if written.count(True) >= 40:
                            break
                    else:
                        await asyncio.sleep(0.2)
            return await _outbox_sequences(own_postgres.url)

        sequences = await followed(clients, work)
        assert len(sequences) == written.count(True) == 40  # one change per report written
        for client in clients:
            assert client.seen == sequences, (client.seen, sequences, client.endings)

        # The principal listener is back: a session ended through one process is refused at
        # once by the other, which had it cached for a minute.
        assert "errors" not in await _me(apis[1], township)
        async with httpx.AsyncClient(base_url=apis[0].http, timeout=30) as http:
            await http.post(
                "/graphql",
                json={"query": "mutation { logout { __typename } }"},
                headers={"Authorization": f"Bearer {township}"},
            )
        refused = await _me(apis[1], township)
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused  # type: ignore[index]
    finally:
        for api in apis:
            api.stop()


async def _outbox_sequences(url: str) -> list[int]:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await connection.fetch(
            "SELECT id FROM outbox WHERE topic = 'event' AND region_code LIKE $1 ORDER BY id",
            f"{SCOPE}%",
        )
    finally:
        await connection.close()
    return [row["id"] for row in rows]
