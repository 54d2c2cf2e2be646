"""A live feed ends, with a coded error, once its caller is signed out, deactivated, loses
their session to a password change, or has their roles changed: nothing more is delivered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from api import clock
from api.domains.accounts.models import RoleAssignment, User, UserSession
from api.settings import Settings
from tests import factories
from tests.events.helpers import REPORT, report_input
from tests.realtime.conftest import api_env
from tests.realtime.servers import ApiProcess, Feed, start_api

FEED = 'subscription { eventChanges(scope: "410611001") { sequence } }'
GRID = "410611001001001"


@pytest.fixture(scope="module")
def api(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = start_api(api_env(settings), tmp_path_factory.mktemp("api-logs"))
    yield process
    process.stop()


async def _deactivate(user: User) -> None:
    await User.filter(id=user.id).update(is_active=False)


async def _end_sessions(user: User) -> None:  # logout everywhere, or a password change elsewhere
    await UserSession.filter(user_id=user.id).update(revoked_at=clock.now())


async def _change_roles(user: User) -> None:
    await RoleAssignment.filter(user_id=user.id).update(region_code="410611002")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_deactivate, "UNAUTHENTICATED"),
        (_end_sessions, "UNAUTHENTICATED"),
        (_change_roles, "FORBIDDEN"),
    ],
    ids=["deactivated", "signed out", "roles changed"],
)
async def test_a_feed_ends_when_its_caller_is_no_longer_who_they_were(
    db: None, api: ApiProcess, change: Callable[[User], Awaitable[None]], code: str
) -> None:
    await factories.region_tree()
    account, token = await factories.signed_in("township_centre", "410611001")
    _, worker = await factories.signed_in("grid_worker", GRID)
    feed = Feed(api.ws, token)
    await feed.open(FEED, {})
    await asyncio.sleep(2.5)  # the connection's next check is due (it rechecks every 2 s at most)

    await change(account)
    await asyncio.sleep(0.5)  # the database's notice reaches the API process
    async with httpx.AsyncClient(base_url=api.http) as http:
        await http.post(
            "/graphql",
            json={"query": REPORT, "variables": {"input": report_input()}},
            headers={"Authorization": f"Bearer {worker}"},
        )
    ended = await feed.next(timeout=10)

    errors: Any = ended["payload"]["errors"] if ended["type"] == "next" else ended["payload"]
    assert errors[0]["extensions"]["code"] == code, ended
    assert "data" not in ended["payload"] or not ended["payload"].get("data"), ended
    await feed.close()
