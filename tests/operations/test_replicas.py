"""Reads on a real streaming replica: stale-tolerant queries go there, a writer reads their own
writes from the primary, a lagging replica and a replica that went away leave their reads to
the primary — without a client error and with a log line.

Its own primary (pgserver, on a socket in a temporary directory: the shared server is never
touched) loaded with the demo city, a standby made from it with `pg_basebackup -R`, and an API
process with `DATABASE_REPLICA_URL` pointing at the standby. Replay on the standby is paused
(`pg_wal_replay_pause()`) to make it stale on purpose: a change made through the primary that
a reader does not see proves the reader was answered by the replica."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest

from api.settings import Settings
from tests.conftest import TEST_SECRET
from tests.events.helpers import REPORT, report_input
from tests.realtime.servers import ApiProcess, start_api
from tests.realtime.test_postgres_restart import OwnPostgres

SCOPE = "410611001"
PASSWORD = "Gridgov-replica-2026"
LOGIN = """mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { __typename ... on AuthPayload { accessToken } } }"""
# a stale-tolerant list: the township centre's events
EVENTS = '{ events(filter: {regionCode: "410611001"}, first: 1) { totalCount } }'


class Standby:
    """A streaming replica of `primary`, made by pg_basebackup and started on its own socket."""

    def __init__(self, primary: OwnPostgres, root: Path):
        from pgserver._commands import pg_basebackup

        self.user = primary.server.system_user
        self.pgdata = root / "standby"
        self.socket_dir = root / "standby-socket"
        self.socket_dir.mkdir()
        if self.user is not None:  # as root, PostgreSQL runs as pgserver's own system user
            account = pwd.getpwnam(self.user)
            for path in (root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        pg_basebackup(
            # a replication slot: the primary keeps the WAL the standby has not replayed yet
            [
                *("-D", str(self.pgdata), "-R", "-X", "stream", "-C", "-S", "gridgov_standby"),
                *("-h", primary.socket_dir, "-U", "postgres"),
            ],
            user=self.user,
            timeout=120,
        )
        self.url = (
            f"postgres://postgres@/{primary.database}?host={quote(str(self.socket_dir), safe='/')}"
        )

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.pgdata, user=self.user, timeout=60)

    def start(self) -> None:
        log = str(self.pgdata / "log")
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "immediate", "stop")

    async def sql(self, statement: str) -> Any:
        connection = await asyncpg.connect(self.url.replace("postgres://", "postgresql://", 1))
        try:
            return await connection.fetchval(statement)
        finally:
            await connection.close()


@pytest.fixture
def primary_and_standby() -> Iterator[tuple[OwnPostgres, Standby]]:
    with tempfile.TemporaryDirectory(prefix="gridgov-replica-") as directory:
        root = Path(directory)
        root.chmod(0o755)
        primary = OwnPostgres(root / "pg")
        standby: Standby | None = None
        try:
            yield primary, (standby := Standby(primary, root))
        finally:
            if standby is not None:
                with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
                    standby.stop()
            primary.close()


async def _post(api: ApiProcess, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=api.http, timeout=30) as http:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    return response.json()


async def _token(api: ApiProcess, username: str) -> str:
    body = await _post(api, LOGIN, u=username, p=PASSWORD)
    return str(body["data"]["login"]["accessToken"])


async def _events(api: ApiProcess, token: str) -> int:
    body = await _post(api, EVENTS, token)
    assert "errors" not in body, body
    return int(body["data"]["events"]["totalCount"])


async def _until(check: Any, timeout: float = 30.0) -> None:  # noqa: ASYNC109 - a test's deadline
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "gave up waiting"
        await asyncio.sleep(0.2)


async def test_stale_tolerant_reads_go_to_the_replica_and_come_back_when_it_fails(
    primary_and_standby: tuple[OwnPostgres, Standby], settings: Settings, tmp_path: Path
) -> None:
    primary, standby = primary_and_standby
    env = {
        "DATABASE_URL": primary.url,
        "REDIS_URL": settings.redis_url or "",
        "GRIDGOV_SECRET_KEY": TEST_SECRET,
        "GRIDGOV_ENV": "test",
    }
    subprocess.run(  # noqa: ASYNC221 - set-up, before anything runs
        [sys.executable, "-m", "api.cli", "demo", "--password", PASSWORD],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    standby.start()
    api = start_api(
        {
            **env,
            "DATABASE_REPLICA_URL": standby.url,
            "GRIDGOV_REPLICA_MAX_LAG_SECONDS": "15",
            "GRIDGOV_READ_YOUR_WRITES_SECONDS": "3",
        },
        tmp_path,
    )
    try:
        reader = await _token(api, f"t{SCOPE}.centre")
        writer = await _token(api, f"g{SCOPE}001001.worker")
        await asyncio.sleep(3.5)  # the sign-ins' read-your-writes marks run out
        before = await _events(api, reader)

        # A change the replica has replayed, then one it has not: the reader (who wrote
        # nothing) is answered by the replica and does not see it; the writer sees it.
        report = {"input": report_input(title="replayed")}
        assert "errors" not in await _post(api, REPORT, writer, **report)

        async def replayed() -> bool:
            return await _events(api, reader) == before + 1

        await _until(replayed)
        await standby.sql("SELECT pg_wal_replay_pause()")
        report = {"input": report_input(title="not replayed")}
        assert "errors" not in await _post(api, REPORT, writer, **report)
        assert await _events(api, reader) == before + 1  # stale: the replica answered
        assert await _events(api, writer) == before + 2  # the writer reads the primary

        # Replay paused for longer than the lag allowed: the reader is sent to the primary.
        async def fresh() -> bool:
            return await _events(api, reader) == before + 2

        await _until(fresh, timeout=60)
        await standby.sql("SELECT pg_wal_replay_resume()")

        async def serving_again() -> bool:  # caught up: the checker takes it back
            return api.log.read_text().count("replica serving reads") >= 2

        await _until(serving_again)

        # The replica goes away: reads carry on from the primary with no client error, and the
        # log says why (the checker found it unreachable, or a read on it failed first).
        standby.stop()
        for _ in range(5):
            assert await _events(api, reader) == before + 2

        async def gone_logged() -> bool:
            text = api.log.read_text()
            return "unreachable" in text or "a read failed" in text

        await _until(gone_logged)
    finally:
        api.stop()
    log = api.log.read_text()
    assert "behind" in log  # the lag
    assert log.count("replica left out") >= 2  # for the lag, then for being gone


def test_a_replica_left_out_is_logged_once_per_kind_of_reason() -> None:
    from structlog.testing import capture_logs

    from api.replicas import Replica, Replicas

    pool = Replicas([], None)
    member = Replica("replica1", client=None, healthy=True)  # type: ignore[arg-type]
    with capture_logs() as logs:
        for reason in ("15 s behind", "16 s behind", "17 s behind", "unreachable: OSError"):
            pool._set(member, False, reason)
        pool._set(member, True, "")
    assert [(line["log_level"], line.get("reason")) for line in logs] == [
        ("warning", "15 s behind"),
        ("warning", "unreachable: OSError"),
        ("info", None),
    ]
