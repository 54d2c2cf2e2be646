"""Minutes with files (multipart): kept with the meeting, downloaded by those who may read it."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx

from api import clock
from tests import factories
from tests.approvals.helpers import PDF
from tests.meetings.helpers import GRID, SCHEDULE, STANDING, branch, ok, signed_in_for_a_day

MINUTES = """
mutation($id: ID!, $minutes: String!, $files: [Upload!]) {
  recordMeetingMinutes(meetingId: $id, minutes: $minutes, files: $files) {
    __typename
    ... on MeetingPayload { meeting { status files { id filename contentType } } }
    ... on Error { code message field }
  }
}"""


async def test_minutes_files_are_kept_and_read_by_invitees_only(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强"])
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    member, member_token = await signed_in_for_a_day("grid_worker", GRID)
    _, outsider = await signed_in_for_a_day("grid_worker", "410611001010001")
    await ok(
        client,
        STANDING,
        {"member": str(organisation.members[0].id), "probationary": False, "user": str(member.id)},
        staff,
    )
    starts = clock.now() + timedelta(hours=1)
    scheduled = await ok(
        client,
        SCHEDULE,
        {
            "input": {
                "kind": "PARTY_LECTURE",
                "title": "书记讲党课",
                "startsAt": starts.isoformat(),
                "endsAt": (starts + timedelta(hours=1)).isoformat(),
                "place": "党群服务中心",
                "agenda": "学习党章",
                "organisationId": str(organisation.branch.id),
            }
        },
        staff,
    )
    meeting_id = scheduled["meeting"]["id"]
    clock.move(timedelta(hours=2))
    operations = {
        "query": MINUTES,
        "variables": {"id": meeting_id, "minutes": "讲授党章第一章。", "files": [None]},
    }
    response = await client.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.files.0"]}),
        },
        files={"0": ("签到表.pdf", PDF)},
        headers={"Authorization": f"Bearer {staff}"},
    )
    held = response.json()["data"]["recordMeetingMinutes"]
    assert held["__typename"] == "MeetingPayload", held
    assert held["meeting"]["status"] == "HELD"
    [kept] = held["meeting"]["files"]
    assert (kept["filename"], kept["contentType"]) == ("签到表.pdf", "application/pdf")
    for token, status in ((member_token, 200), (staff, 200), (outsider, 404)):
        got = await client.get(
            f"/meeting-files/{kept['id']}", headers={"Authorization": f"Bearer {token}"}
        )
        assert got.status_code == status
