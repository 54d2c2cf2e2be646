"""Shared pieces of the event tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import gql

EVENT_FIELDS = "uuid caseNumber status handlingRegionCode handlingLevel regionCode version reworkCount escalationCount satisfaction stage dueAt"
RESULT = f"""
  __typename
  ... on EventPayload {{ event {{ {EVENT_FIELDS} }} entry {{ action fromStatus toStatus note }} }}
  ... on Error {{ code message field }}
"""
REPORT = f"mutation($input: ReportEventInput!) {{ reportEvent(input: $input) {{ {RESULT} }} }}"


def step_mutation(name: str, args: str = "", params: str = "") -> str:
    return f"mutation($id: ID!{params}) {{ {name}(id: $id{args}) {{ {RESULT} }} }}"


FILE = step_mutation("fileEvent")
REJECT = step_mutation("rejectEvent", ", note: $note", ", $note: String!")
ASSIGN = step_mutation(
    "assignEvent", ", departmentId: $department, userId: $user", ", $department: ID, $user: ID"
)
ACCEPT = step_mutation("acceptEvent")
RETURN = step_mutation("returnEvent", ", note: $note", ", $note: String!")
SUBMIT = step_mutation("submitEventResult", ", note: $note", ", $note: String!")
VERIFY = step_mutation(
    "verifyEvent", ", passed: $passed, note: $note", ", $passed: Boolean!, $note: String!"
)
CLOSE = step_mutation("closeEvent")
EVALUATE = step_mutation("evaluateEvent", ", satisfaction: $score", ", $score: Int!")
ESCALATE = step_mutation("escalateEvent", ", note: $note", ", $note: String!")
SUPERVISE = step_mutation("superviseEvent", ", note: $note", ", $note: String!")
COMMENT = step_mutation("commentEvent", ", note: $note", ", $note: String!")


def report_input(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "井盖缺失",
        "description": "人民路与淇河路交叉口东侧井盖缺失，已设临时警示",
        "categoryKey": "city.0601",
        "regionCode": "410611001001001",
    }
    data.update(overrides)
    return data


async def run(
    client: httpx.AsyncClient, document: str, token: str, **variables: Any
) -> dict[str, Any]:
    body = await gql(client, document, variables, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))
