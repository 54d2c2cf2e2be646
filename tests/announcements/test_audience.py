"""An audience that mixes regions × roles, a department and named users reaches exactly the
people each part selects, each once, and no one else."""

from __future__ import annotations

import httpx

from api.domains.announcements.models import AnnouncementRecipient
from api.outbox import OutboxMessage
from tests import factories
from tests.announcements.helpers import publish
from tests.factories import gql

INBOX = "query { myInbox(first: 10) { totalCount } }"


async def test_regions_by_roles_departments_and_named_users_each_reach_their_people_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    police = await factories.department("410611", "police", "淇滨公安分局")
    roads = await factories.department("410611", "roads", "淇滨区交通局")
    # selected: a grid leader of 金山街道 (region × role), also named; a police officer of the
    # district (department); a community's staff of 九州路街道 (named)
    leader, leader_token = await factories.signed_in("grid_leader", "410611001001001")
    officer, officer_token = await factories.signed_in(
        "department_staff", "410611", department_id=police.id
    )
    named, named_token = await factories.signed_in("community_staff", "410611002001")
    # not selected: another role in the region, another department, a grid leader elsewhere
    _, worker_token = await factories.signed_in("grid_worker", "410611001001001")
    _, clerk_token = await factories.signed_in("department_staff", "410611", department_id=roads.id)
    _, far_leader_token = await factories.signed_in("grid_leader", "410611002001001")
    _, token = await factories.signed_in("district_command", "410611")

    published = await publish(
        client,
        token,
        audience={
            "regionCodes": ["410611001"],
            "roles": ["grid_leader"],
            "departmentIds": [str(police.id)],
            "userIds": [str(named.id), str(leader.id)],
        },
    )
    assert published["__typename"] == "PublishNoticePayload", published
    assert published["notice"]["recipientCount"] == 3
    reached = await AnnouncementRecipient.all().values_list("user_id", flat=True)
    assert sorted(reached) == sorted([leader.id, officer.id, named.id])
    pushed = await OutboxMessage.filter(topic="notice").values_list("user_id", flat=True)
    assert sorted(pushed) == sorted(reached)  # one live push each
    for recipient in (leader_token, officer_token, named_token):
        body = await gql(client, INBOX, token=recipient)
        assert body["data"]["myInbox"]["totalCount"] == 1
    for bystander in (worker_token, clerk_token, far_leader_token):
        body = await gql(client, INBOX, token=bystander)
        assert body["data"]["myInbox"]["totalCount"] == 0
