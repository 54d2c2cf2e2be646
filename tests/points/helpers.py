"""Shared pieces of the dual-post points tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.points.periods import current_period, ends_at
from api.domains.registry.enums import PersonType
from api.domains.registry.models import PartyMember, Person, Volunteer
from tests import factories
from tests.factories import gql
from tests.registry.helpers import id_number

COMMUNITY = "410611001001"
OTHER_COMMUNITY = "410611001010"
PASSWORD = "Qihe-River-2026"
ERROR = "... on Error { code message field }"
MEMBER_FIELDS = "uuid kind status name regionCode employerOrganisation consentsToPublish"
CLAIM_FIELDS = (
    "uuid postId status stage dueAt evidence photoCount location { lat lng } remark version"
)
PLEDGE_FIELDS = (
    "uuid periodKey text status residentScore residentRatings branchScore rating kept version"
)

REQUEST_CODE = "mutation($phone: String!) { requestPhoneCode(phone: $phone) { __typename } }"
REGISTER = (
    "mutation($input: RegisterDualPostMemberInput!) { registerDualPostMember(input: $input) {"
    f" __typename ... on PointsMemberPayload {{ member {{ {MEMBER_FIELDS} }} }} {ERROR} }} }}"
)
JOIN = (
    "mutation($input: JoinDualPostInput!) { joinDualPost(input: $input) {"
    f" __typename ... on PointsMemberPayload {{ member {{ {MEMBER_FIELDS} }} }} {ERROR} }} }}"
)
CONFIRM = (
    "mutation($id: ID!) { confirmPointsMember(id: $id) { __typename"
    f" ... on PointsMemberPayload {{ member {{ {MEMBER_FIELDS} }} }} {ERROR} }} }}"
)
CONSENT = (
    "mutation($consents: Boolean!) { setLeaderboardConsent(consents: $consents) { __typename"
    f" ... on PointsMemberPayload {{ member {{ {MEMBER_FIELDS} }} }} {ERROR} }} }}"
)
LOGIN = "mutation($phone: String!, $password: String!) { citizenLogin(phone: $phone, password: $password) { __typename ... on AuthPayload { accessToken } } }"
PUBLISH = (
    "mutation($input: WelfarePostInput!) { publishWelfarePost(input: $input) { __typename"
    f" ... on WelfarePostPayload {{ post {{ uuid title slots claimed points hours status }} }} {ERROR} }} }}"
)
CLAIM = (
    "mutation($post: ID!) { claimWelfarePost(postId: $post) { __typename"
    f" ... on PostClaimPayload {{ claim {{ {CLAIM_FIELDS} }} }} {ERROR} }} }}"
)
COMPLETE = (
    "mutation($id: ID!, $evidence: String!, $location: GeoPointInput) {"
    " completePostClaim(id: $id, evidence: $evidence, location: $location) { __typename"
    f" ... on PostClaimPayload {{ claim {{ {CLAIM_FIELDS} }} }} {ERROR} }} }}"
)
VERIFY = (
    "mutation($id: ID!, $remark: String!) { verifyPostClaim(id: $id, remark: $remark) {"
    f" __typename ... on PostClaimPayload {{ claim {{ {CLAIM_FIELDS} }} }} {ERROR} }} }}"
)
RETURN = (
    "mutation($id: ID!, $remark: String!) { returnPostClaim(id: $id, remark: $remark) {"
    f" __typename ... on PostClaimPayload {{ claim {{ {CLAIM_FIELDS} }} }} {ERROR} }} }}"
)
ADJUST = (
    "mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) { __typename"
    " ... on LedgerEntryPayload { entry { id points hours sourceKind reason verifier } }"
    f" {ERROR} }} }}"
)
PLEDGE = (
    "mutation($text: String!, $period: String) { makePledge(text: $text, periodKey: $period) {"
    f" __typename ... on PledgePayload {{ pledge {{ {PLEDGE_FIELDS} }} }} {ERROR} }} }}"
)
FOLLOW_UP = (
    "mutation($id: ID!, $note: String!) { followUpPledge(id: $id, note: $note) { __typename"
    f" ... on PledgePayload {{ pledge {{ {PLEDGE_FIELDS} }} }} {ERROR} }} }}"
)
RESIDENT_RATE = (
    "mutation($id: ID!, $score: Int!) { ratePledgeAsResident(id: $id, score: $score) {"
    f" __typename ... on PledgePayload {{ pledge {{ {PLEDGE_FIELDS} }} }} {ERROR} }} }}"
)
RATE = (
    "mutation($id: ID!, $score: Int!) { ratePledge(id: $id, branchScore: $score) { __typename"
    f" ... on PledgePayload {{ pledge {{ {PLEDGE_FIELDS} }} }} {ERROR} }} }}"
)
FREEZE = (
    "mutation($region: String!, $period: String!) {"
    " freezePointsPeriod(regionCode: $region, periodKey: $period) { __typename"
    f" ... on FrozenPeriodPayload {{ period {{ regionCode periodKey rulesVersion }} }} {ERROR} }} }}"
)
ME = (
    "query($period: String) { myPointsMember { uuid status balance { points hours }"
    " periodBalance: balance(periodKey: $period) { points hours } }"
    " myLedger(first: 10) { totalCount edges { node { points hours sourceKind sourceKey ruleVersion reason verifier periodKey } } } }"
)
LEADERBOARD = (
    "query($region: String!, $period: String!) { pointsLeaderboard(regionCode: $region,"
    " periodKey: $period) { __typename ... on Leaderboard { period { periodKey }"
    " entries { totalCount edges { node { rank name points hours postsCompleted pledgesKept"
    f" meetingsAttended }} }} }} }} {ERROR} }} }}"
)


async def run(
    client: httpx.AsyncClient, document: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    """The one root field's value; fails the test on a top-level error."""
    body = await gql(client, document, variables, token=token)
    assert "errors" not in body, body
    return dict(next(iter(body["data"].values())))


async def person(name: str, sequence: int, region_code: str = COMMUNITY + "001") -> Person:
    return await Person.create(
        id_number=id_number("19850612", sequence),
        region_code=region_code,
        person_type=PersonType.REGISTERED,
        name=name,
        sex="1" if sequence % 2 else "2",
        birth_date="1985-06-12",
    )


async def party_member(name: str, sequence: int) -> tuple[Person, PartyMember]:
    someone = await person(name, sequence)
    record = await PartyMember.create(person=someone, region_code=someone.region_code)
    return someone, record


async def volunteer(name: str, sequence: int) -> tuple[Person, Volunteer]:
    someone = await person(name, sequence)
    return someone, await Volunteer.create(person=someone, region_code=someone.region_code)


async def register(
    client: httpx.AsyncClient,
    phone: str,
    id_number: str,
    *,
    name: str = "王建国",
    consents: bool = True,
) -> tuple[dict[str, Any], str]:
    """A member signs up by phone and reports to the community; returns the member and a token."""
    sent = await gql(client, REQUEST_CODE, {"phone": phone})
    assert sent["data"]["requestPhoneCode"]["__typename"] == "PhoneCodePayload", sent
    joined = await run(
        client,
        REGISTER,
        input={
            "phone": phone,
            "password": PASSWORD,
            "verificationCode": "000000",
            "member": {
                "name": name,
                "idNumber": id_number,
                "communityCode": COMMUNITY,
                "employerOrganisation": "淇滨区人民医院党委",
                "consentsToPublish": consents,
            },
        },
    )
    assert joined["__typename"] == "PointsMemberPayload", joined
    login = await run(client, LOGIN, phone=phone, password=PASSWORD)
    return joined["member"], str(login["accessToken"])


async def staff(region_code: str = COMMUNITY) -> str:
    _, token = await factories.signed_in("community_staff", region_code)
    return token


def post_input(**overrides: Any) -> dict[str, Any]:
    now = clock.now()
    data: dict[str, Any] = {
        "regionCode": COMMUNITY,
        "title": "社区垃圾分类督导",
        "description": "周末早上在小区垃圾站督导分类",
        "place": "金山社区3号垃圾站",
        "location": {"lat": 35.7471, "lng": 114.2973},
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=3)).isoformat(),
        "slots": 2,
        "points": "5",
        "hours": "2.5",
        "skills": ["垃圾分类"],
    }
    data.update(overrides)
    return data


def past_period_end() -> str:
    """Move the clock past the end of the current period; returns that period's key."""
    period = current_period()
    clock.move(ends_at(period) - clock.now() + timedelta(hours=2))
    return period
