"""A major decision's risk assessment through all four stages, with a return on the way."""

from __future__ import annotations

from typing import Any

import httpx

from api.settings import Settings
from tests import factories
from tests.approvals.helpers import PDF, TOWNSHIP, upload
from tests.factories import gql

FIELDS = """
  __typename
  ... on RiskAssessmentPayload { assessment {
    id uuid status version finalLevel reportFileId
    reviews { stage opinion riskPoints riskLevel reviewerLabel }
  } }
  ... on Error { code field message }
"""
SUBMIT = (
    "mutation($input: RiskAssessmentInput!) { submitRiskAssessment(input: $input) {"
    + FIELDS
    + "} }"
)
ACCEPT = (
    "mutation($id: ID!, $v: Int) { acceptRiskAssessment(id: $id, expectedVersion: $v) {"
    + FIELDS
    + "} }"
)
RECORD = (
    "mutation($id: ID!, $v: Int, $input: RiskStageInput!) {"
    " recordRiskAssessmentStage(id: $id, expectedVersion: $v, input: $input) {" + FIELDS + "} }"
)
RETURN = (
    "mutation($id: ID!, $v: Int, $reason: String!) {"
    " returnRiskAssessment(id: $id, expectedVersion: $v, reason: $reason) {" + FIELDS + "} }"
)
LISTS = """query($assessed: Boolean!) { riskAssessments(assessed: $assessed) {
  totalCount edges { node { uuid status finalLevel } } } }"""


def _result(body: dict[str, Any], field: str) -> dict[str, Any]:
    result = body["data"][field]
    return dict(result.get("assessment") or result)


async def test_an_assessment_through_all_stages_with_a_return(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    await factories.region_tree()
    _, centre = await factories.signed_in("township_centre", TOWNSHIP)
    _, leader = await factories.signed_in("leader", TOWNSHIP)
    _, elsewhere = await factories.signed_in("township_centre", "410611002")

    decision = {
        "title": "金山街道老旧小区改造",
        "sponsorUnit": "金山街道办事处",
        "decisionType": "urban_renewal",
        "regionCode": TOWNSHIP,
        "description": "涉及 1200 户",
    }
    a = _result(
        await gql(client, SUBMIT, {"input": decision}, token=centre), "submitRiskAssessment"
    )
    assert a["status"] == "PENDING"
    a = _result(
        await gql(client, ACCEPT, {"id": a["id"], "v": a["version"]}, token=centre),
        "acceptRiskAssessment",
    )
    assert a["status"] == "INITIAL_REVIEW"

    def stage(opinion: str, level: str, **extra: Any) -> dict[str, Any]:
        return {"opinion": opinion, "riskLevel": level, "riskPoints": ["征收补偿争议"], **extra}

    a = _result(
        await gql(
            client,
            RECORD,
            {"id": a["id"], "v": a["version"], "input": stage("初评：中风险", "MEDIUM")},
            token=centre,
        ),
        "recordRiskAssessmentStage",
    )
    assert a["status"] == "RE_REVIEW"
    a = _result(
        await gql(
            client,
            RETURN,
            {"id": a["id"], "v": a["version"], "reason": "初评未走访住户"},
            token=centre,
        ),
        "returnRiskAssessment",
    )
    assert a["status"] == "INITIAL_REVIEW"
    a = _result(
        await gql(
            client,
            RECORD,
            {"id": a["id"], "v": a["version"], "input": stage("初评：走访后为高风险", "HIGH")},
            token=centre,
        ),
        "recordRiskAssessmentStage",
    )
    a = _result(
        await gql(
            client,
            RECORD,
            {"id": a["id"], "v": a["version"], "input": stage("复评：中风险", "MEDIUM")},
            token=centre,
        ),
        "recordRiskAssessmentStage",
    )
    assert a["status"] == "AUDIT"
    # The audit keeps the report.
    no_report = _result(
        await gql(
            client,
            RECORD,
            {"id": a["id"], "v": a["version"], "input": stage("审核", "MEDIUM")},
            token=centre,
        ),
        "recordRiskAssessmentStage",
    )
    assert (no_report["code"], no_report["field"]) == ("INVALID", "reportFileId")
    report = (await upload(client, centre, [("report.pdf", PDF)]))["files"][0]["uuid"]
    a = _result(
        await gql(
            client,
            RECORD,
            {
                "id": a["id"],
                "v": a["version"],
                "input": stage("审核：中风险，可实施", "MEDIUM", reportFileId=report),
            },
            token=centre,
        ),
        "recordRiskAssessmentStage",
    )
    assert (a["status"], a["finalLevel"], a["reportFileId"]) == ("ASSESSED", "MEDIUM", report)
    assert [(r["stage"], r["riskLevel"]) for r in a["reviews"]] == [
        ("INITIAL_REVIEW", "MEDIUM"),
        ("INITIAL_REVIEW", "HIGH"),
        ("RE_REVIEW", "MEDIUM"),
        ("AUDIT", "MEDIUM"),
    ]
    again = _result(
        await gql(
            client, RETURN, {"id": a["id"], "v": a["version"], "reason": "再看看"}, token=centre
        ),
        "returnRiskAssessment",
    )
    assert again["code"] == "INVALID_TRANSITION"

    assessed = await gql(client, LISTS, {"assessed": True}, token=leader)
    pending = await gql(client, LISTS, {"assessed": False}, token=leader)
    assert [e["node"]["finalLevel"] for e in assessed["data"]["riskAssessments"]["edges"]] == [
        "MEDIUM"
    ]
    assert pending["data"]["riskAssessments"]["totalCount"] == 0
    # Another township's centre does not see it; the leader reads but may not assess.
    hidden = await gql(client, LISTS, {"assessed": True}, token=elsewhere)
    assert hidden["data"]["riskAssessments"]["totalCount"] == 0
    second = _result(
        await gql(client, SUBMIT, {"input": {**decision, "title": "道路拓宽"}}, token=centre),
        "submitRiskAssessment",
    )
    refused = _result(
        await gql(client, ACCEPT, {"id": second["id"], "v": second["version"]}, token=leader),
        "acceptRiskAssessment",
    )
    assert refused["code"] == "NOT_ALLOWED"
    out_of_scope = _result(
        await gql(client, ACCEPT, {"id": second["id"], "v": second["version"]}, token=elsewhere),
        "acceptRiskAssessment",
    )
    assert out_of_scope["code"] == "NOT_FOUND"
