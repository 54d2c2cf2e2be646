"""A public warning reaches citizens' channels through the webhooks that exist: an integration
of the incident's district receives the CAP document, signed; one of another district does not."""

from __future__ import annotations

import json
from typing import Any

import httpx

from api.domains.webhooks import service as webhooks
from api.settings import Settings
from tests.emergencies.helpers import (
    ACTIVATE,
    ALERT,
    OPEN,
    SAVE_PLAN,
    alert_input,
    call,
    city,
    phone_report,
    plan_input,
)
from tests.factories import gql
from tests.webhooks.test_webhooks import REGISTER, _api_key, _deliver_all, receiver  # noqa: F401


async def test_an_alert_is_delivered_to_the_districts_integrations(
    client: httpx.AsyncClient,
    settings: Settings,
    receiver: tuple[str, list[Any]],  # noqa: F811
) -> None:
    base, received = receiver
    people = await city()
    wechat, elsewhere = await _api_key("410611"), await _api_key("410602")
    for key in (wechat, elsewhere):
        registered = await gql(client, REGISTER, {"url": f"{base}/ok"}, headers={"X-Api-Key": key})
        assert registered["data"]["registerWebhook"]["__typename"] == "NewWebhookPayload"
    plan = (await call(client, SAVE_PLAN, people.district, input=plan_input(people)))["plan"]["id"]
    incident = (await call(client, OPEN, people.district, input=phone_report()))["incident"]
    await call(
        client,
        ACTIVATE,
        people.district,
        id=incident["id"],
        plan=plan,
        level="III",
        commander=str(people.commander.id),
    )
    issued = await call(client, ALERT, people.district, id=incident["id"], input=alert_input())

    await webhooks.fan_out()
    await _deliver_all(settings)

    alerts = [json.loads(body) for _, body in received if "alert" in json.loads(body)]
    assert len(alerts) == 1  # the district's integration only
    assert alerts[0]["alert"]["identifier"] == issued["alert"]["identifier"]
    assert alerts[0]["alert"]["status"] == "Actual"
    assert alerts[0]["alert"]["cap"] == issued["alert"]["xml"]
