"""Bad input to meetings: typed errors and nothing written; scope; the number warnings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.meetings.models import Meeting, MeetingInvitee, PartyPost
from api.flows.calendar import LOCAL
from tests import factories
from tests.factories import gql
from tests.meetings.helpers import (
    APPOINT,
    GRID,
    LEAVE,
    LIFE,
    MINUTES,
    SCHEDULE,
    SIGN_IN,
    STANDING,
    branch,
    ok,
    signed_in_for_a_day,
)


def _meeting(org_id: str, **changes: Any) -> dict[str, Any]:
    starts = clock.now() + timedelta(hours=3)
    base: dict[str, Any] = {
        "kind": "BRANCH_COMMITTEE",
        "title": "支委会",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=1)).isoformat(),
        "place": "党群服务中心",
        "agenda": "研究本月工作",
        "organisationId": org_id,
    }
    base.update(changes)
    return base


async def test_scheduling_refuses_bad_times_kinds_and_invitees_and_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强", "郑丽", "王芳"])
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    outsider = await factories.user("grid_worker", "410602001001001")
    org_id = str(organisation.branch.id)
    now = clock.now()
    cases = [
        ({"startsAt": (now - timedelta(hours=1)).isoformat()}, "startsAt"),
        ({"endsAt": (now + timedelta(hours=2)).isoformat()}, "endsAt"),
        ({"title": "  "}, "title"),
        ({"agenda": "议" * 5001}, "agenda"),
        ({"signInMinutesBefore": 600}, "signInMinutesBefore"),
        ({"organisationId": None, "regionCode": GRID}, "organisationId"),  # a 支委会 needs one
        ({"inviteeUserIds": [str(outsider.id)]}, "inviteeUserIds"),
    ]
    for changes, field in cases:
        result = await ok(client, SCHEDULE, {"input": _meeting(org_id, **changes)}, staff)
        assert result["__typename"] == "ValidationError", (changes, result)
        assert result["field"] == field, (changes, result)
    # an organisation of another community is not found
    _, other_staff = await signed_in_for_a_day("community_staff", "410611001010")
    hidden = await ok(client, SCHEDULE, {"input": _meeting(org_id)}, other_staff)
    assert hidden["__typename"] == "NotFoundError"
    assert await Meeting.all().count() == 0
    assert await MeetingInvitee.all().count() == 0
    # a region organises a joint meeting (联席会议): its own staff by default, and named staff
    worker = await factories.user("grid_worker", GRID)
    await factories.user("grid_worker", GRID)  # works below the region, not named: not invited
    joint = await ok(
        client,
        SCHEDULE,
        {
            "input": _meeting(
                org_id,
                kind="JOINT_MEETING",
                organisationId=None,
                regionCode=GRID[:12],
                inviteeUserIds=[str(worker.id)],
            )
        },
        staff,
    )
    assert joint["__typename"] == "MeetingPayload", joint
    # the region's own staff (here the community staff who calls it) and the worker named
    assert joint["meeting"]["attendance"]["invited"] == 2


async def test_leave_and_sign_in_outside_their_times_are_refused(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强", "郑丽"])
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    account, token = await signed_in_for_a_day("grid_worker", GRID)
    _, stranger = await signed_in_for_a_day("grid_worker", GRID)
    linked = await ok(
        client,
        STANDING,
        {"member": str(organisation.members[0].id), "probationary": False, "user": str(account.id)},
        staff,
    )
    assert linked["__typename"] == "PartyStandingPayload"
    taken = await ok(
        client,
        STANDING,
        {"member": str(organisation.members[1].id), "probationary": False, "user": str(account.id)},
        staff,
    )
    assert (taken["__typename"], taken["code"]) == ("ConflictError", "ALREADY_EXISTS")
    scheduled = await ok(client, SCHEDULE, {"input": _meeting(str(organisation.branch.id))}, staff)
    meeting_id = scheduled["meeting"]["id"]

    # not invited: not found; minutes before the meeting: conflict
    for document, variables in (
        (SIGN_IN, {"id": meeting_id}),
        (LEAVE, {"id": meeting_id, "reason": "x"}),
    ):
        result = await ok(client, document, variables, stranger)
        assert result["__typename"] == "NotFoundError", result
    early = await ok(client, MINUTES, {"id": meeting_id, "minutes": "提前写的"}, staff)
    assert early["__typename"] == "ConflictError"

    # after the window closes: no sign-in; after the start: no leave
    clock.move(timedelta(hours=3, minutes=31))
    late = await ok(client, SIGN_IN, {"id": meeting_id}, token)
    assert late["__typename"] == "ConflictError"
    too_late = await ok(client, LEAVE, {"id": meeting_id, "reason": "忘了请假"}, token)
    assert too_late["__typename"] == "ConflictError"
    assert "before the meeting starts" in too_late["message"]
    invitee = await MeetingInvitee.get(meeting_id=meeting_id, user_id=account.id)
    assert (invitee.signed_in_at, invitee.leave_requested_at) == (None, None)

    # once held, nothing more happens to it
    held = await ok(client, MINUTES, {"id": meeting_id, "minutes": "会议记录"}, staff)
    assert held["meeting"]["attendance"]["absent"] == 2
    twice = await ok(client, MINUTES, {"id": meeting_id, "minutes": "再记一次"}, staff)
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "INVALID_TRANSITION")
    # a grid worker may not record minutes at all
    body = await gql(client, MINUTES, {"id": meeting_id, "minutes": "x"}, token=token)
    assert factories.error_codes(body) == ["FORBIDDEN"]


async def test_branch_number_rules_are_warnings_and_posts_do_not_overlap(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    names = [f"党员{n}" for n in range(9)]
    organisation = await branch(names)
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    org_id = str(organisation.branch.id)
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert life["formalMembers"] == 9
    assert life["warnings"] == ["COMMITTEE_MISSING", "NO_SECRETARY"]

    def appoint(member: int, post: str, start: str = "2024-01-01") -> dict[str, Any]:
        return {
            "org": org_id,
            "member": str(organisation.members[member].id),
            "post": post,
            "start": start,
        }

    first = await ok(client, APPOINT, appoint(0, "SECRETARY"), staff)
    assert first["__typename"] == "PartyPostPayload"
    second = await ok(client, APPOINT, appoint(1, "SECRETARY", "2025-01-01"), staff)
    assert (second["__typename"], second["field"]) == ("ConflictError", "post")
    same = await ok(client, APPOINT, appoint(0, "PUBLICITY"), staff)
    assert (same["__typename"], same["field"]) == ("ConflictError", "partyMemberId")
    bad_term = await ok(client, APPOINT, appoint(2, "MEMBER", "1900-01-01"), staff)
    assert (bad_term["__typename"], bad_term["field"]) == ("ValidationError", "termStart")
    assert await PartyPost.all().count() == 1
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert life["warnings"] == ["COMMITTEE_TOO_SMALL"]  # a warning, not a refusal
    for member, post in ((1, "ORGANISATION"), (2, "PUBLICITY")):
        made = await ok(client, APPOINT, appoint(member, post), staff)
        assert made["__typename"] == "PartyPostPayload"
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert life["warnings"] == []
    # the page of an organisation outside the caller's subtree is not theirs to read
    _, other = await signed_in_for_a_day("community_staff", "410611001010")
    body = await gql(client, LIFE, {"org": org_id}, token=other)
    assert body["data"] is None
    assert body["errors"]  # out of scope: refused like absent, no page


async def test_a_branch_too_small_or_too_large_is_warned_of_never_refused(
    client: httpx.AsyncClient,
) -> None:
    """Fewer than 3 formal members, more than 50, and a committee over 7: each a warning on the
    page, while the appointments that make the committee too large are still made."""
    await factories.region_tree()
    organisation = await branch([f"党员{n}" for n in range(51)])
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    org_id = str(organisation.branch.id)
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert life["formalMembers"] == 51
    assert life["warnings"] == ["TOO_MANY_MEMBERS", "COMMITTEE_MISSING", "NO_SECRETARY"]
    posts = ["SECRETARY", "DEPUTY_SECRETARY", "ORGANISATION", "PUBLICITY", "DISCIPLINE"]
    posts += ["MEMBER"] * 3
    for member, post in enumerate(posts):
        made = await ok(
            client,
            APPOINT,
            {
                "org": org_id,
                "member": str(organisation.members[member].id),
                "post": post,
                "start": "2024-01-01",
            },
            staff,
        )
        assert made["__typename"] == "PartyPostPayload", made
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert len(life["committee"]) == 8
    assert life["warnings"] == ["TOO_MANY_MEMBERS", "COMMITTEE_TOO_LARGE"]

    # two formal members and one probationary: too few (a probationary member does not count)
    small = await branch(["甲", "乙", "丙"], first_person=60)
    await ok(
        client,
        STANDING,
        {"member": str(small.members[2].id), "probationary": True},
        staff,
    )
    life = await ok(client, LIFE, {"org": str(small.branch.id)}, staff)
    assert (life["formalMembers"], life["probationaryMembers"]) == (2, 1)
    assert life["warnings"] == ["TOO_FEW_MEMBERS", "NO_SECRETARY"]


async def test_a_term_ends_and_the_next_secretary_takes_the_post(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强", "郑丽", "王芳"])
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    org_id = str(organisation.branch.id)
    today = clock.now().astimezone(LOCAL).date()
    first = await ok(
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
    end = """mutation($id: ID!, $end: Date!) { endPartyPost(id: $id, termEnd: $end) {
      __typename ... on PartyPostPayload { post { termEnd } } ... on Error { code field } } }"""
    before_start = await ok(client, end, {"id": first["post"]["id"], "end": "2023-12-31"}, staff)
    assert (before_start["__typename"], before_start["field"]) == ("ValidationError", "termEnd")
    yesterday = (today - timedelta(days=1)).isoformat()
    ended = await ok(client, end, {"id": first["post"]["id"], "end": yesterday}, staff)
    assert ended["post"]["termEnd"] == yesterday
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert (life["committee"], life["warnings"]) == ([], ["NO_SECRETARY"])
    second = await ok(
        client,
        APPOINT,
        {
            "org": org_id,
            "member": str(organisation.members[1].id),
            "post": "SECRETARY",
            "start": today.isoformat(),
        },
        staff,
    )
    assert second["__typename"] == "PartyPostPayload", second
    life = await ok(client, LIFE, {"org": org_id}, staff)
    assert life["committee"] == [
        {"post": "SECRETARY", "partyMemberId": str(organisation.members[1].id)}
    ]
    assert life["warnings"] == []
