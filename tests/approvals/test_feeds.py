"""applicationChanges and riskAssessmentChanges: what was missed replayed from the outbox, then
live, scoped to where the subscriber may read (one real API process)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests import factories
from tests.approvals.examples import approval_fixtures
from tests.realtime.servers import ApiProcess, Feed, start_api

APPLICATIONS = """subscription($scope: String!, $after: Int) {
  applicationChanges(scope: $scope, after: $after) {
    sequence action actorLabel note application { uuid status holderRegionCode stepIndex version }
  } }"""
ASSESSMENTS = """subscription($scope: String!, $after: Int) {
  riskAssessmentChanges(scope: $scope, after: $after) {
    sequence action assessment { uuid status finalLevel } } }"""


@pytest.fixture
def api(settings: Settings, tmp_path: Path) -> Iterator[ApiProcess]:
    process = start_api(
        {
            "DATABASE_URL": settings.database_url or "",
            "REDIS_URL": settings.redis_url or "",
            "GRIDGOV_SECRET_KEY": settings.secret_key(),
            "GRIDGOV_ENV": "test",
        },
        tmp_path,
    )
    yield process
    process.stop()


def _data(message: dict[str, Any], field: str) -> dict[str, Any]:
    assert message["type"] == "next" and "errors" not in message["payload"], message
    return dict(message["payload"]["data"][field])


async def test_changes_are_replayed_then_live_in_scope(db: None, api: ApiProcess) -> None:
    await factories.region_tree()
    placeholders = await approval_fixtures()  # 3 applications, 3 assessments: their changes
    _, township = await factories.signed_in("township_centre", "410611001")
    _, other = await factories.signed_in("township_centre", "410611002")

    feed = Feed(api.ws, township)
    await feed.open(APPLICATIONS, {"scope": "410611001", "after": 0})
    replayed = [_data(await feed.next(), "applicationChanges") for _ in range(10)]
    # submit ×3, review ×3, pass up ×2, approve, register: in sequence order
    assert [c["action"] for c in replayed].count("SUBMIT") == 3
    assert [c["action"] for c in replayed][-2:] == ["APPROVE", "REGISTER"]
    assert [c["sequence"] for c in replayed] == sorted(c["sequence"] for c in replayed)

    await asyncio.sleep(0.3)  # live now
    async with httpx.AsyncClient(base_url=api.http) as http:
        response = await http.post(
            "/graphql",
            json={
                "query": 'mutation($id: ID!) { approveApplication(id: $id, note: "同意") {'
                " __typename } }",
                "variables": {"id": placeholders["<application_at_township_id>"]},
            },
            headers={"Authorization": f"Bearer {township}"},
        )
    assert response.json()["data"]["approveApplication"]["__typename"] == "ApplicationPayload"
    live = _data(await feed.next(), "applicationChanges")
    assert (live["action"], live["note"], live["application"]["holderRegionCode"]) == (
        "PASS_UP",
        "同意",
        "410611",
    )
    assert live["sequence"] > replayed[-1]["sequence"]
    await feed.close()

    assessments = Feed(api.ws, township)
    await assessments.open(ASSESSMENTS, {"scope": "410611001", "after": 0})
    first = _data(await assessments.next(), "riskAssessmentChanges")
    assert (first["action"], first["assessment"]["status"]) == ("SUBMIT", "PENDING")
    await assessments.close()

    refused = Feed(api.ws, other)
    await refused.open(APPLICATIONS, {"scope": "410611001", "after": 0})
    ending = await refused.next()
    await refused.close()
    errors = ending["payload"] if ending["type"] == "error" else ending["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
