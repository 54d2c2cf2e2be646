"""A branch with members, and the meeting operations, sent as clients send them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from api.domains.accounts.models import User
from api.domains.registry.enums import PartyOrganisationLevel, PersonType
from api.domains.registry.models import PartyMember, PartyOrganisation, Person
from tests import factories
from tests.factories import gql
from tests.registry.helpers import id_number

GRID = "410611001001001"
COMMUNITY = GRID[:12]

SCHEDULE = """
mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) {
    __typename
    ... on MeetingPayload { meeting { id status version signInFrom signInUntil
      attendance { invited present onLeave absent } } }
    ... on Error { code message field }
  }
}"""

LEAVE = """
mutation($id: ID!, $reason: String!) {
  requestMeetingLeave(meetingId: $id, reason: $reason) {
    __typename
    ... on MeetingInviteePayload { invitee { id name leaveStatus } }
    ... on Error { code message field }
  }
}"""

DECIDE = """
mutation($id: ID!, $invitee: ID!, $approve: Boolean!) {
  decideMeetingLeave(meetingId: $id, inviteeId: $invitee, approve: $approve) {
    __typename
    ... on MeetingInviteePayload { invitee { id leaveStatus } }
    ... on Error { code message field }
  }
}"""

SIGN_IN = """
mutation($id: ID!, $invitee: ID) {
  signInToMeeting(meetingId: $id, inviteeId: $invitee) {
    __typename
    ... on MeetingInviteePayload { invitee { id name signedInAt signedInFor
      signInLatitude signInLongitude } }
    ... on Error { code message field }
  }
}"""

MINUTES = """
mutation($id: ID!, $minutes: String!) {
  recordMeetingMinutes(meetingId: $id, minutes: $minutes) {
    __typename
    ... on MeetingPayload { meeting { id status minutes
      attendance { invited present onLeave leaveRequested absent rate } } }
    ... on Error { code message field }
  }
}"""

STANDING = """
mutation($member: ID!, $probationary: Boolean!, $joined: Date, $user: ID) {
  recordPartyStanding(partyMemberId: $member, probationary: $probationary, joinedOn: $joined,
                      userId: $user) {
    __typename
    ... on PartyStandingPayload { partyMemberId probationary joinedOn userId }
    ... on Error { code message field }
  }
}"""

APPOINT = """
mutation($org: ID!, $member: ID!, $post: CommitteePost!, $start: Date!) {
  appointPartyPost(organisationId: $org, partyMemberId: $member, post: $post, termStart: $start) {
    __typename
    ... on PartyPostPayload { post { id post termStart termEnd } }
    ... on Error { code message field }
  }
}"""

LIFE = """
query($org: ID!) {
  organisationLife(organisationId: $org) {
    name formalMembers probationaryMembers warnings committee { post partyMemberId }
  }
}"""

QUARTER = """
query($org: ID!, $year: Int!, $quarter: Int!) {
  organisationQuarter(organisationId: $org, year: $year, quarter: $quarter) {
    year quarter complete meetingsHeld
    kinds { kind required held complete }
    attendance { invited present onLeave absent rate }
  }
}"""

INVITEES = """
query($id: ID!) {
  meeting(id: $id) {
    status
    invitees(first: 20) { totalCount edges { node { id name userId leaveStatus signedInAt } } }
  }
}"""


@dataclass
class Branch:
    """A community committee, its branch in a grid, and the branch's members."""

    committee: PartyOrganisation
    branch: PartyOrganisation
    members: list[PartyMember] = field(default_factory=list)
    accounts: list[User] = field(default_factory=list)  # of the first members, in order
    tokens: list[str] = field(default_factory=list)


async def signed_in_for_a_day(role: str, region_code: str) -> tuple[User, str]:
    """A user whose token outlives the clock moves of a meeting's day."""
    account = await factories.user(role, region_code)
    return account, await factories.token_for(account, ttl=timedelta(hours=20))


async def branch(member_names: list[str], *, first_person: int = 0) -> Branch:
    """A branch of new people; a second branch in one test starts past the first's people
    (`first_person`), their ID numbers being unique."""
    committee = await PartyOrganisation.create(
        id=uuid.uuid4(),
        region_code=COMMUNITY,
        level=PartyOrganisationLevel.COMMUNITY_COMMITTEE,
        name="金山社区党委",
    )
    found = Branch(
        committee=committee,
        branch=await PartyOrganisation.create(
            id=uuid.uuid4(),
            region_code=GRID,
            level=PartyOrganisationLevel.LARGE_GRID_BRANCH,
            name="金山第一网格党支部",
            parent_id=committee.id,
        ),
    )
    for number, name in enumerate(member_names):
        person = await Person.create(
            id=uuid.uuid4(),
            id_number=id_number("19800101", 101 + 2 * (first_person + number)),
            region_code=GRID,
            person_type=PersonType.REGISTERED,
            name=name,
            sex="1",
            birth_date=date(1980, 1, 1),
        )
        found.members.append(
            await PartyMember.create(
                id=uuid.uuid4(),
                person_id=person.id,
                region_code=GRID,
                party_organisation_id=found.branch.id,
            )
        )
    return found


async def ok(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    """The root field's result, asserting there were no top-level errors."""
    body = await gql(client, document, variables, token=token)
    assert "errors" not in body, body
    result: dict[str, Any] = next(iter(body["data"].values()))
    return result
