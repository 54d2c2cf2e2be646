"""Grades (评价等级) over rankings and count metrics, on the hand-made world of
tests/stats/dataset.py (its answers are worked out in tests/stats/test_assessment.py): versioned
bands per kind of subject, frozen rankings keeping theirs, and the dashboard's distribution."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from api.domains.audit.models import AuditEntry
from api.domains.stats import formulas, grades
from api.domains.stats.enums import Metric, SubjectKind
from api.domains.stats.formulas import Figures
from api.domains.stats.service import freeze_rankings
from api.errors import ValidationFailed
from tests import factories
from tests.factories import error_codes, gql
from tests.stats import dataset
from tests.stats.test_assessment import NOVEMBER, SET_RULES

GRADED = """
query($scope: String!, $subject: RankingSubject!, $from: Date!, $to: Date!, $by: RankingMetric!) {
  ranking(scope: $scope, subject: $subject, from: $from, to: $to, by: $by) {
    __typename
    ... on Ranking {
      gradeBands { version metric bands { minimum grade } }
      entries { edges { node { subjectKey rank tooFewCases value grade
        figures { cases closed closedOnTime overdue onTimeClosureRate } } } }
    }
    ... on Error { code field }
  }
}"""
SET_BANDS = """
mutation($input: GradeBandsInput!) {
  setGradeBands(input: $input) {
    __typename
    ... on GradeBandsPayload {
      gradeBands { version subject metric effectiveFrom note bands { minimum grade } }
    }
    ... on Error { code field }
  }
}"""
DASHBOARD = """
query($scope: String!) {
  dashboard(scope: $scope) {
    ... on Dashboard {
      gradeDistributions {
        snapshot { subject period from to gradeBandsVersion }
        bands { version metric }
        counts { name count }
        ungraded
      }
    }
  }
}"""
REGIONS = {"scope": "410611", "subject": "REGION", **NOVEMBER}
PASS_FAIL = {
    "subject": "REGION",
    "metric": "CLOSURE_RATE",
    "bands": [{"minimum": 0, "grade": "未达标"}, {"minimum": 0.5, "grade": "达标"}],
    "effectiveFrom": "2026-11-01",
    "note": "结案率达标考核",
}


def _nodes(ranking: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["node"]["subjectKey"]: e["node"] for e in ranking["entries"]["edges"]}


async def _one_case_suffices(client: httpx.AsyncClient, admin: str) -> None:
    body = await gql(client, SET_RULES, {"input": {"minimumCases": 1, "points": []}}, token=admin)
    assert body["data"]["setScoringRules"]["__typename"] == "ScoringRulesPayload", body


def test_a_grade_is_the_first_band_the_score_reaches() -> None:
    bands = grades.Bands(
        version=1,
        subject_kind=SubjectKind.DEPARTMENT,
        metric=Metric.CLOSURE_RATE,
        bands=grades.validate(Metric.CLOSURE_RATE, [(0.6, "中"), (0.9, "优"), (0.0, "差")]),
        effective_from=date(2026, 1, 1),
    )

    assert bands.grade_names() == ["优", "中", "差"]
    assert grades.grade_of(bands, Figures(cases=10, closed=9), 5) == "优"
    assert grades.grade_of(bands, Figures(cases=10, closed=7), 5) == "中"
    assert grades.grade_of(bands, Figures(cases=10, closed=0), 5) == "差"
    assert grades.grade_of(bands, Figures(cases=4, closed=4), 5) is None  # too few cases
    assert grades.grade_of(bands, Figures(), 0) is None  # no figure
    assert grades.Bands.from_json(bands.as_json()) == bands


@pytest.mark.parametrize(
    ("metric", "bands", "field"),
    [
        (Metric.CLOSURE_RATE, [], "bands"),
        (Metric.CLOSURE_RATE, [(0.5, "优"), (0.5, "良")], "bands"),
        (Metric.CLOSURE_RATE, [(0.9, "优"), (0.5, "优")], "bands"),
        (Metric.CLOSURE_RATE, [(0.9, " ")], "bands"),
        (Metric.CLOSURE_RATE, [(float("nan"), "优")], "bands"),
        (Metric.CLOSURE_RATE, [(0.9, "优" * 21)], "bands"),
        (Metric.OVERDUE, [(0, "优")], "metric"),
        (Metric.REWORK_RATE, [(0, "优")], "metric"),
    ],
)
def test_bad_bands_are_refused(metric: Metric, bands: list[tuple[float, str]], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        grades.validate(metric, bands)
    assert refused.value.field == field


def test_count_metrics_rank_with_their_own_sample() -> None:
    subjects = {
        "busy": Figures(cases=6, closed=5, closed_on_time=4, overdue=2, reported=1),
        "quiet": Figures(cases=2, closed=2, closed_on_time=2, overdue=0, reported=9),
        "late": Figures(cases=5, closed=3, closed_on_time=0, overdue=5, reported=0),
    }

    def order(metric: Metric) -> list[tuple[str, int | None, float | None]]:
        ranked = formulas.rank(subjects, metric=metric, rules={}, minimum_cases=3)
        return [(r.key, r.rank, r.value) for r in ranked]

    assert order(Metric.FILED) == [("busy", 1, 6.0), ("late", 2, 5.0), ("quiet", None, 2.0)]
    assert order(Metric.CLOSED) == [("busy", 1, 5.0), ("late", 2, 3.0), ("quiet", None, 2.0)]
    assert order(Metric.ON_TIME) == [("busy", 1, 4.0), ("late", 2, 0.0), ("quiet", None, 2.0)]
    # fewer overdue is better
    assert order(Metric.OVERDUE) == [("busy", 1, 2.0), ("late", 2, 5.0), ("quiet", None, 0.0)]
    # reports are a grid worker's own sample: a worker who reports much and handles little ranks
    assert order(Metric.REPORTED) == [("quiet", 1, 9.0), ("busy", None, 1.0), ("late", None, 0.0)]


async def test_rankings_carry_grades_and_the_city_sets_new_bands(
    client: httpx.AsyncClient,
) -> None:
    await dataset.build()
    _, admin = await factories.signed_in("admin", "4106")
    _, command = await factories.signed_in("city_command", "4106")
    _, leader = await factories.signed_in("leader", "410611")
    await _one_case_suffices(client, admin)

    on_time = (await gql(client, GRADED, {**REGIONS, "by": "ON_TIME"}, token=leader))["data"]
    overdue = (await gql(client, GRADED, {**REGIONS, "by": "OVERDUE"}, token=leader))["data"]

    # the default bands grade the on-time closure rate: 410611001 closed e1 on time of five
    # cases (0.2 → 差); 410611002 closed its one case e8 on time (1.0 → 优)
    default = on_time["ranking"]["gradeBands"]
    assert default["metric"] == "ON_TIME_CLOSURE_RATE"
    assert [b["grade"] for b in default["bands"]] == ["优", "良", "中", "差"]
    nodes = _nodes(on_time["ranking"])
    assert {key: (n["rank"], n["value"], n["grade"]) for key, n in nodes.items()} == {
        "410611001": (1, 1.0, "差"),
        "410611002": (1, 1.0, "优"),
    }
    # overdue cases: e2, e3 and e4 carry counted cards; fewer is better
    assert {key: (n["rank"], n["value"]) for key, n in _nodes(overdue["ranking"]).items()} == {
        "410611002": (1, 0.0),
        "410611001": (2, 3.0),
    }
    assert nodes["410611001"]["figures"]["overdue"] == 3

    refused = await gql(client, SET_BANDS, {"input": PASS_FAIL}, token=leader)
    assert error_codes(refused) == ["FORBIDDEN"]
    twice = {
        **PASS_FAIL,
        "bands": [{"minimum": 0, "grade": "达标"}, {"minimum": 1, "grade": "达标"}],
    }
    bad = (await gql(client, SET_BANDS, {"input": twice}, token=admin))["data"]["setGradeBands"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "bands")
    set_ = (await gql(client, SET_BANDS, {"input": PASS_FAIL}, token=command))["data"]
    later = {**PASS_FAIL, "effectiveFrom": "2027-01-01", "bands": [{"minimum": 0, "grade": "X"}]}
    await gql(client, SET_BANDS, {"input": later}, token=admin)

    new = set_["setGradeBands"]["gradeBands"]
    assert new == {
        "version": default["version"] + 1,
        "subject": "REGION",
        "metric": "CLOSURE_RATE",
        "effectiveFrom": "2026-11-01",
        "note": "结案率达标考核",
        "bands": [{"minimum": 0.5, "grade": "达标"}, {"minimum": 0.0, "grade": "未达标"}],
    }
    # November's ranking is graded by the bands in force on its last day, not 2027's
    regraded = (await gql(client, GRADED, {**REGIONS, "by": "ON_TIME"}, token=leader))["data"]
    assert regraded["ranking"]["gradeBands"]["version"] == new["version"]
    assert {k: n["grade"] for k, n in _nodes(regraded["ranking"]).items()} == {
        "410611001": "达标",  # closure rate 0.6
        "410611002": "达标",
    }
    audit = await AuditEntry.filter(action="grade_bands.update").order_by("id")
    assert [(a.object_id, a.region_code) for a in audit] == [
        (str(new["version"]), "4106"),
        (str(new["version"] + 1), "4106"),
    ]


async def test_frozen_rankings_keep_their_bands_and_the_dashboard_counts_grades(
    client: httpx.AsyncClient,
) -> None:
    await dataset.build()
    _, admin = await factories.signed_in("admin", "4106")
    _, leader = await factories.signed_in("leader", "410611")
    await _one_case_suffices(client, admin)
    await freeze_rankings(today=date(2026, 12, 1))  # November, its last week and day
    await gql(client, SET_BANDS, {"input": PASS_FAIL}, token=admin)

    board = (await gql(client, DASHBOARD, {"scope": "410611"}, token=leader))["data"]["dashboard"]
    snapshots = (
        await gql(
            client,
            """query { rankingSnapshots(scope: "410611", subject: REGION, period: MONTH) {
                 edges { node { id gradeBandsVersion } } } }""",
            token=leader,
        )
    )["data"]["rankingSnapshots"]["edges"]
    frozen = (
        await gql(
            client,
            """query($id: ID!) { rankingSnapshot(id: $id, by: ON_TIME) { ... on Ranking {
                 gradeBands { version metric } entries { edges { node { subjectKey grade } } }
               } } }""",
            {"id": snapshots[0]["node"]["id"]},
            token=leader,
        )
    )["data"]["rankingSnapshot"]

    # frozen with the default bands, graded by them after the city changed its bands
    assert frozen["gradeBands"]["metric"] == "ON_TIME_CLOSURE_RATE"
    assert snapshots[0]["node"]["gradeBandsVersion"] == frozen["gradeBands"]["version"]
    assert {e["node"]["subjectKey"]: e["node"]["grade"] for e in frozen["entries"]["edges"]} == {
        "410611001": "差",
        "410611002": "优",
    }
    # the latest frozen ranking of each kind: the month ending with the day of November 30th
    regions = next(d for d in board["gradeDistributions"] if d["snapshot"]["subject"] == "REGION")
    assert regions["snapshot"]["period"] == "MONTH"
    assert (regions["snapshot"]["from"], regions["snapshot"]["to"]) == ("2026-11-01", "2026-11-30")
    assert regions["bands"] == frozen["gradeBands"]
    assert regions["counts"] == [
        {"name": "优", "count": 1},
        {"name": "良", "count": 0},
        {"name": "中", "count": 0},
        {"name": "差", "count": 1},
    ]
    assert regions["ungraded"] == 0
    assert {d["snapshot"]["subject"] for d in board["gradeDistributions"]} == {
        "DEPARTMENT",
        "WORKER",
        "REGION",
    }
    # a township's dashboard counts the grades of its own frozen rankings (of its communities,
    # departments and workers), frozen since townships publish rankings of their own
    township = await gql(client, DASHBOARD, {"scope": "410611001"}, token=leader)
    own = township["data"]["dashboard"]["gradeDistributions"]
    assert {d["snapshot"]["subject"] for d in own} == {"DEPARTMENT", "WORKER", "REGION"}
