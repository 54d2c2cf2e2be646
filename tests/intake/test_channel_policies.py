"""Role × level for the channels' operations, through HTTP, against policies/policy.csv: only
citizens reach the appeal operations and only integrations the work-order ones."""

from __future__ import annotations

from typing import Any

import httpx

from api.regions import ORDER
from policies.enforcer import get_enforcer
from tests import factories
from tests.factories import error_codes, gql
from tests.intake.helpers import api_key
from tests.test_policy_matrix import TARGET

SUBMIT_APPEAL = """
mutation($code: String!) {
  submitAppeal(input: {title: "路灯不亮", categoryKey: "city.0601", regionCode: $code}) { __typename }
}"""
SUBMIT_WORK_ORDER = """
mutation($code: String!) {
  submitWorkOrder(input: {ticketId: $code, idempotencyKey: $code, content: "路灯不亮",
                          categoryKey: "city.0601", regionCode: $code}) { __typename }
}"""
READS = [
    ("appeal", "read", "{ myAppeals { totalCount } }"),
    ("work_order", "read", '{ workOrder(ticketId: "none") { ticketId } }'),
]


def allowed(body: dict[str, Any]) -> bool:
    codes = error_codes(body)
    assert set(codes) <= {"FORBIDDEN"}, body
    return not codes


async def test_every_role_reaches_exactly_the_channel_operations_policy_allows(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    enforcer = get_enforcer()
    mismatches = []
    for role in sorted({rule[0] for rule in enforcer.rules()}):
        for held_at in ORDER:
            if not enforcer.may_hold(role, held_at) or role == "department_staff":
                continue
            token = await factories.token_for(await factories.user(role, TARGET[held_at]))
            for obj, action, document in READS:
                expected = bool(enforcer.levels(role, obj, action))
                if allowed(await gql(client, document, token=token)) != expected:
                    mismatches.append((role, held_at, obj, action))
            for target in ORDER[ORDER.index(held_at) :]:
                for obj, document in (("appeal", SUBMIT_APPEAL), ("work_order", SUBMIT_WORK_ORDER)):
                    expected = enforcer.allows(role, target, obj, "submit")
                    body = await gql(client, document, {"code": TARGET[target]}, token=token)
                    if allowed(body) != expected:
                        mismatches.append((role, held_at, target, obj, body))
    assert not mismatches, mismatches[:5]


async def test_an_integration_reaches_work_orders_and_not_appeals(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    key = {"X-Api-Key": await api_key("410611")}

    appeals = await gql(client, "{ myAppeals { totalCount } }", headers=key)
    submitted = await gql(client, SUBMIT_WORK_ORDER, {"code": "410611001001001"}, headers=key)
    elsewhere = await gql(client, SUBMIT_WORK_ORDER, {"code": "410602001001001"}, headers=key)

    assert error_codes(appeals) == ["FORBIDDEN"]
    assert submitted["data"]["submitWorkOrder"]["__typename"] == "WorkOrderPayload"
    assert elsewhere["data"]["submitWorkOrder"]["__typename"] == "ValidationError"  # OUTSIDE_AREA
