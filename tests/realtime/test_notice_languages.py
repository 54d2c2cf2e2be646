"""The notices feed in each connection's language (api/messages.py, issue 30): one user on two
connections, Chinese and English, gets a replayed notice and a live one each in its language."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from tortoise.transactions import in_transaction

from api.domains.events.models import Event
from api.domains.notices import service as notices
from api.i18n import _
from tests import factories
from tests.events.helpers import FILE, REPORT, SUPERVISE, report_input, run
from tests.realtime.servers import ApiProcess, Feed

NOTICES = "subscription($after: Int) { notices(after: $after) { kind title body } }"


async def _red_card(user_id: uuid.UUID) -> None:
    async with in_transaction():
        await notices.notify(
            user_ids=[user_id],
            kind="red_card",
            title=_("Red card: {label}", label="2026-0001"),
            body="请尽快处置",
            region_code="410611001001001",
        )


async def test_each_connection_reads_notices_in_its_language(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    first, second = two_apis
    await factories.region_tree()
    _worker, worker = await factories.signed_in("grid_worker", "410611001001001")
    grid_leader_account, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    _leader, leader = await factories.signed_in("leader", "410611")
    await _red_card(grid_leader_account.id)
    feeds = {lang: Feed(second.ws, grid_leader, language=lang) for lang in ("zh-CN", "en")}
    try:
        for feed in feeds.values():
            await feed.open(NOTICES, {"after": 0})
        replayed = {
            lang: (await feed.next())["payload"]["data"]["notices"] for lang, feed in feeds.items()
        }
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=first.http) as http:
            created = await run(http, REPORT, worker, input=report_input())
            await run(http, FILE, grid_leader, id=created["event"]["uuid"])
            await run(http, SUPERVISE, leader, id=created["event"]["uuid"], note="请尽快派遣")
        live = {
            lang: (await feed.next())["payload"]["data"]["notices"] for lang, feed in feeds.items()
        }
    finally:
        for feed in feeds.values():
            await feed.close()
    assert replayed == {
        "zh-CN": {"kind": "red_card", "title": "红牌 2026-0001", "body": "请尽快处置"},
        "en": {"kind": "red_card", "title": "Red card: 2026-0001", "body": "请尽快处置"},
    }
    event = await Event.get(id=created["event"]["uuid"])
    case = f"{event.case_number}: {event.title}"
    assert live == {
        "zh-CN": {"kind": "supervision", "title": f"督办 {case}", "body": "请尽快派遣"},
        "en": {"kind": "supervision", "title": f"Supervision {case}", "body": "请尽快派遣"},
    }
