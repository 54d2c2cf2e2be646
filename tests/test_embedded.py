"""The embedded default: real servers started under a data directory, stopped on exit."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import redis

from api.embedded import embedded_services


def _query(url: str, sql: str) -> object:
    async def run() -> object:
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return await connection.fetchval(sql)
        finally:
            await connection.close()

    return asyncio.run(run())


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as probe:
        return probe.connect_ex((parts.hostname or "", parts.port or 0)) == 0


def test_servers_start_keep_data_and_stop(tmp_path: Path) -> None:
    with embedded_services(tmp_path) as first:
        _query(first.database_url, "CREATE TABLE kept AS SELECT 7 AS x")
        assert redis.Redis.from_url(first.redis_url).ping()
        with embedded_services(tmp_path) as nested:  # a second user of the same directory
            assert nested.redis_url == first.redis_url
            assert _query(nested.database_url, "SELECT x FROM kept") == 7
        assert _port_open(first.redis_url), "leaving the inner context must not stop the servers"
        assert _query(first.database_url, "SELECT 1") == 1
    assert not _port_open(first.redis_url)
    socket_dir = first.database_url.split("host=", 1)[1]
    assert not (Path(socket_dir) / ".s.PGSQL.5432").exists()

    with embedded_services(tmp_path) as again:
        assert _query(again.database_url, "SELECT x FROM kept") == 7
