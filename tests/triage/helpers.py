"""Shared pieces of the triage tests: the documents, staff tokens, one report per channel."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from tests.factories import gql

GRID = "410611001001001"
DISTRICT = "410611"
POINT = (35.7412, 114.2981)
ERROR = "... on Error { code field message }"
CANDIDATES = "duplicateCandidates { eventId caseNumber score distanceM categoryKey }"
REPORT = (
    "mutation($input: ReportEventInput!) { reportEvent(input: $input) { __typename"
    f" ... on EventPayload {{ event {{ uuid caseNumber status dueAt {CANDIDATES} }} }}"
    f" {ERROR} }} }}"
)
FIND = (
    "query($id: ID!, $first: Int) { duplicateCandidates(eventId: $id, first: $first) {"
    " __typename ... on DuplicateCandidates { candidates { eventId caseNumber score distanceM } }"
    f" {ERROR} }} }}"
)
MERGE = (
    "mutation($report: ID!, $into: ID!, $version: Int) {"
    " mergeEvent(reportId: $report, intoId: $into, expectedVersion: $version) { __typename"
    " ... on EventPayload { event { uuid status mergedIntoId dueAt version }"
    f" entry {{ action note }} }} {ERROR} }} }}"
)
UNMERGE = (
    "mutation($report: ID!) { unmergeEvent(reportId: $report) { __typename"
    " ... on EventPayload { event { uuid status mergedIntoId dueAt stage }"
    f" entry {{ action note }} }} {ERROR} }} }}"
)
MERGED = (
    "query($id: ID!) { mergedReports(eventId: $id, first: 10) { totalCount"
    " edges { node { uuid source status mergedIntoId } } } }"
)
EVENT = "query($id: ID!) { event(id: $id) { uuid status mergedIntoId version timeline { action note } } }"


async def staff_token(role: str, region: str) -> str:
    return await factories.token_for(await factories.user(role, region))


def near(metres_north: float = 0.0, metres_east: float = 0.0) -> dict[str, float]:
    """A point this far from POINT (about 111 km a degree of latitude)."""
    lat = POINT[0] + metres_north / 111_000
    lng = POINT[1] + metres_east / (111_000 * 0.811)  # cos(35.74°)
    return {"lat": round(lat, 7), "lng": round(lng, 7)}


async def report(client: httpx.AsyncClient, token: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "自来水管破裂",
        "description": "淇河路与黄山路交叉口东侧自来水管破裂，路面大量积水",
        "categoryKey": "city.0402",
        "regionCode": GRID,
        "location": near(),
    }
    data.update(overrides)
    body = await gql(client, REPORT, {"input": data}, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["reportEvent"])


async def merge(
    client: httpx.AsyncClient, token: str, report_id: str, into_id: str, **variables: Any
) -> dict[str, Any]:
    body = await gql(
        client, MERGE, {"report": report_id, "into": into_id, **variables}, token=token
    )
    assert "errors" not in body, body
    return dict(body["data"]["mergeEvent"])
