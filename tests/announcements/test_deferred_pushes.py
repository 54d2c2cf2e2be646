"""A notice to more than INLINE_PUSHES recipients: the receipts are written in the publishing
transaction, the live pushes by the worker's job right after it, once; a revoked notice is
never pushed; a lost job is pushed by the overdue sweep."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from api import clock
from api.domains.announcements import service
from api.domains.announcements.models import Announcement, AnnouncementRecipient
from api.outbox import OutboxMessage
from tests import factories
from tests.announcements.helpers import publish
from tests.factories import gql
from workers.announcements import push_announcement, push_overdue_announcements

GRID = "410611001001001"


@pytest.fixture(autouse=True)
def few_inline_pushes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "INLINE_PUSHES", 2)


async def test_pushes_of_a_large_audience_follow_the_commit_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    workers = [await factories.user("grid_worker", GRID) for _ in range(4)]
    _, publisher = await factories.signed_in("district_command", "410611")
    published = await publish(client, publisher)
    assert published["__typename"] == "PublishNoticePayload", published
    notice_id = published["notice"]["id"]
    # everyone has it, before any push
    assert await AnnouncementRecipient.filter(announcement_id=notice_id).count() == 4
    assert await OutboxMessage.filter(topic="notice").count() == 0

    assert await push_announcement({}, notice_id) == 4
    assert await push_announcement({}, notice_id) == 0  # a rerun writes nothing
    pushes = await OutboxMessage.filter(topic="notice")
    assert sorted(p.user_id for p in pushes) == sorted(w.id for w in workers)
    assert {p.payload["id"] for p in pushes} == {notice_id}


async def test_a_revoked_notice_is_not_pushed_and_a_lost_job_is_swept(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    for _ in range(3):
        await factories.user("grid_worker", GRID)
    _, publisher = await factories.signed_in("district_command", "410611")
    revoked = (await publish(client, publisher))["notice"]
    lost = (await publish(client, publisher, title="第二份通知"))["notice"]
    body = await gql(
        client,
        'mutation($id: ID!) { revokeNotice(id: $id, reason: "发错了") { __typename } }',
        {"id": revoked["id"]},
        token=publisher,
    )
    assert body["data"]["revokeNotice"]["__typename"] == "RevokeNoticePayload"
    assert await push_overdue_announcements({}) == 0  # not overdue yet
    clock.move(timedelta(minutes=2))
    assert await push_overdue_announcements({}) == 2
    pushes = await OutboxMessage.filter(topic="notice")
    assert {p.payload["id"] for p in pushes} == {lost["id"]}
    assert len(pushes) == 3
    assert await Announcement.filter(pushed_at=None).count() == 0
