"""What publishing refuses, with a typed error and nothing written; all or no one."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from tortoise import connections

from api import clock
from api.domains.announcements.models import Announcement, AnnouncementRecipient
from api.domains.notices.models import Notice
from api.flows.models import FlowStep
from api.outbox import OutboxMessage
from tests import factories
from tests.announcements.helpers import ACKNOWLEDGE, INBOX, PUBLISH, READ, notice_input, publish
from tests.factories import gql

TOWNSHIP = {"regionCodes": ["410611001"], "roles": ["grid_worker"]}


async def _nothing_written() -> None:
    assert await Announcement.all().count() == 0
    assert await AnnouncementRecipient.all().count() == 0
    assert await Notice.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def _refused(client: httpx.AsyncClient, token: str, **changes: Any) -> dict[str, Any]:
    result = await publish(client, token, **changes)
    assert result["__typename"] in ("ValidationError", "ConflictError"), result
    return result


async def test_bad_audiences_and_bodies_are_typed_errors_with_nothing_written(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001")
    await factories.user("grid_worker", "410602001001001")
    far_away = await factories.user("grid_worker", "410611002001001")
    _, token = await factories.signed_in("township_centre", "410611001")
    other_department = await factories.department("410602", "police", "鹤山公安分局")

    outside = await _refused(client, token, audience={"regionCodes": ["410611002"]})
    assert (outside["code"], outside["field"]) == ("OUTSIDE_AREA", "audience.regionCodes")
    user_outside = await _refused(client, token, audience={"userIds": [str(far_away.id)]})
    assert (user_outside["code"], user_outside["field"]) == ("OUTSIDE_AREA", "audience.userIds")
    department = await _refused(
        client, token, audience={"departmentIds": [str(other_department.id)]}
    )
    assert department["code"] == "OUTSIDE_AREA"
    empty = await _refused(client, token, audience={})
    assert (empty["code"], empty["field"]) == ("INVALID", "audience")
    nobody = await _refused(
        client, token, audience={"regionCodes": ["410611001010"], "roles": ["grid_worker"]}
    )
    assert (nobody["code"], nobody["field"]) == ("INVALID", "audience")
    not_a_role = await _refused(
        client, token, audience={"regionCodes": ["410611001"], "roles": ["citizen"]}
    )
    assert not_a_role["field"] == "audience.roles"
    oversized = await _refused(client, token, body="字" * 20_001)
    assert (oversized["code"], oversized["field"]) == ("INVALID", "body")
    html = await _refused(client, token, body="见 <script>alert(1)</script>")
    assert html["field"] == "body"
    link = await _refused(client, token, body="[点击](javascript:alert(1))")
    assert link["field"] == "body"
    no_deadline = await _refused(client, token, requireAcknowledgement=True)
    assert no_deadline["field"] == "acknowledgeBy"
    past = await _refused(
        client,
        token,
        requireAcknowledgement=True,
        acknowledgeBy=(clock.now() - timedelta(minutes=1)).isoformat(),
    )
    assert past["field"] == "acknowledgeBy"
    await _nothing_written()


async def test_publishing_is_all_or_no_one(client: httpx.AsyncClient) -> None:
    """A failure after the receipts are written (here: the database refuses the last push, by a
    trigger this test plants) leaves no receipt, no timeline row and no push behind."""
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001")
    last = await factories.user("grid_worker", "410611001001010")
    _, token = await factories.signed_in("township_centre", "410611001")
    connection = connections.get("default")
    await connection.execute_script(
        f"""
        CREATE FUNCTION refuse_push() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.user_id = '{last.id}' THEN RAISE EXCEPTION 'push refused'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_push BEFORE INSERT ON outbox
          FOR EACH ROW EXECUTE FUNCTION refuse_push();
        """
    )
    try:
        body = await gql(client, PUBLISH, {"input": notice_input(audience=TOWNSHIP)}, token=token)
    finally:
        await connection.execute_script(
            "DROP TRIGGER refuse_push ON outbox; DROP FUNCTION refuse_push()"
        )
    assert factories.error_codes(body) == ["INTERNAL_SERVER_ERROR"], body
    assert await Announcement.all().count() == 0
    assert await AnnouncementRecipient.all().count() == 0
    assert await FlowStep.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_a_retried_publish_is_the_same_notice(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001")
    _, token = await factories.signed_in("township_centre", "410611001")
    chosen = str(uuid.uuid4())
    once = await publish(client, token, id=chosen, audience=TOWNSHIP)
    twice = await publish(client, token, id=chosen, audience=TOWNSHIP)
    assert once["__typename"] == "PublishNoticePayload", once
    assert once["notice"]["id"] == twice["notice"]["id"] == chosen
    assert await AnnouncementRecipient.all().count() == 1
    assert await OutboxMessage.filter(topic="notice").count() == 1


async def test_a_revoked_notice_is_hidden_and_cannot_be_acknowledged(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker_token = await factories.signed_in("grid_worker", "410611001001001")
    _, token = await factories.signed_in("township_centre", "410611001")
    _, peer_token = await factories.signed_in("township_centre", "410611001")
    published = await publish(
        client,
        token,
        audience=TOWNSHIP,
        requireAcknowledgement=True,
        acknowledgeBy=(clock.now() + timedelta(days=1)).isoformat(),
    )
    notice_id = published["notice"]["id"]
    inbox = await gql(client, INBOX, token=worker_token)
    assert inbox["data"]["myInbox"]["totalCount"] == 1

    revoke = """mutation($id: ID!, $v: Int) { revokeNotice(id: $id, reason: "内容有误", version: $v) {
      __typename ... on RevokeNoticePayload { notice { status revokedAt version } }
      ... on Error { code field } } }"""
    stale = await gql(client, revoke, {"id": notice_id, "v": 7}, token=token)
    assert stale["data"]["revokeNotice"]["code"] == "CONFLICT"
    not_theirs = await gql(client, revoke, {"id": notice_id}, token=peer_token)
    assert factories.error_codes(not_theirs) == ["FORBIDDEN"]
    done = await gql(client, revoke, {"id": notice_id, "v": 1}, token=token)
    assert done["data"]["revokeNotice"]["notice"]["status"] == "REVOKED"
    again = await gql(client, revoke, {"id": notice_id}, token=token)
    assert again["data"]["revokeNotice"]["code"] == "INVALID_TRANSITION"

    inbox = await gql(client, INBOX, token=worker_token)
    assert inbox["data"]["myInbox"]["totalCount"] == 0
    for mutation, name in ((ACKNOWLEDGE, "acknowledgeNotice"), (READ, "readPublishedNotice")):
        refused = await gql(client, mutation, {"id": notice_id}, token=worker_token)
        assert refused["data"][name]["code"] == "CONFLICT"
    receipt = await AnnouncementRecipient.get()
    assert receipt.acknowledged_at is None
    # kept for the audit trail: the publisher still reads it and its timeline has both steps
    steps = (
        await FlowStep.filter(flow="announcement").order_by("id").values_list("action", flat=True)
    )
    assert steps == ["publish", "revoke"]
    # no acknowledgement is asked of anyone any more: the sweep has nothing to remind
    assert (await Announcement.get()).due_at is None


async def test_someone_not_among_the_recipients_finds_nothing(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001")
    _, stranger_token = await factories.signed_in("grid_worker", "410611001001010")
    _, token = await factories.signed_in("township_centre", "410611001")
    published = await publish(client, token, audience={"regionCodes": ["410611001001001"]})
    body = await gql(client, ACKNOWLEDGE, {"id": published["notice"]["id"]}, token=stranger_token)
    assert body["data"]["acknowledgeNotice"]["code"] == "NOT_FOUND"
    malformed = await gql(client, READ, {"id": "nonsense"}, token=stranger_token)
    assert malformed["data"]["readPublishedNotice"]["code"] == "NOT_FOUND"
