"""Party work: a branch runs one appraisal round (by votes and by the committee, a member
graded once), the community grades the branch at year end with its region's satisfaction, and
the township keeps the village officials roster."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx

from api import clock
from api.domains.events.enums import EventStatus
from api.domains.partywork.models import MemberAppraisal, VillageOfficial
from api.domains.registry.enums import PartyOrganisationLevel
from api.domains.registry.models import PartyMember, PartyOrganisation, Person
from api.flows.calendar import LOCAL
from tests import factories
from tests.care.helpers import COMMUNITY, DISTRICT, ERROR, GRID, first
from tests.diaries.helpers import person
from tests.factories import error_codes, gql
from tests.registry.helpers import register_household
from tests.stats.dataset import _event

OPEN = (
    "mutation($o: ID!, $y: Int!) { openAppraisalRound(organisationId: $o, year: $y) {"
    f" __typename ... on AppraisalRoundPayload {{ round {{ id status year }} }} {ERROR} }} }}"
)
APPRAISE = (
    "mutation($input: AppraiseMemberInput!) { appraiseMember(input: $input) { __typename"
    " ... on MemberAppraisalPayload { appraisal { memberName grade basis votes { grade votes } } }"
    f" {ERROR} }} }}"
)
CLOSE = (
    "mutation($id: ID!) { closeAppraisalRound(id: $id) { __typename"
    " ... on AppraisalRoundPayload { round { status results { memberName grade } } }"
    f" {ERROR} }} }}"
)
ROUNDS = (
    "query($r: String!, $y: Int) { appraisalRounds(regionCode: $r, year: $y) { totalCount"
    " edges { node { organisationName year status results { memberName grade } } } } }"
)
HISTORY = (
    "query($m: ID!) { memberAppraisals(memberId: $m) { totalCount edges { node { year grade } } } }"
)
MINE = "query { myAppraisals { totalCount edges { node { year grade } } } }"
BRANCH = (
    "mutation($o: ID!, $y: Int!) { appraiseBranch(organisationId: $o, year: $y, grade: EXCELLENT) {"
    " __typename ... on BranchAppraisalPayload { appraisal { rated satisfied satisfaction grade } }"
    f" {ERROR} }} }}"
)
REGISTER_OFFICIAL = (
    "mutation($input: VillageOfficialInput!) { registerVillageOfficial(input: $input) {"
    f" __typename ... on VillageOfficialPayload {{ official {{ id personName post }} }} {ERROR} }} }}"
)
APPRAISE_OFFICIAL = (
    "mutation($id: ID!, $y: Int!) { appraiseVillageOfficial(id: $id, year: $y, grade: QUALIFIED) {"
    " __typename ... on VillageOfficialPayload { official { appraisals { year grade } } }"
    f" {ERROR} }} }}"
)
ROSTER = (
    "query($r: String!, $on: Date) { villageOfficials(regionCode: $r, servingOn: $on) {"
    " totalCount edges { node { personName communityCode termStart appraisals { year } } } } }"
)


async def branch_with_members() -> tuple[PartyOrganisation, list[PartyMember]]:
    branch = await PartyOrganisation.create(
        region_code=GRID, level=PartyOrganisationLevel.LARGE_GRID_BRANCH, name="第一网格党支部"
    )
    members = [
        await PartyMember.create(person=p, region_code=GRID, party_organisation=branch)
        for p in await Person.all().order_by("name")
    ]
    return branch, members


async def test_a_branch_runs_one_appraisal_round_and_is_appraised_at_year_end(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    _, staff = await person("community_staff", COMMUNITY)
    _, township = await person("township_centre", "410611001")
    await register_household(client, worker)
    branch, (first_member, second_member) = await branch_with_members()
    year = clock.now().year - 1

    opened = first(await gql(client, OPEN, {"o": str(branch.id), "y": year}, token=staff))
    round_id = opened["round"]["id"]
    twice = first(await gql(client, OPEN, {"o": str(branch.id), "y": year}, token=staff))
    future = first(await gql(client, OPEN, {"o": str(branch.id), "y": year + 5}, token=staff))
    assert opened["round"]["status"] == "OPEN"
    assert twice["code"] == "ALREADY_EXISTS" and future["field"] == "year"
    refused = await gql(client, OPEN, {"o": str(branch.id), "y": year}, token=worker)
    assert error_codes(refused) == ["FORBIDDEN"]

    def appraisal(member: PartyMember, **extra: Any) -> dict[str, Any]:
        return {"input": {"roundId": round_id, "memberId": str(member.id), **extra}}

    voted = first(
        await gql(
            client,
            APPRAISE,
            appraisal(
                first_member,
                basis="VOTE",
                votes=[
                    {"grade": "EXCELLENT", "votes": 12},
                    {"grade": "QUALIFIED", "votes": 12},
                    {"grade": "UNQUALIFIED", "votes": 1},
                ],
            ),
            token=staff,
        )
    )
    again = first(
        await gql(
            client,
            APPRAISE,
            appraisal(first_member, basis="COMMITTEE", grade="EXCELLENT"),
            token=staff,
        )
    )
    mixed = first(
        await gql(
            client,
            APPRAISE,
            appraisal(second_member, basis="VOTE", grade="EXCELLENT"),
            token=staff,
        )
    )
    decided = first(
        await gql(
            client,
            APPRAISE,
            appraisal(
                second_member, basis="COMMITTEE", grade="BASICALLY_QUALIFIED", note="学习不够"
            ),
            token=staff,
        )
    )
    # a tie between 优秀 and 合格 goes to 合格
    assert voted["appraisal"]["grade"] == "QUALIFIED" and voted["appraisal"]["basis"] == "VOTE"
    assert again["__typename"] == "ValidationError" and again["code"] == "ALREADY_EXISTS"
    assert mixed["__typename"] == "ValidationError"
    assert decided["appraisal"]["grade"] == "BASICALLY_QUALIFIED"
    assert await MemberAppraisal.all().count() == 2

    closed = first(await gql(client, CLOSE, {"id": round_id}, token=staff))
    assert closed["round"]["status"] == "CLOSED"
    assert sorted(r["grade"] for r in closed["round"]["results"]) == [
        "BASICALLY_QUALIFIED",
        "QUALIFIED",
    ]
    late = first(
        await gql(
            client,
            APPRAISE,
            appraisal(second_member, basis="COMMITTEE", grade="EXCELLENT"),
            token=staff,
        )
    )
    assert late["code"] == "INVALID_TRANSITION"
    history = first(await gql(client, HISTORY, {"m": str(first_member.id)}, token=township))
    # the organisation above finds its branches' rounds and their results; another township
    # does not
    listed = first(await gql(client, ROUNDS, {"r": "410611001", "y": year}, token=township))
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"]["status"] == "CLOSED"
    assert len(listed["edges"][0]["node"]["results"]) == 2
    other_year = first(await gql(client, ROUNDS, {"r": "410611001", "y": year - 1}, token=township))
    assert other_year["totalCount"] == 0
    _, other_township = await person("township_centre", "410611002")
    assert error_codes(await gql(client, ROUNDS, {"r": "410611001"}, token=other_township))
    assert first(await gql(client, ROUNDS, {"r": "410611002"}, token=other_township)) == {
        "totalCount": 0,
        "edges": [],
    }
    assert history["edges"] == [{"node": {"year": year, "grade": "QUALIFIED"}}]

    # the member reads their own result in the citizens' app (the phone they proved)
    holder = await Person.get(id=first_member.person_id)
    citizen = await factories.user("citizen", "4106")
    citizen.phone = holder.phone
    await citizen.save()
    stranger = await factories.user("citizen", "4106")
    stranger.phone = "+8613700000000"
    await stranger.save()
    own = first(await gql(client, MINE, {}, token=await factories.token_for(citizen)))
    other = first(await gql(client, MINE, {}, token=await factories.token_for(stranger)))
    assert own["edges"] == [{"node": {"year": year, "grade": "QUALIFIED"}}]
    assert other["totalCount"] == 0

    # year-end appraisal: satisfaction of the region's rated events and appeals that year
    reported = datetime(year, 6, 1, 10, 0, tzinfo=LOCAL)
    for number, rating in enumerate((5, 4, 2)):
        await _event(
            f"e{number}", GRID, EventStatus.EVALUATED, satisfaction=rating, reported_at=reported
        )
    await _event("other year", GRID, EventStatus.EVALUATED, satisfaction=1)
    graded = first(await gql(client, BRANCH, {"o": str(branch.id), "y": year}, token=staff))
    assert graded["appraisal"] == {
        "rated": 3,
        "satisfied": 2,
        "satisfaction": "0.6667",
        "grade": "EXCELLENT",
    }
    graded_twice = first(await gql(client, BRANCH, {"o": str(branch.id), "y": year}, token=staff))
    assert graded_twice["code"] == "ALREADY_EXISTS"


async def test_village_officials_are_listed_per_township_and_appraised_yearly(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    _, township = await person("township_centre", "410611001")
    _, district = await person("district_command", DISTRICT)
    _, other_township = await person("township_centre", "410611002")
    await register_household(client, worker)
    graduate = await Person.all().order_by("name").first()
    assert graduate is not None
    today = clock.now().date()
    term = {
        "personId": str(graduate.id),
        "communityCode": COMMUNITY,
        "post": "村党支部书记助理",
        "termStart": str(today - timedelta(days=400)),
        "termEnd": str(today + timedelta(days=700)),
    }

    bad_code = first(
        await gql(
            client,
            REGISTER_OFFICIAL,
            {"input": {**term, "communityCode": "410611001"}},
            token=township,
        )
    )
    bad_term = first(
        await gql(
            client,
            REGISTER_OFFICIAL,
            {"input": {**term, "termEnd": term["termStart"]}},
            token=township,
        )
    )
    assert bad_code["field"] == "communityCode" and bad_term["field"] == "termEnd"
    assert await VillageOfficial.all().count() == 0

    registered = first(await gql(client, REGISTER_OFFICIAL, {"input": term}, token=township))
    official_id = registered["official"]["id"]
    appraised = first(
        await gql(
            client, APPRAISE_OFFICIAL, {"id": official_id, "y": today.year - 1}, token=township
        )
    )
    outside_term = first(
        await gql(
            client, APPRAISE_OFFICIAL, {"id": official_id, "y": today.year - 5}, token=township
        )
    )
    assert appraised["official"]["appraisals"] == [{"year": today.year - 1, "grade": "QUALIFIED"}]
    assert outside_term["field"] == "year"

    for token, region in ((township, "410611001"), (district, DISTRICT)):
        listed = first(await gql(client, ROSTER, {"r": region, "on": str(today)}, token=token))
        assert listed["totalCount"] == 1
        assert listed["edges"][0]["node"]["communityCode"] == COMMUNITY
    after_term = first(
        await gql(client, ROSTER, {"r": DISTRICT, "on": str(date(2040, 1, 1))}, token=district)
    )
    assert after_term["totalCount"] == 0
    elsewhere = await gql(client, ROSTER, {"r": "410611001"}, token=other_township)
    assert error_codes(elsewhere)
