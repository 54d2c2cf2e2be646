"""Hotline work orders: idempotent intake under concurrent retries, status by ticket, follow-ups,
callbacks, typed errors that write nothing, and status changes at the hotline's own webhook."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.domains.events.models import Event, TimelineEntry
from api.domains.intake.models import WorkOrder
from api.domains.notices.models import Notice
from api.domains.webhooks import service as webhooks
from api.settings import Settings
from tests import factories
from tests.factories import error_codes, gql
from tests.intake.helpers import api_key, close_event, receiver_server

GRID = "410611001001001"
WORK_ORDER = """
  workOrder { ticketId callerName callerPhone callbackSatisfaction
    event { uuid caseNumber status source priority regionCode handlingRegionCode citizenName satisfaction } }
"""
SUBMIT = f"""
mutation($input: WorkOrderInput!) {{
  submitWorkOrder(input: $input) {{
    __typename
    ... on WorkOrderPayload {{ created {WORK_ORDER} }}
    ... on Error {{ code field message }}
  }}
}}"""
STATUS = """
query($ticket: String!) {
  workOrder(ticketId: $ticket) { ticketId event { status caseNumber timeline { action note } } }
}"""
FOLLOW_UP = f"""
mutation($ticket: String!, $note: String!) {{
  addWorkOrderFollowUp(ticketId: $ticket, note: $note) {{
    __typename
    ... on WorkOrderStepPayload {{ entry {{ action note }} {WORK_ORDER} }}
    ... on Error {{ code field message }}
  }}
}}"""
CALLBACK = f"""
mutation($ticket: String!, $score: Int!, $note: String!) {{
  recordWorkOrderCallback(ticketId: $ticket, satisfaction: $score, note: $note) {{
    __typename
    ... on WorkOrderStepPayload {{ entry {{ action toStatus }} {WORK_ORDER} callbackNote: workOrder {{ callbackNote callbackAt }} }}
    ... on Error {{ code field message }}
  }}
}}"""
REGISTER = """
mutation($url: String!, $own: Boolean! = false) {
  registerWebhook(url: $url, ownSubmissionsOnly: $own) { __typename ... on NewWebhookPayload { secret } }
}"""
FILE = """
mutation($id: ID!) { fileEvent(id: $id) { __typename ... on EventPayload { event { status } } } }
"""


def work_order(**overrides: Any) -> dict[str, Any]:
    data = {
        "ticketId": "12345-20261125-0001",
        "idempotencyKey": "attempt-0001",
        "content": "淇河路与黄山路交叉口井盖缺失，夜间有行人跌倒风险",
        "categoryKey": "city.0601",
        "callerName": "王女士",
        "callerPhone": "139 1234 5678",
        "urgency": "URGENT",
        "regionCode": GRID,
        "address": "淇河路与黄山路交叉口",
    }
    data.update(overrides)
    return data


async def submit(client: httpx.AsyncClient, key: str, data: dict[str, Any]) -> dict[str, Any]:
    body = await gql(client, SUBMIT, {"input": data}, headers={"X-Api-Key": key})
    assert "errors" not in body, body
    return body["data"]["submitWorkOrder"]


async def test_three_concurrent_retries_make_one_event(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    key = await api_key("410611")

    results = await asyncio.gather(*(submit(client, key, work_order()) for _ in range(3)))

    assert {r["__typename"] for r in results} == {"WorkOrderPayload"}
    assert sorted(r["created"] for r in results) == [False, False, True]
    assert len({r["workOrder"]["event"]["uuid"] for r in results}) == 1
    assert await Event.all().count() == 1 and await WorkOrder.all().count() == 1
    event = results[0]["workOrder"]["event"]
    assert (event["source"], event["priority"], event["status"]) == (
        "HOTLINE",
        "URGENT",
        "REPORTED",
    )
    assert event["regionCode"] == GRID and event["citizenName"] == "王女士"
    assert results[0]["workOrder"]["callerPhone"] == "139****5678"  # stored +8613912345678

    again = await submit(client, key, work_order())
    assert again["created"] is False and again["workOrder"]["event"]["uuid"] == event["uuid"]


async def test_a_burst_of_retries_never_mistakes_its_own_ticket_for_a_duplicate(
    client: httpx.AsyncClient,
) -> None:
    # Twenty at once overlap the first attempt's commit in every way; a retry that saw the ticket
    # but not the key (two reads straddling the commit) would answer ALREADY_EXISTS.
    await factories.region_tree()
    key = await api_key("410611")

    for round_number in range(3):
        data = work_order(ticketId=f"burst-{round_number}", idempotencyKey=f"burst-{round_number}")
        results = await asyncio.gather(*(submit(client, key, data) for _ in range(20)))
        assert {r["__typename"] for r in results} == {"WorkOrderPayload"}, results
        assert sum(r["created"] for r in results) == 1
    assert await Event.all().count() == 3 and await WorkOrder.all().count() == 3


async def test_a_reused_key_or_ticket_is_a_typed_conflict_and_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    key = await api_key("410611")
    await submit(client, key, work_order())

    other_body = await submit(client, key, work_order(content="另一件事：路灯不亮"))
    same_ticket = await submit(client, key, work_order(idempotencyKey="attempt-0002"))

    assert other_body == {
        "__typename": "ConflictError",
        "code": "IDEMPOTENCY_KEY_REUSED",
        "field": "idempotencyKey",
        "message": "this idempotency key was used for a different work order",
    }
    assert (same_ticket["__typename"], same_ticket["code"], same_ticket["field"]) == (
        "ConflictError",
        "ALREADY_EXISTS",
        "ticketId",
    )
    assert await Event.all().count() == 1 and await WorkOrder.all().count() == 1


async def test_another_hotline_may_use_the_same_ticket_and_key(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    first, second = await api_key("410611", "12345"), await api_key("410611", "WeChat")

    one = await submit(client, first, work_order())
    two = await submit(client, second, work_order())

    assert one["created"] and two["created"]
    assert one["workOrder"]["event"]["uuid"] != two["workOrder"]["event"]["uuid"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"categoryKey": "city.9999"}, "categoryKey"),
        ({"callerPhone": "12345"}, "callerPhone"),
        ({"content": "   "}, "content"),
        ({"ticketId": ""}, "ticketId"),
        ({"regionCode": "41061"}, "regionCode"),
        ({"location": {"lat": 95.0, "lng": 114.3}, "regionCode": None}, "location"),
    ],
)
async def test_bad_input_gets_a_typed_error_and_writes_nothing(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    await factories.region_tree()
    key = await api_key("410611")

    result = await submit(client, key, work_order(**overrides))

    assert (result["__typename"], result["field"]) == ("ValidationError", field), result
    assert await Event.all().count() == 0 and await WorkOrder.all().count() == 0


async def test_text_longer_than_its_column_is_refused_before_anything_runs(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    key = await api_key("410611")

    body = await gql(
        client, SUBMIT, {"input": work_order(idempotencyKey="x" * 101)}, headers={"X-Api-Key": key}
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "$input.idempotencyKey" in body["errors"][0]["message"]
    assert await Event.all().count() == 0 and await WorkOrder.all().count() == 0


async def test_out_of_region_and_non_integrations_are_refused(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    key = await api_key("410611")
    _, worker = await factories.signed_in("grid_worker", GRID)

    elsewhere = await submit(client, key, work_order(regionCode="410602001001001"))
    by_user = await gql(client, SUBMIT, {"input": work_order()}, token=worker)

    assert (elsewhere["__typename"], elsewhere["code"]) == ("ValidationError", "OUTSIDE_AREA")
    assert error_codes(by_user) == ["FORBIDDEN"]
    assert await Event.all().count() == 0 and await WorkOrder.all().count() == 0


async def test_status_by_ticket_follow_up_and_callback(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    key, other = await api_key("410611"), await api_key("410611", "other hotline")
    leader = await factories.user("grid_leader", GRID)
    created = await submit(client, key, work_order())
    event_id = uuid.UUID(created["workOrder"]["event"]["uuid"])
    headers = {"X-Api-Key": key}

    status = await gql(client, STATUS, {"ticket": "12345-20261125-0001"}, headers=headers)
    foreign = await gql(
        client, STATUS, {"ticket": "12345-20261125-0001"}, headers={"X-Api-Key": other}
    )
    assert status["data"]["workOrder"]["event"]["status"] == "REPORTED"
    assert foreign["data"]["workOrder"] is None

    added = await gql(
        client,
        FOLLOW_UP,
        {"ticket": "12345-20261125-0001", "note": "来电补充：井盖旁有积水"},
        headers=headers,
    )
    result = added["data"]["addWorkOrderFollowUp"]
    assert result["entry"] == {"action": "FOLLOW_UP", "note": "来电补充：井盖旁有积水"}
    assert await Notice.filter(user_id=leader.id, kind="follow_up").count() == 1

    early = await gql(
        client, CALLBACK, {"ticket": "12345-20261125-0001", "score": 5, "note": ""}, headers=headers
    )
    assert early["data"]["recordWorkOrderCallback"]["code"] == "INVALID_TRANSITION"

    await close_event(event_id)
    late_follow_up = await gql(
        client, FOLLOW_UP, {"ticket": "12345-20261125-0001", "note": "再补充"}, headers=headers
    )
    out_of_range = await gql(
        client, CALLBACK, {"ticket": "12345-20261125-0001", "score": 6, "note": ""}, headers=headers
    )
    done = await gql(
        client,
        CALLBACK,
        {"ticket": "12345-20261125-0001", "score": 4, "note": "回访：基本满意"},
        headers=headers,
    )

    assert late_follow_up["data"]["addWorkOrderFollowUp"]["code"] == "INVALID_TRANSITION"
    assert out_of_range["data"]["recordWorkOrderCallback"]["field"] == "satisfaction"
    payload = done["data"]["recordWorkOrderCallback"]
    assert payload["entry"] == {"action": "EVALUATE", "toStatus": "EVALUATED"}
    assert payload["workOrder"]["callbackSatisfaction"] == 4
    assert payload["workOrder"]["event"]["satisfaction"] == 4
    assert payload["callbackNote"]["callbackNote"] == "回访：基本满意"
    twice = await gql(
        client, CALLBACK, {"ticket": "12345-20261125-0001", "score": 1, "note": ""}, headers=headers
    )
    assert twice["data"]["recordWorkOrderCallback"]["code"] == "INVALID_TRANSITION"
    actions = [e.action.value for e in await TimelineEntry.filter(event_id=event_id).order_by("id")]
    assert actions.count("follow_up") == 1 and actions[-1] == "evaluate"


@pytest.fixture
async def received(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    # webhooks reach loopback only when it is listed: this receiver listens there
    monkeypatch.setattr(settings, "gridgov_webhook_allowed_networks", ["127.0.0.1/32"])
    log: list[tuple[dict[str, str], bytes]] = []
    server = receiver_server(log)
    url = await anext(server)
    yield url, log
    await anext(server, None)


async def test_status_changes_reach_the_hotlines_webhook_signed_with_its_ticket(
    client: httpx.AsyncClient,
    settings: Settings,
    received: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, log = received
    await factories.region_tree()
    key = await api_key("410611")
    secret = (await gql(client, REGISTER, {"url": url}, headers={"X-Api-Key": key}))["data"][
        "registerWebhook"
    ]["secret"]
    created = await submit(client, key, work_order())
    _, leader = await factories.signed_in("grid_leader", GRID)
    event_id = created["workOrder"]["event"]["uuid"]
    filed = await gql(client, FILE, {"id": event_id}, token=leader)
    assert filed["data"]["fileEvent"]["event"]["status"] == "FILED"

    await webhooks.fan_out()
    for delivery_id in await webhooks.due_deliveries():
        await webhooks.deliver(
            delivery_id,
            service_key=settings.secret_key(),
            allowed_networks=settings.gridgov_webhook_allowed_networks,
        )

    bodies = [json.loads(body) for _, body in log]
    assert [(b["action"], b["event"]["status"]) for b in bodies] == [
        ("report", "reported"),
        ("file", "filed"),
    ]
    assert all(b["work_order"] == {"ticket_id": "12345-20261125-0001"} for b in bodies)
    for headers, body in log:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-gridgov-signature"], expected)


async def test_a_webhook_for_own_submissions_hears_only_of_its_work_orders(
    client: httpx.AsyncClient,
    settings: Settings,
    received: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, log = received
    await factories.region_tree()
    key = await api_key("410611")
    registered = await gql(client, REGISTER, {"url": url, "own": True}, headers={"X-Api-Key": key})
    assert registered["data"]["registerWebhook"]["__typename"] == "NewWebhookPayload"
    _, worker = await factories.signed_in("grid_worker", GRID)
    patrol = await gql(
        client,
        "mutation($input: ReportEventInput!) { reportEvent(input: $input) { __typename } }",
        {"input": {"title": "占道经营", "categoryKey": "city.0502", "regionCode": GRID}},
        token=worker,
    )
    assert patrol["data"]["reportEvent"]["__typename"] == "EventPayload"
    await submit(client, key, work_order())

    assert await webhooks.fan_out() == 1
    for delivery_id in await webhooks.due_deliveries():
        await webhooks.deliver(
            delivery_id,
            service_key=settings.secret_key(),
            allowed_networks=settings.gridgov_webhook_allowed_networks,
        )

    [(_, body)] = log
    assert json.loads(body)["work_order"] == {"ticket_id": "12345-20261125-0001"}


async def test_a_hotline_pages_through_its_own_work_orders(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    key, other = await api_key("410611"), await api_key("410611", "other hotline")
    for number in range(3):
        await submit(client, key, work_order(ticketId=f"t-{number}", idempotencyKey=f"k-{number}"))
    listing = """
    query($after: String) {
      workOrders(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { ticketId } }
      }
    }"""

    first = (await gql(client, listing, headers={"X-Api-Key": key}))["data"]["workOrders"]
    cursor = first["pageInfo"]["endCursor"]
    second = (await gql(client, listing, {"after": cursor}, headers={"X-Api-Key": key}))["data"][
        "workOrders"
    ]
    foreign = (await gql(client, listing, headers={"X-Api-Key": other}))["data"]["workOrders"]

    assert [e["node"]["ticketId"] for e in first["edges"]] == ["t-2", "t-1"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    assert [e["node"]["ticketId"] for e in second["edges"]] == ["t-0"]
    assert not second["pageInfo"]["hasNextPage"]
    assert foreign["totalCount"] == 0 and foreign["edges"] == []
