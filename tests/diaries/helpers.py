"""Shared pieces of the diary, patrol, visit and round tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api import auth, clock
from api.domains.accounts.models import UserSession
from tests import factories
from tests.factories import gql

GRID = "410611001001001"
OTHER_GRID = "410611001010001"  # 桃园社区第1网格: another community
COMMUNITY = "410611001001"
TOWNSHIP = "410611001"

DIARY_FIELDS = (
    "id day kind status remark version card dueAt problems { type count } householdIds"
    " position { lat lng } events { eventId problemType }"
)
ERROR = "... on Error { code message field }"
WRITE = (
    "mutation($input: WriteDiaryInput!) { writeDiary(input: $input) { __typename"
    f" ... on DiaryPayload {{ diary {{ {DIARY_FIELDS} }} }} {ERROR} }} }}"
)
REVIEW = (
    "mutation($id: ID!, $approve: Boolean!, $remark: String!) {"
    " reviewDiary(id: $id, approve: $approve, remark: $remark) { __typename"
    f" ... on DiaryPayload {{ diary {{ {DIARY_FIELDS} }} }} {ERROR} }} }}"
)
RAISE = (
    "mutation($input: RaiseEventFromDiaryInput!) { raiseEventFromDiary(input: $input) {"
    " __typename ... on RaisedEventPayload { eventId caseNumber"
    f" diary {{ {DIARY_FIELDS} }} }} {ERROR} }} }}"
)
VISIT = (
    "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { __typename"
    f" ... on VisitPayload {{ visit {{ id householdId minutes patrolId }} }} {ERROR} }} }}"
)
PATROL_FIELDS = (
    "id status distanceMetres durationSeconds pointCount farOutsidePoints"
    " track { at lat lng farOutside } trackLine eventIds visits { id }"
)
START_PATROL = (
    "mutation { startPatrol { __typename"
    f" ... on PatrolPayload {{ patrol {{ id status }} }} {ERROR} }} }}"
)
END_PATROL = (
    "mutation($id: ID!) { endPatrol(id: $id) { __typename"
    f" ... on PatrolPayload {{ patrol {{ {PATROL_FIELDS} }} }} {ERROR} }} }}"
)
POSITION = (
    "mutation($lat: Float!, $lng: Float!, $at: DateTime!) {"
    " reportPosition(lat: $lat, lng: $lng, accuracy: 8, at: $at) { __typename } }"
)


async def run(
    client: httpx.AsyncClient, document: str, token: str, **variables: Any
) -> dict[str, Any]:
    """The one root field's value; fails the test on a top-level error."""
    body = await gql(client, document, variables, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def person(role: str, region_code: str) -> tuple[Any, str]:
    """A user and a token that outlive the days these tests move the clock through."""
    from tests.conftest import TEST_SECRET

    account = await factories.user(role, region_code)
    session = await UserSession.create(
        user=account,
        refresh_token_hash=auth.token_digest(auth.new_refresh_token()),
        expires_at=clock.now() + timedelta(days=60),
    )
    token, _ = auth.issue_access_token(
        user_id=account.id, session_id=session.id, secret=TEST_SECRET, ttl=timedelta(days=60)
    )
    return account, token
