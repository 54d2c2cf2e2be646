"""Departments' co-handled events (协办数): a figure of their own and a ranking metric whose
minimum sample is the co-handled count, so a department that only co-handles is ranked."""

from __future__ import annotations

import httpx

from api.domains.stats import formulas
from api.domains.stats.enums import Metric
from api.domains.stats.formulas import Figures
from tests.events.cohandling_helpers import dispatch, signed_in, township_event
from tests.events.helpers import RETURN, run
from tests.factories import gql
from tests.stats.test_assessment import RANKING, SET_RULES

FIGURES = """
query($scope: String!, $from: Date!, $to: Date!) {
  ranking(scope: $scope, subject: DEPARTMENT, from: $from, to: $to, by: COHANDLED) {
    ... on Ranking { entries { edges { node {
      label rank tooFewCases value figures { cases cohandled } } } } }
  }
}"""


def test_co_handled_ranks_by_its_own_count_and_sample() -> None:
    subjects = {
        "lead": Figures(cases=9, cohandled=0),
        "water": Figures(cases=0, cohandled=3),
        "traffic": Figures(cases=0, cohandled=1),
    }

    ranked = formulas.rank(subjects, metric=Metric.COHANDLED, rules={}, minimum_cases=2)

    assert [(r.key, r.rank, r.value, r.too_few_cases) for r in ranked] == [
        ("water", 1, 3.0, False),
        ("lead", None, 0.0, True),
        ("traffic", None, 1.0, True),
    ]


async def test_departments_count_the_events_they_co_handled(client: httpx.AsyncClient) -> None:
    setting = await township_event(client)
    await dispatch(client, setting)
    admin = await signed_in("admin", "4106")
    leader = await signed_in("leader", "410611")
    await gql(client, SET_RULES, {"input": {"minimumCases": 1, "points": []}}, token=admin)

    period = {"scope": "410611001", "from": "2026-11-30", "to": "2026-11-30"}
    body = await gql(client, FIGURES, period, token=leader)
    nodes = {
        n["label"]: n for n in (e["node"] for e in body["data"]["ranking"]["entries"]["edges"])
    }
    assert {label: (n["rank"], n["value"], n["figures"]) for label, n in nodes.items()} == {
        "供水所": (1, 1.0, {"cases": 0, "cohandled": 1}),
        "交警中队": (1, 1.0, {"cases": 0, "cohandled": 1}),
        "街道城建办": (None, 0.0, {"cases": 1, "cohandled": 0}),
    }

    # a task withdrawn before its part was reported is not co-handling
    await run(client, RETURN, setting.lead_staff, id=setting.event_id, note="非本部门")
    body = await gql(
        client, RANKING, {**period, "subject": "DEPARTMENT", "by": "COHANDLED"}, token=leader
    )
    labels = [e["node"]["label"] for e in body["data"]["ranking"]["entries"]["edges"]]
    assert "供水所" not in labels
