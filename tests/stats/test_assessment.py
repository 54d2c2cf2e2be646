"""Figures, rankings, exemptions and frozen rankings through GraphQL, on the hand-made world of
tests/stats/dataset.py whose answers are worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from api.domains.stats.models import RankingSnapshot
from api.domains.stats.service import freeze_rankings
from tests import factories
from tests.factories import error_codes, gql
from tests.stats import dataset
from workers.stats import freeze_rankings as freeze_job

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
FIGURES = """
  cases closed closedOnTime dueToHandle handledOnTime handled reworked dispatched returned
  rated satisfied yellowCards redCards reported closureRate onTimeClosureRate
  onTimeHandlingRate reworkRate accurateDispatchRate meanSatisfaction satisfiedShare
  stageTimes { stage averageSeconds steps }
"""
ASSESSMENT = f"""
query($scope: String!, $from: Date!, $to: Date!) {{
  assessmentFigures(scope: $scope, from: $from, to: $to) {{
    __typename ... on AssessmentFigures {{ {FIGURES} }} ... on Error {{ code field }}
  }}
}}"""
RANKING = """
query($scope: String!, $subject: RankingSubject!, $from: Date!, $to: Date!,
      $by: RankingMetric!, $first: Int, $after: String) {
  ranking(scope: $scope, subject: $subject, from: $from, to: $to, by: $by,
          first: $first, after: $after) {
    __typename
    ... on Ranking {
      formulaVersion rules { version minimumCases }
      entries { totalCount pageInfo { hasNextPage endCursor }
        edges { node { rank tooFewCases subjectKey label value points figures { cases } } } }
    }
    ... on Error { code field message }
  }
}"""
SET_RULES = """
mutation($input: ScoringRulesInput!) {
  setScoringRules(input: $input) {
    __typename ... on ScoringRulesPayload { rules { version minimumCases } }
    ... on Error { code field }
  }
}"""
GRANT = """
mutation($event: ID!, $card: ID, $reason: String!) {
  grantExemption(eventId: $event, cardId: $card, reason: $reason) {
    __typename ... on ExemptionPayload { exemption { id cardId } } ... on Error { code field }
  }
}"""
CARDS = "query($id: ID!) { eventCards(eventId: $id) { id card stage exempted } }"


async def _data(client: httpx.AsyncClient, query: str, token: str, **variables: Any) -> Any:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def _exempt(client: httpx.AsyncClient, world: dataset.World, token: str) -> None:
    """e3's red card alone, and every card of e4."""
    red = next(c for c in world.cards["e3"] if c.card.value == "red")
    for event, card in (("e3", str(red.id)), ("e4", None)):
        result = await _data(
            client,
            GRANT,
            token,
            event=str(world.events[event].id),
            card=card,
            reason="暴雨停电，经申诉核实免责",
        )
        assert result["__typename"] == "ExemptionPayload", result


async def test_figures_of_a_township_match_the_hand_worked_answers(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    _, leader = await factories.signed_in("leader", "410611001")

    before = await _data(client, ASSESSMENT, leader, scope="410611001", **NOVEMBER)
    await _exempt(client, world, leader)
    after = await _data(client, ASSESSMENT, leader, scope="410611001", **NOVEMBER)

    # cases e1–e5 (e6 rejected and e7 unfiled are no cases; e8 elsewhere; e9 in October)
    assert before["cases"] == 5
    assert (before["closed"], before["closureRate"]) == (3, 0.6)  # e1 e2 e4
    # on time: e1 only, until e4's cards are exempted; then e1 and e4
    assert (before["closedOnTime"], after["closedOnTime"]) == (1, 2)
    assert (before["onTimeClosureRate"], after["onTimeClosureRate"]) == (0.2, 0.4)
    # due to handle: handled e1 e2 e4, and e3 whose deadline passed (card); e5 still in time
    assert (before["dueToHandle"], before["handledOnTime"], after["handledOnTime"]) == (4, 1, 2)
    assert (before["onTimeHandlingRate"], after["onTimeHandlingRate"]) == (0.25, 0.5)
    assert (before["handled"], before["reworked"]) == (3, 1)
    assert before["reworkRate"] == pytest.approx(1 / 3)
    assert (before["dispatched"], before["returned"], before["accurateDispatchRate"]) == (5, 1, 0.8)
    assert (before["rated"], before["meanSatisfaction"], before["satisfiedShare"]) == (2, 3.5, 0.5)
    # cards: e2 yellow, e3 yellow+red, e4 yellow; exempted: e3's red, all of e4
    assert (before["yellowCards"], before["redCards"]) == (3, 1)
    assert (after["yellowCards"], after["redCards"]) == (2, 0)
    # e1's timeline: filed after 1 h, assigned 1 h later, result 3 h after dispatch (accepting
    # and a supervision note in between do not split the stage), verified 1 h, closed 2 h
    assert {s["stage"]: s["averageSeconds"] for s in before["stageTimes"]} == {
        "FILE": 3600.0,
        "DISPATCH": 3600.0,
        "HANDLE": 10800.0,
        "VERIFY": 3600.0,
        "CLOSE": 7200.0,
    }


async def test_exempted_cards_stay_visible_as_raw_facts(client: httpx.AsyncClient) -> None:
    world = await dataset.build()
    _, admin = await factories.signed_in("admin", "4106")
    await _exempt(client, world, admin)

    e3 = await _data(client, CARDS, admin, id=str(world.events["e3"].id))
    again = await gql(
        client,
        GRANT,
        {"event": str(world.events["e4"].id), "reason": "again"},
        token=admin,
    )

    assert [(c["card"], c["exempted"]) for c in e3] == [("YELLOW", False), ("RED", True)]
    assert again["data"]["grantExemption"] == {
        "__typename": "ValidationError",
        "code": "ALREADY_EXISTS",
        "field": "cardId",
    }


WITHDRAW = """
mutation($id: ID!, $reason: String!) {
  withdrawExemption(id: $id, reason: $reason) {
    __typename ... on ExemptionWithdrawnPayload { id } ... on Error { code field }
  }
}"""


async def test_a_withdrawn_exemption_counts_again_and_is_audited(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    _, leader = await factories.signed_in("leader", "410611001")
    _, other_leader = await factories.signed_in("leader", "410611002")
    _, admin = await factories.signed_in("admin", "4106")
    e4 = str(world.events["e4"].id)
    before = await _data(client, ASSESSMENT, leader, scope="410611001", **NOVEMBER)
    granted = await _data(client, GRANT, leader, event=e4, reason="暴雨停电，经申诉核实免责")
    exemption_id = granted["exemption"]["id"]

    no_reason = await _data(client, WITHDRAW, leader, id=exemption_id, reason=" ")
    elsewhere = await _data(client, WITHDRAW, other_leader, id=exemption_id, reason="误批")
    malformed = await _data(client, WITHDRAW, leader, id="not-an-id", reason="误批")
    exempted = await _data(client, ASSESSMENT, leader, scope="410611001", **NOVEMBER)
    withdrawn = await _data(client, WITHDRAW, leader, id=exemption_id, reason="误批，撤销免责")
    again = await _data(client, WITHDRAW, leader, id=exemption_id, reason="误批")
    after = await _data(client, ASSESSMENT, leader, scope="410611001", **NOVEMBER)
    cards = await _data(client, CARDS, leader, id=e4)
    regranted = await _data(client, GRANT, leader, event=e4, reason="复核后重新免责")
    audit = await _data(
        client,
        'query($id: String) { auditLog(action: "exemption.withdraw", objectId: $id)'
        " { edges { node { actorLabel detail } } } }",
        admin,
        id=e4,
    )

    assert no_reason == {"__typename": "ValidationError", "code": "INVALID", "field": "reason"}
    assert elsewhere == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "id"}
    assert malformed == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "id"}
    assert withdrawn == {"__typename": "ExemptionWithdrawnPayload", "id": exemption_id}
    assert again == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "id"}
    # e4's yellow card counted, was exempted, counts again
    assert (before["yellowCards"], exempted["yellowCards"], after["yellowCards"]) == (3, 2, 3)
    assert after == before
    assert [card["exempted"] for card in cards] == [False]
    assert regranted["__typename"] == "ExemptionPayload"
    [entry] = [edge["node"] for edge in audit["edges"]]
    assert entry["detail"]["reason"] == "误批，撤销免责"
    assert entry["detail"]["granted_reason"] == "暴雨停电，经申诉核实免责"
    assert entry["detail"]["exemption_id"] == exemption_id


async def test_exemptions_need_a_reason_a_card_of_the_event_and_the_right_role(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    _, leader = await factories.signed_in("leader", "410611001")
    _, other_leader = await factories.signed_in("leader", "410611002")
    _, centre = await factories.signed_in("township_centre", "410611001")
    e2, e3 = str(world.events["e2"].id), str(world.events["e3"].id)
    card_of_e2 = str(world.cards["e2"][0].id)

    no_reason = await _data(client, GRANT, leader, event=e3, reason="  ")
    wrong_card = await _data(client, GRANT, leader, event=e3, card=card_of_e2, reason="x")
    bad_card = await _data(client, GRANT, leader, event=e3, card="12abc", reason="x")
    no_cards = await _data(client, GRANT, leader, event=str(world.events["e5"].id), reason="x")
    elsewhere = await _data(client, GRANT, other_leader, event=e2, reason="x")
    forbidden = await gql(client, GRANT, {"event": e2, "reason": "x"}, token=centre)

    assert no_reason == {"__typename": "ValidationError", "code": "INVALID", "field": "reason"}
    assert wrong_card == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "cardId"}
    assert bad_card == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "cardId"}
    assert no_cards["__typename"] == "ValidationError"
    assert elsewhere == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "eventId"}
    assert error_codes(forbidden) == ["FORBIDDEN"]


async def test_ranking_lists_too_few_cases_unranked_and_applies_exemptions(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    _, admin = await factories.signed_in("admin", "4106")
    _, leader = await factories.signed_in("leader", "410611")
    rules = await _data(
        client,
        SET_RULES,
        admin,
        input={
            "minimumCases": 2,
            "points": [
                {"fact": "CLOSED_ON_TIME", "points": 1},
                {"fact": "REWORKED", "points": -1},
                {"fact": "RETURNED", "points": -0.5},
                {"fact": "YELLOW_CARD", "points": -2},
                {"fact": "RED_CARD", "points": -5},
                {"fact": "SATISFIED", "points": 0.5},
                {"fact": "UNSATISFIED", "points": -1},
            ],
        },
    )
    args = {"scope": "410611", "subject": "DEPARTMENT", "by": "POINTS", **NOVEMBER}

    before = await _data(client, RANKING, leader, **args)
    await _exempt(client, world, admin)
    after = await _data(client, RANKING, leader, **args)
    regions = await _data(
        client, RANKING, leader, **{**args, "subject": "REGION", "by": "CLOSURE_RATE"}
    )

    assert rules["rules"] == {"version": 1, "minimumCases": 2}
    nodes = [edge["node"] for edge in before["entries"]["edges"]]
    # police: e1–e4 and e8 (district scope); housing: e5 alone → too few cases
    assert [(n["label"], n["rank"], n["tooFewCases"], n["figures"]["cases"]) for n in nodes] == [
        ("公安分局", 1, False, 5),
        ("住建局", None, True, 1),
    ]
    # police: on time e1 e8 → 2; rework −1; yellow e2 e3 e4 → −6; red e3 → −5; rated 5 and 2
    assert nodes[0]["points"] == 2 - 1 - 6 - 5 + 0.5 - 1
    # after exemptions: on time e1 e4 e8 → 3; yellow e2 e3 → −4; red none
    assert after["entries"]["edges"][0]["node"]["points"] == 3 - 1 - 4 + 0.5 - 1
    assert nodes[1]["points"] == -0.5
    assert [
        (e["node"]["subjectKey"], e["node"]["rank"], e["node"]["value"])
        for e in regions["entries"]["edges"]
    ] == [("410611001", 1, 0.6), ("410611002", None, 1.0)]


async def test_workers_are_ranked_and_see_only_their_own_figures(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    worker_token = await factories.token_for(world.worker)
    _, centre = await factories.signed_in("township_centre", "410611001")
    mine = """query($from: Date!, $to: Date!) { myFigures(from: $from, to: $to) {
      __typename ... on AssessmentFigures { cases reported closed } } }"""

    own = await _data(client, mine, worker_token, **NOVEMBER)
    ranking = await _data(
        client,
        RANKING,
        centre,
        scope="410611001",
        subject="WORKER",
        by="ON_TIME_CLOSURE_RATE",
        **NOVEMBER,
    )
    denied = await gql(
        client,
        RANKING,
        {"scope": "410611001", "subject": "WORKER", "by": "POINTS", **NOVEMBER},
        token=worker_token,
    )

    # assigned e1–e5; reported e1–e7 (e6, e7 too: reports count whether filed or not)
    assert own == {"__typename": "AssessmentFigures", "cases": 5, "reported": 5, "closed": 3}
    entry = ranking["entries"]["edges"][0]["node"]
    assert (entry["subjectKey"], entry["label"], entry["rank"]) == (
        str(world.worker.id),
        world.worker.display_name,
        1,
    )
    assert error_codes(denied) == ["FORBIDDEN"]


async def test_rankings_page_and_reject_bad_input(client: httpx.AsyncClient) -> None:
    await dataset.build()
    _, leader = await factories.signed_in("leader", "4106")
    args = {"scope": "4106", "subject": "REGION", "by": "POINTS", **NOVEMBER}

    first = await _data(client, RANKING, leader, **{**args, "first": 1})
    rest = await _data(
        client,
        RANKING,
        leader,
        **{**args, "first": 1, "after": first["entries"]["pageInfo"]["endCursor"]},
    )
    backwards = await _data(client, RANKING, leader, **{**args, "from": "2026-12-01"})
    too_many = await _data(client, RANKING, leader, **{**args, "first": 101})
    grid = await _data(client, RANKING, leader, **{**args, "scope": "410611001001001"})

    assert first["entries"]["totalCount"] == 1  # one district had cases: 410611
    assert first["entries"]["pageInfo"]["hasNextPage"] is False
    assert rest["entries"]["edges"] == []
    assert (backwards["__typename"], backwards["field"]) == ("ValidationError", "to")
    assert (too_many["__typename"], too_many["field"]) == ("ValidationError", "first")
    assert (grid["__typename"], grid["field"]) == ("ValidationError", "scope")


async def test_points_rules_are_for_city_admins_and_checked(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    _, district_admin = await factories.signed_in("admin", "410611")
    good = {"minimumCases": 3, "points": [{"fact": "RED_CARD", "points": -3}]}

    twice = await _data(
        client,
        SET_RULES,
        admin,
        input={**good, "points": good["points"] * 2},
    )
    negative = await _data(client, SET_RULES, admin, input={**good, "minimumCases": -1})
    huge = await _data(
        client,
        SET_RULES,
        admin,
        input={**good, "points": [{"fact": "RED_CARD", "points": 1e6}]},
    )
    district = await gql(client, SET_RULES, {"input": good}, token=district_admin)

    assert (twice["code"], twice["field"]) == ("INVALID", "points")
    assert negative["field"] == "minimumCases"
    assert huge["field"] == "points"
    assert error_codes(district) == ["FORBIDDEN"]


async def test_frozen_rankings_keep_their_rules_when_the_rules_change(
    client: httpx.AsyncClient,
) -> None:
    await dataset.build()
    _, admin = await factories.signed_in("admin", "4106")
    december_2 = date(2026, 12, 2)  # a Wednesday: last month is November

    made = await freeze_rankings(today=december_2)
    again = await freeze_rankings(today=december_2)
    await _data(
        client,
        SET_RULES,
        admin,
        input={"minimumCases": 1, "points": [{"fact": "CLOSED_ON_TIME", "points": 10}]},
    )
    assert await freeze_job({}) >= 0  # the worker's job, as the worker runs it
    snapshots = await _data(
        client,
        """query { rankingSnapshots(scope: "410611", subject: DEPARTMENT, period: MONTH) {
             edges { node { id from to rulesVersion formulaVersion } } } }""",
        admin,
    )
    snapshot = snapshots["edges"][0]["node"]
    frozen = await _data(
        client,
        """query($id: ID!) { rankingSnapshot(id: $id) { __typename ... on Ranking {
             rules { version minimumCases } snapshot { from }
             entries { edges { node { label rank tooFewCases points } } } } } }""",
        admin,
        id=snapshot["id"],
    )
    live = await _data(
        client, RANKING, admin, scope="410611", subject="DEPARTMENT", by="POINTS", **NOVEMBER
    )

    # every city and district × day, week and month × departments, workers and regions
    assert made == 3 * 3 * await _scopes() and again == 0
    assert (snapshot["from"], snapshot["to"], snapshot["rulesVersion"]) == (
        "2026-11-01",
        "2026-11-30",
        0,
    )
    assert frozen["rules"] == {"version": 0, "minimumCases": 5}
    assert [e["node"]["tooFewCases"] for e in frozen["entries"]["edges"]] == [False, True]
    police_frozen = frozen["entries"]["edges"][0]["node"]["points"]
    police_live = live["entries"]["edges"][0]["node"]["points"]
    assert police_frozen == 2 - 1 - 6 - 5 + 0.5 - 1  # the built-in rules, as frozen
    assert police_live == 20  # on time e1 e8 × 10 under the new rules
    november = RankingSnapshot.filter(period_kind="month", period_start=date(2026, 11, 1))
    assert await november.count() == await _scopes() * 3


async def _scopes() -> int:
    from api.domains.hierarchy.models import Region

    return await Region.filter(level__in=["city", "district", "township"]).count()


async def test_frozen_rankings_and_exemptions_are_scoped(client: httpx.AsyncClient) -> None:
    world = await dataset.build()
    _, admin = await factories.signed_in("admin", "4106")
    _, township = await factories.signed_in("township_centre", "410611001")
    _, other_leader = await factories.signed_in("leader", "410611002")
    await freeze_rankings(today=date(2026, 12, 2))
    await _exempt(client, world, admin)
    district_snapshot = await RankingSnapshot.filter(scope_code="410611").first()
    assert district_snapshot is not None
    exemptions = "{ exemptions { totalCount edges { node { eventId } } } }"

    frozen = await _data(
        client,
        "query($id: ID!) { rankingSnapshot(id: $id) { __typename } }",
        township,
        id=str(district_snapshot.id),
    )
    listed = await gql(
        client, '{ rankingSnapshots(scope: "410611") { totalCount } }', token=township
    )
    own = await _data(client, exemptions, township)
    others = await _data(client, exemptions, other_leader)

    assert frozen == {"__typename": "NotFoundError"}
    assert error_codes(listed) == ["NOT_FOUND"]
    assert own["totalCount"] == 2
    assert others == {"totalCount": 0, "edges": []}
