"""Meeting lists are scoped and paged: a community's staff see their own community's meetings,
a district centre sees its subtree, an invitee sees what they are invited to, anyone else sees
nothing; the quarter's figures of another community's organisation are not the caller's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api import clock
from tests import factories
from tests.factories import gql
from tests.meetings.helpers import GRID, QUARTER, SCHEDULE, branch, ok, signed_in_for_a_day

OTHER_COMMUNITY = "410611001010"

MEETINGS = """
query($mine: Boolean, $region: String, $org: ID, $after: String) {
  meetings(mineOnly: $mine, regionCode: $region, organisationId: $org, first: 1, after: $after) {
    totalCount
    edges { cursor node { id title regionCode } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def _meeting(**changes: Any) -> dict[str, Any]:
    starts = clock.now() + timedelta(hours=3)
    base: dict[str, Any] = {
        "kind": "BRANCH_COMMITTEE",
        "title": "支委会",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=1)).isoformat(),
        "place": "党群服务中心",
        "agenda": "研究本月工作",
    }
    base.update(changes)
    return base


async def _titles(client: httpx.AsyncClient, token: str, **variables: Any) -> tuple[int, list[str]]:
    """Every page of a meeting list, one meeting a page: its total and the titles in order."""
    titles: list[str] = []
    after = None
    while True:
        page = await ok(client, MEETINGS, {**variables, "after": after}, token)
        titles += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], titles
        after = page["pageInfo"]["endCursor"]


async def test_meeting_lists_are_scoped_and_paged(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强", "郑丽", "王芳"])
    org_id = str(organisation.branch.id)
    _, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    _, other_staff = await signed_in_for_a_day("community_staff", OTHER_COMMUNITY)
    _, district = await signed_in_for_a_day("district_command", "410611")
    _, elsewhere = await signed_in_for_a_day("district_command", "410602")
    invited, invited_token = await signed_in_for_a_day("grid_worker", GRID)
    _, bystander = await signed_in_for_a_day("grid_worker", GRID)
    neighbour = await factories.user("grid_worker", OTHER_COMMUNITY + "001")

    made = [
        await ok(
            client,
            SCHEDULE,
            {
                "input": _meeting(
                    title="金山第一网格支委会",
                    organisationId=org_id,
                    inviteeUserIds=[str(invited.id)],
                )
            },
            staff,
        ),
        await ok(
            client,
            SCHEDULE,
            {
                "input": _meeting(
                    kind="PUBLIC_OPINION_ANALYSIS",
                    title="民情分析会",
                    regionCode=OTHER_COMMUNITY,
                    inviteeUserIds=[str(neighbour.id)],
                    startsAt=(clock.now() + timedelta(hours=5)).isoformat(),
                    endsAt=(clock.now() + timedelta(hours=6)).isoformat(),
                )
            },
            other_staff,
        ),
    ]
    assert all(m["__typename"] == "MeetingPayload" for m in made), made

    # latest start first, one a page
    assert await _titles(client, district) == (2, ["民情分析会", "金山第一网格支委会"])
    assert await _titles(client, district, region=OTHER_COMMUNITY) == (1, ["民情分析会"])
    assert await _titles(client, district, org=org_id) == (1, ["金山第一网格支委会"])
    assert await _titles(client, staff) == (1, ["金山第一网格支委会"])
    assert await _titles(client, other_staff) == (1, ["民情分析会"])
    # an invitee sees what they are invited to, with or without mineOnly; others nothing
    assert await _titles(client, invited_token, mine=True) == (1, ["金山第一网格支委会"])
    assert await _titles(client, invited_token) == (1, ["金山第一网格支委会"])
    assert await _titles(client, bystander) == (0, [])
    assert await _titles(client, elsewhere) == (0, [])
    # a meeting outside the caller's scope is not found, not refused
    hidden = await gql(
        client,
        "query($id: ID!) { meeting(id: $id) { id } }",
        {"id": made[0]["meeting"]["id"]},
        token=other_staff,
    )
    assert hidden["data"]["meeting"] is None
    malformed = await gql(client, MEETINGS, {"after": "nonsense"}, token=district)
    assert malformed["errors"], malformed  # a malformed cursor is refused, not ignored

    # the quarter of an organisation outside the caller's subtree is not theirs to read
    local = clock.now()
    quarter = await gql(
        client,
        QUARTER,
        {"org": org_id, "year": local.year, "quarter": (local.month - 1) // 3 + 1},
        token=other_staff,
    )
    assert quarter["data"] is None and quarter["errors"], quarter
    mine = await ok(
        client,
        QUARTER,
        {"org": org_id, "year": local.year, "quarter": (local.month - 1) // 3 + 1},
        district,
    )
    assert mine["meetingsHeld"] == 0
