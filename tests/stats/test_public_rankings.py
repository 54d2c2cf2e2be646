"""Rankings published to the public (考核排队信息公开): the district publishes its frozen ranking
of departments, anyone reads it without signing in from a community's board, and the district
withdraws it; rankings of workers (people) are never published, and only the owning level may
publish."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx

from api import clock
from api.domains.audit.models import AuditEntry
from api.domains.stats.enums import PeriodKind, SubjectKind
from api.domains.stats.formulas import Figures
from api.domains.stats.models import RankingSnapshot, RankingSnapshotEntry
from tests import factories
from tests.factories import error_codes, gql

PUBLISH = (
    "mutation($id: ID!) { publishRanking(id: $id) { __typename"
    " ... on RankingPublicationPayload { publishedAt withdrawnAt }"
    " ... on Error { code field } } }"
)
WITHDRAW = (
    'mutation($id: ID!) { withdrawRanking(id: $id, reason: "数据复核") { __typename'
    " ... on RankingPublicationPayload { publishedAt withdrawnAt }"
    " ... on Error { code field } } }"
)
PUBLIC = (
    "query($r: String!) { publicRankings(regionCode: $r, first: 10) { totalCount"
    " edges { node { id scope subject period from to publishedAt"
    " entries(by: SATISFACTION) { totalCount edges { node { rank subjectKey label value"
    " figures { cases closed satisfiedShare meanSatisfaction } } } } } } } }"
)


async def snapshot(kind: SubjectKind, scope: str = "410611", month: int = 11) -> RankingSnapshot:
    """A frozen monthly ranking (November unless said) with two subjects."""
    made = await RankingSnapshot.create(
        id=uuid.uuid4(),
        scope_code=scope,
        subject_kind=kind,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, month, 1),
        period_end=date(2026, month + 1, 1) - timedelta(days=1),
        formula_version="2026.1",
        rules_version=0,
        rules={"points": {}, "minimum_cases": 1},
        created_at=clock.now(),
    )
    for key, label, satisfied, rating_sum in (
        ("police", "公安分局", 9, 46),
        ("housing", "住建局", 4, 30),
    ):
        figures = Figures(cases=10, closed=9, rated=10, rating_sum=rating_sum, satisfied=satisfied)
        await RankingSnapshotEntry.create(
            snapshot=made, subject_key=key, subject_label=label, figures=figures.as_json()
        )
    return made


async def test_a_frozen_ranking_is_published_read_anonymously_and_withdrawn(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, district = await factories.signed_in("district_command", "410611")
    _, township = await factories.signed_in("township_centre", "410611001")
    _, other_district = await factories.signed_in("district_command", "410602")
    departments = await snapshot(SubjectKind.DEPARTMENT)
    workers = await snapshot(SubjectKind.WORKER)

    people = (await gql(client, PUBLISH, {"id": str(workers.id)}, token=district))["data"]
    # a township publishes its own rankings, not the district's above it (out of its scope)
    below = (await gql(client, PUBLISH, {"id": str(departments.id)}, token=township))["data"]
    elsewhere = (await gql(client, PUBLISH, {"id": str(departments.id)}, token=other_district))[
        "data"
    ]
    missing = (await gql(client, PUBLISH, {"id": str(uuid.uuid4())}, token=district))["data"]
    assert people["publishRanking"]["__typename"] == "ValidationError"
    assert below["publishRanking"]["__typename"] == "NotFoundError"
    assert elsewhere["publishRanking"]["__typename"] == "NotFoundError"
    assert missing["publishRanking"]["__typename"] == "NotFoundError"
    assert (await gql(client, PUBLIC, {"r": "410611001001"}))["data"]["publicRankings"][
        "totalCount"
    ] == 0

    published = (await gql(client, PUBLISH, {"id": str(departments.id)}, token=district))["data"]
    twice = (await gql(client, PUBLISH, {"id": str(departments.id)}, token=district))["data"]
    assert published["publishRanking"]["publishedAt"]
    assert twice["publishRanking"]["code"] == "ALREADY_EXISTS"

    board = await gql(client, PUBLIC, {"r": "410611001001"})  # no token: a community's board
    assert "errors" not in board, board
    shown = board["data"]["publicRankings"]["edges"]
    assert len(shown) == 1 and shown[0]["node"]["subject"] == "DEPARTMENT"
    entries = shown[0]["node"]["entries"]["edges"]
    assert [(e["node"]["rank"], e["node"]["label"]) for e in entries] == [
        (1, "公安分局"),
        (2, "住建局"),
    ]
    assert entries[0]["node"]["figures"]["satisfiedShare"] == 0.9
    # the township's ranking of its communities for October, published by the township: the
    # board shows the latest period first
    communities = await snapshot(SubjectKind.REGION, "410611001", month=10)
    by_township = (await gql(client, PUBLISH, {"id": str(communities.id)}, token=township))["data"]
    assert by_township["publishRanking"]["publishedAt"]
    latest_first = await gql(client, PUBLIC, {"r": "410611001001"})
    assert [
        (e["node"]["scope"], e["node"]["subject"], e["node"]["from"])
        for e in latest_first["data"]["publicRankings"]["edges"]
    ] == [("410611", "DEPARTMENT", "2026-11-01"), ("410611001", "REGION", "2026-10-01")]
    withdrawn_by_township = (
        await gql(client, WITHDRAW, {"id": str(communities.id)}, token=township)
    )["data"]
    assert withdrawn_by_township["withdrawRanking"]["publishedAt"] is None
    elsewhere_board = await gql(client, PUBLIC, {"r": "410602001001"})
    assert elsewhere_board["data"]["publicRankings"]["totalCount"] == 0
    bad_region = await gql(client, PUBLIC, {"r": "41x"})
    assert bad_region["data"] is None and error_codes(bad_region) == ["INVALID_CODE"]
    # a well-formed code of no region is not an empty board: a typo would look like one
    no_region = await gql(client, PUBLIC, {"r": "410611001099"})
    assert no_region["data"] is None and error_codes(no_region) == ["NOT_FOUND"]

    withdrawn = (await gql(client, WITHDRAW, {"id": str(departments.id)}, token=district))["data"]
    assert withdrawn["withdrawRanking"]["publishedAt"] is None
    assert withdrawn["withdrawRanking"]["withdrawnAt"]
    again = (await gql(client, WITHDRAW, {"id": str(departments.id)}, token=district))["data"]
    assert again["withdrawRanking"]["code"] == "INVALID_TRANSITION"
    after = await gql(client, PUBLIC, {"r": "410611001001"})
    assert after["data"]["publicRankings"]["totalCount"] == 0
    assert await AuditEntry.filter(action__startswith="ranking.").count() == 4
