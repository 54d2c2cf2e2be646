"""Investigation rounds that report upwards: the scheduled rounds become records that
communities (weekly) and townships (half-monthly) fill in and submit; the level above sees
submitted, late and missing rounds and a report of its subtree; a missing round is carded by
the shared sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from api import clock
from api.domains.diaries.models import InvestigationRound
from api.domains.notices.models import Notice
from api.flows import sweep
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard
from tests import factories
from tests.diaries.helpers import person, run
from workers.events import investigation_reminders

SUBMIT = (
    "mutation($id: ID!, $input: RoundFiguresInput!) {"
    " submitInvestigationRound(id: $id, input: $input) { __typename"
    " ... on RoundPayload { round { status standing submittedAt disputesFound } }"
    " ... on Error { code message field } } }"
)
ROUNDS = (
    "query($s: String!, $k: RoundKind) { investigationRounds(scope: $s, kind: $k) {"
    " totalCount edges { node { id regionCode periodKey standing card dueAt } } } }"
)
REPORT = (
    "query($s: String!, $k: RoundKind!, $from: Date!, $to: Date!) {"
    " roundReport(scope: $s, kind: $k, from: $from, to: $to) { __typename"
    " ... on RoundReport { rounds submitted late missing open disputesFound resolvedOnTheSpot"
    " escalatedAsEvents hiddenDangers missingRegions } ... on Error { code } } }"
)
FIGURES = {
    "disputesFound": 3,
    "resolvedOnTheSpot": 2,
    "escalatedAsEvents": 1,
    "hiddenDangers": 1,
    "notes": "排查邻里纠纷3起，现场化解2起，上报1起",
}


def at(moment: datetime) -> None:
    clock.move(moment - clock.now())


async def round_id(region_code: str, kind: str) -> str:
    return str((await InvestigationRound.get(region_code=region_code, kind=kind)).id)


async def test_weekly_and_half_monthly_rounds_report_upwards_and_the_missing_one_is_carded(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    at(datetime(2026, 11, 30, 8, 0, tzinfo=LOCAL))  # Monday: the communities' round
    _, jinshan_token = await person("community_staff", "410611001001")
    taoyuan, _ = await person("community_staff", "410611001010")
    centre, centre_token = await person("township_centre", "410611001")
    _, jiuzhou_token = await person("township_centre", "410611002")
    _, district_token = await person("district_command", "410611")

    assert await investigation_reminders({}) == 2  # a record per community with staff
    assert await investigation_reminders({}) == 0  # once per round and region
    assert await Notice.filter(kind="investigation").count() == 2  # the reminders still go out
    weekly = await round_id("410611001001", "community")

    # Bad figures are refused; the community submits; a second submission is a conflict.
    bad = await run(
        client, SUBMIT, jinshan_token, id=weekly, input={**FIGURES, "resolvedOnTheSpot": 5}
    )
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "resolvedOnTheSpot")
    at(datetime(2026, 12, 3, 16, 0, tzinfo=LOCAL))
    submitted = await run(client, SUBMIT, jinshan_token, id=weekly, input=FIGURES)
    twice = await run(client, SUBMIT, jinshan_token, id=weekly, input=FIGURES)
    assert submitted["round"]["standing"] == "SUBMITTED"
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "INVALID_TRANSITION")
    # Another community's round is not Jinshan's to see or submit.
    other = await run(
        client, SUBMIT, jinshan_token, id=await round_id("410611001010", "community"), input=FIGURES
    )
    assert other["__typename"] == "NotFoundError"

    # Tuesday 1 December opened the townships' half-monthly rounds.
    at(datetime(2026, 12, 1, 8, 0, tzinfo=LOCAL))
    assert await investigation_reminders({}) == 2
    at(datetime(2026, 12, 10, 9, 0, tzinfo=LOCAL))
    township = await run(
        client, SUBMIT, centre_token, id=await round_id("410611001", "township"), input=FIGURES
    )
    assert township["round"]["standing"] == "SUBMITTED"

    # A week on, Taoyuan's round is missing: the shared sweep cards it, once, and tells both
    # the community and the township above.
    at(datetime(2026, 12, 7, 8, 30, tzinfo=LOCAL))
    await sweep()
    await sweep()
    cards = await FlowCard.filter(flow="investigation_round").values_list("card", "region_code")
    assert cards == [("yellow", "410611001010")]
    told = set(await Notice.filter(kind="yellow_card").values_list("user_id", flat=True))
    assert told == {taoyuan.id, centre.id}

    listed = await run(client, ROUNDS, centre_token, s="410611001", k="COMMUNITY")
    standings = {e["node"]["regionCode"]: e["node"]["standing"] for e in listed["edges"]}
    assert standings == {"410611001001": "SUBMITTED", "410611001010": "MISSING"}
    card = {e["node"]["regionCode"]: e["node"]["card"] for e in listed["edges"]}
    assert card == {"410611001001": "NONE", "410611001010": "YELLOW"}
    report: dict[str, Any] = await run(
        client,
        REPORT,
        centre_token,
        s="410611001",
        k="COMMUNITY",
        **{"from": "2026-11-30", "to": "2026-11-30"},
    )
    assert report == {
        "__typename": "RoundReport",
        "rounds": 2,
        "submitted": 1,
        "late": 0,
        "missing": 1,
        "open": 0,
        "disputesFound": 3,
        "resolvedOnTheSpot": 2,
        "escalatedAsEvents": 1,
        "hiddenDangers": 1,
        "missingRegions": ["410611001010"],
    }

    # Jiuzhou's township submits after its fortnight ran out: late, and carded when it was due.
    at(datetime(2026, 12, 16, 9, 0, tzinfo=LOCAL))
    await sweep()
    late = await run(
        client, SUBMIT, jiuzhou_token, id=await round_id("410611002", "township"), input=FIGURES
    )
    assert late["round"]["standing"] == "LATE"
    district = await run(
        client,
        REPORT,
        district_token,
        s="410611",
        k="TOWNSHIP",
        **{"from": "2026-12-01", "to": "2026-12-15"},
    )
    assert (district["rounds"], district["submitted"], district["late"], district["missing"]) == (
        2,
        2,
        1,
        0,
    )
    assert district["disputesFound"] == 6
    # A community's staff read no report of the township above them: outside their area.
    refused = await run(
        client,
        REPORT,
        jinshan_token,
        s="410611001",
        k="TOWNSHIP",
        **{"from": "2026-12-01", "to": "2026-12-15"},
    )
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "OUTSIDE_AREA")
