"""A second API process (uvicorn on loopback), shared by a module's tests: a grant made on one
process must hold on the other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.settings import Settings
from tests.realtime.conftest import api_env
from tests.realtime.servers import ApiProcess, start_api


@pytest.fixture(scope="module")
def other_api(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = start_api(api_env(settings), tmp_path_factory.mktemp("api-logs"))
    yield process
    process.stop()
