"""Two real API processes on loopback, shared by a module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.settings import Settings
from tests.accounts.test_websocket import ws_url  # noqa: F401 - the app on a real uvicorn
from tests.realtime.servers import ApiProcess, start_api


def api_env(settings: Settings, redis_url: str | None = None) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": redis_url or settings.redis_url or "",
        "GRIDGOV_SECRET_KEY": settings.secret_key(),
        "GRIDGOV_ENV": "test",
    }


@pytest.fixture(scope="module")
def two_apis(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiProcess, ApiProcess]]:
    logs = tmp_path_factory.mktemp("api-logs")
    first = start_api(api_env(settings), logs)
    second = start_api(api_env(settings), logs)
    yield first, second
    first.stop()
    second.stop()
