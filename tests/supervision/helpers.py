"""Shared pieces of the supervision tests: the documents they send."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import gql

ERROR = "... on Error { code message field }"
REPORT_FIELDS = (
    "id regionCode periodKind periodStart periodEnd title authorUnit status version card dueAt"
    " reviewNote publishedAt figuresXlsxUrl sections { heading body }"
    " figures { cases closed closureRate onTimeClosureRate previousCases formulaVersion"
    " byCategory { key label count } byChildRegion { key label count } bySource { key count } }"
    " timeline { action fromStatus toStatus note }"
)
REPORT_RESULT = (
    f"__typename ... on AnalysisReportPayload {{ report {{ {REPORT_FIELDS} }} }} {ERROR}"
)
CREATE_REPORT = (
    "mutation($input: CreateAnalysisReportInput!) {"
    f" createAnalysisReport(input: $input) {{ {REPORT_RESULT} }} }}"
)
EDIT_REPORT = (
    "mutation($id: ID!, $input: EditAnalysisReportInput!, $version: Int) {"
    f" editAnalysisReport(id: $id, input: $input, version: $version) {{ {REPORT_RESULT} }} }}"
)
REFRESH_REPORT = (
    f"mutation($id: ID!) {{ refreshAnalysisReportFigures(id: $id) {{ {REPORT_RESULT} }} }}"
)
SUBMIT_REPORT = f"mutation($id: ID!) {{ submitAnalysisReport(id: $id) {{ {REPORT_RESULT} }} }}"
REVIEW_REPORT = (
    'mutation($id: ID!, $publish: Boolean!, $note: String! = "") {'
    f" reviewAnalysisReport(id: $id, publish: $publish, note: $note) {{ {REPORT_RESULT} }} }}"
)
REPORT = f"query($id: ID!) {{ analysisReport(id: $id) {{ {REPORT_FIELDS} }} }}"
REPORTS = (
    "query($region: String, $status: AnalysisReportStatus) {"
    " analysisReports(regionCode: $region, status: $status) { totalCount"
    " edges { node { id regionCode status } } } }"
)

PROPOSAL_FIELDS = (
    "id targetKind targetRegionCode targetDepartmentId targetUserId targetLabel"
    " raisedRegionCode eventIds rankingSnapshotId reason requestedAction status reply"
    " outcome outcomeNote card dueAt version timeline { action fromStatus toStatus note }"
)
PROPOSAL_RESULT = (
    f"__typename ... on AccountabilityProposalPayload {{ proposal {{ {PROPOSAL_FIELDS} }} }}"
    f" {ERROR}"
)
RAISE = (
    "mutation($input: RaiseAccountabilityProposalInput!) {"
    f" raiseAccountabilityProposal(input: $input) {{ {PROPOSAL_RESULT} }} }}"
)
REPLY = (
    "mutation($id: ID!, $reply: String!) {"
    f" replyToAccountabilityProposal(id: $id, reply: $reply) {{ {PROPOSAL_RESULT} }} }}"
)
CLOSE = (
    "mutation($id: ID!, $outcome: AccountabilityOutcome!, $note: String!) {"
    " closeAccountabilityProposal(id: $id, outcome: $outcome, note: $note) {"
    f" {PROPOSAL_RESULT} }} }}"
)
PROPOSALS = (
    "query($region: String, $mine: Boolean! = false) {"
    " accountabilityProposals(regionCode: $region, raisedByMe: $mine) { totalCount"
    " edges { node { id targetLabel status } } } }"
)


async def result(
    client: httpx.AsyncClient, document: str, token: str, **variables: Any
) -> dict[str, Any]:
    """The root field's result of a mutation with no top-level errors."""
    body = await gql(client, document, variables, token=token)
    assert "errors" not in body, body
    return dict(next(iter(body["data"].values())))
