"""One branch meeting from invitation through leave, sign-in and minutes to the quarter's
三会一课 figures, and the organisation's page with its committee and number warnings."""

from __future__ import annotations

from datetime import timedelta

import httpx

from api import clock
from api.domains.meetings import service
from api.domains.notices.models import Notice
from api.domains.positions.models import WorkerPosition
from api.flows.calendar import LOCAL
from tests import factories
from tests.factories import gql
from tests.meetings.helpers import (
    APPOINT,
    DECIDE,
    GRID,
    INVITEES,
    LEAVE,
    LIFE,
    MINUTES,
    QUARTER,
    SCHEDULE,
    SIGN_IN,
    STANDING,
    branch,
    ok,
    signed_in_for_a_day,
)


async def test_a_branch_meeting_from_invitation_to_the_quarters_figures(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强", "郑丽", "王芳", "赵刚"])
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    for _ in range(3):
        account, token = await signed_in_for_a_day("grid_worker", GRID)
        organisation.accounts.append(account)
        organisation.tokens.append(token)
    liu, zheng, wang = organisation.tokens
    org_id = str(organisation.branch.id)

    # members' standing: three sign in with accounts, 赵刚 (no phone) is probationary
    for member, account in zip(organisation.members, organisation.accounts, strict=False):
        standing = await ok(
            client,
            STANDING,
            {
                "member": str(member.id),
                "probationary": False,
                "joined": "2001-07-01",
                "user": str(account.id),
            },
            staff,
        )
        assert standing["__typename"] == "PartyStandingPayload", standing
    standing = await ok(
        client,
        STANDING,
        {"member": str(organisation.members[3].id), "probationary": True, "joined": "2026-06-01"},
        staff,
    )
    assert standing["probationary"] is True

    # the page warns of the numbers (no secretary yet), then the secretary takes the post
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert (life["formalMembers"], life["probationaryMembers"]) == (3, 1)
    assert life["warnings"] == ["NO_SECRETARY"]
    appointed = await ok(
        client,
        APPOINT,
        {
            "org": org_id,
            "member": str(organisation.members[0].id),
            "post": "SECRETARY",
            "start": "2024-01-01",
        },
        staff,
    )
    assert appointed["__typename"] == "PartyPostPayload", appointed
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert life["warnings"] == []
    assert life["committee"] == [
        {"post": "SECRETARY", "partyMemberId": str(organisation.members[0].id)}
    ]

    # invitation: every member is invited, those with accounts are told
    starts = clock.now() + timedelta(hours=3)
    scheduled = await ok(
        client,
        SCHEDULE,
        {
            "input": {
                "kind": "BRANCH_ASSEMBLY",
                "title": "第四季度支部党员大会",
                "startsAt": starts.isoformat(),
                "endsAt": (starts + timedelta(hours=2)).isoformat(),
                "place": "金山社区党群服务中心二楼会议室",
                "agenda": "1. 学习传达上级精神；2. 讨论发展党员；3. 民主评议党员",
                "organisationId": org_id,
            }
        },
        staff,
    )
    assert scheduled["__typename"] == "MeetingPayload", scheduled
    meeting_id = scheduled["meeting"]["id"]
    assert scheduled["meeting"]["status"] == "SCHEDULED"
    assert scheduled["meeting"]["attendance"] == {
        "invited": 4,
        "present": 0,
        "onLeave": 0,
        "absent": 4,
    }
    told = await Notice.filter(kind="meeting").values_list("user_id", flat=True)
    assert sorted(told) == sorted(a.id for a in organisation.accounts)

    # sign-in before the window opens is refused, and nothing is written
    early = await ok(client, SIGN_IN, {"id": meeting_id}, liu)
    assert early["__typename"] == "ConflictError"
    assert "sign-in is open from" in early["message"]

    # 郑丽 asks for leave; the organiser approves
    asked = await ok(client, LEAVE, {"id": meeting_id, "reason": "出差在外地"}, zheng)
    assert asked["__typename"] == "MeetingInviteePayload", asked
    assert asked["invitee"]["leaveStatus"] == "REQUESTED"
    decided = await ok(
        client,
        DECIDE,
        {"id": meeting_id, "invitee": asked["invitee"]["id"], "approve": True},
        staff,
    )
    assert decided["invitee"]["leaveStatus"] == "APPROVED"
    assert await Notice.filter(kind="meeting_leave").count() == 2  # to the organiser, then back

    # ten minutes before the start: 刘强 signs in with a fresh position, 王芳 without one, and
    # the organiser signs in 赵刚, who has no phone
    clock.move(starts - timedelta(minutes=10) - clock.now())
    await WorkerPosition.create(
        user_id=organisation.accounts[0].id,
        region_code=GRID,
        lat=35.7412,
        lng=114.2981,
        accuracy=8.0,
        at=clock.now() - timedelta(minutes=2),
    )
    signed = await ok(client, SIGN_IN, {"id": meeting_id}, liu)
    assert signed["__typename"] == "MeetingInviteePayload", signed
    assert signed["invitee"]["signInLatitude"] == 35.7412
    assert signed["invitee"]["signedInFor"] is False
    again = await ok(client, SIGN_IN, {"id": meeting_id}, liu)
    assert again["invitee"]["signedInAt"] == signed["invitee"]["signedInAt"]  # twice is once
    plain = await ok(client, SIGN_IN, {"id": meeting_id}, wang)
    assert plain["invitee"]["signInLatitude"] is None
    listed = await ok(client, INVITEES, {"id": meeting_id}, staff)
    zhao = next(e["node"] for e in listed["invitees"]["edges"] if e["node"]["name"] == "赵刚")
    assert zhao["userId"] is None
    for_him = await ok(client, SIGN_IN, {"id": meeting_id, "invitee": zhao["id"]}, staff)
    assert for_him["invitee"]["signedInFor"] is True
    # an invitee may not sign in someone else
    refused = await gql(client, SIGN_IN, {"id": meeting_id, "invitee": zhao["id"]}, token=wang)
    assert refused["data"]["signInToMeeting"]["__typename"] == "NotFoundError"

    # after the meeting: the minutes, and the figures
    clock.move(timedelta(hours=3))
    held = await ok(
        client,
        MINUTES,
        {
            "id": meeting_id,
            "minutes": "应到4人，实到3人，请假1人（郑丽）。会议学习传达了上级精神。",
        },
        staff,
    )
    assert held["__typename"] == "MeetingPayload", held
    assert held["meeting"]["status"] == "HELD"
    assert held["meeting"]["attendance"] == {
        "invited": 4,
        "present": 3,
        "onLeave": 1,
        "leaveRequested": 0,
        "absent": 0,
        "rate": 0.75,
    }

    # the quarter: the assembly is held, the committee and group meetings are not yet
    local = starts.astimezone(LOCAL)
    quarter = await ok(
        client,
        QUARTER,
        {"org": org_id, "year": local.year, "quarter": (local.month - 1) // 3 + 1},
        staff,
    )
    assert quarter["meetingsHeld"] == 1
    assert quarter["complete"] is False
    assert {k["kind"]: (k["required"], k["held"]) for k in quarter["kinds"]} == {
        "BRANCH_ASSEMBLY": (1, 1),
        "BRANCH_COMMITTEE": (3, 0),
        "GROUP_MEETING": (3, 0),
        "PARTY_LECTURE": (1, 0),
    }
    assert quarter["attendance"] == {
        "invited": 4,
        "present": 3,
        "onLeave": 1,
        "absent": 0,
        "rate": 0.75,
    }

    # what points are credited from: who attended, per member
    attended = await service.attendance(
        since=starts - timedelta(days=1), until=starts + timedelta(days=1), region_code="410611"
    )
    assert sorted(str(a.party_member_id) for a in attended) == sorted(
        str(m.id)
        for m in (organisation.members[0], organisation.members[2], organisation.members[3])
    )
