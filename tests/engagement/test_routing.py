"""Routing per channel (渠道分拨): rules as data per channel and region with their history; the
receiving level is the event's handling level from its first step, named in the timeline."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.domains.engagement.models import ChannelRule
from api.domains.events.models import Event, TimelineEntry
from api.settings import Settings
from tests import factories
from tests.engagement.helpers import set_rule
from tests.engagement.test_citizens import appeal, citizen, submit
from tests.factories import error_codes, gql
from tests.intake.helpers import api_key
from tests.intake.test_work_orders import submit as submit_work_order
from tests.intake.test_work_orders import work_order

RULES = """
query($r: String!, $channel: CitizenChannel) {
  channelRules(regionCode: $r, channel: $channel, first: 10) {
    totalCount edges { node { channel regionCode receiver note setBy } }
  }
}"""
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 400


@pytest.fixture
def files_in_tmp(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")


async def test_hotline_rules_route_and_keep_their_history(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, district = await factories.signed_in("district_command", "410611")
    key = await api_key("410611")

    to_grid = await submit_work_order(client, key, work_order())
    first = await set_rule(client, district, "HOTLINE", "410611", "DISTRICT_CENTRE")
    to_district = await submit_work_order(
        client, key, work_order(ticketId="t-2", idempotencyKey="k-2")
    )
    second = await set_rule(client, district, "HOTLINE", "410611", "GRID")
    back_to_grid = await submit_work_order(
        client, key, work_order(ticketId="t-3", idempotencyKey="k-3")
    )
    history = await gql(client, RULES, {"r": "410611001", "channel": "HOTLINE"}, token=district)

    assert first["__typename"] == second["__typename"] == "ChannelRulePayload"
    handling = [
        s["workOrder"]["event"]["handlingRegionCode"] for s in (to_grid, to_district, back_to_grid)
    ]
    assert handling == ["410611001001001", "410611", "410611001001001"]
    routed = await TimelineEntry.get(
        event_id=to_district["workOrder"]["event"]["uuid"], action="report"
    )
    assert routed.to_region_code == "410611"
    assert routed.note == "渠道分拨: hotline → 区县指挥中心 (rule of 410611)"
    rules = history["data"]["channelRules"]
    assert rules["totalCount"] == 2
    assert [e["node"]["receiver"] for e in rules["edges"]] == ["GRID", "DISTRICT_CENTRE"]
    assert rules["edges"][0]["node"]["note"] == "分拨到中心"
    assert await ChannelRule.all().count() == 2  # rules are only added


async def test_the_deepest_rule_wins_and_other_channels_are_untouched(
    client: httpx.AsyncClient, files_in_tmp: None
) -> None:
    await factories.region_tree()
    _, city = await factories.signed_in("city_command", "4106")
    await set_rule(client, city, "CITIZEN_APP", "4106", "DISTRICT_CENTRE")
    await set_rule(client, city, "CITIZEN_APP", "410611001", "TOWNSHIP_CENTRE")
    await set_rule(client, city, "HOTLINE", "4106", "TOWNSHIP_CENTRE")
    token = await citizen(client, "13912345678")

    jinshan = await submit(client, token, appeal(), photos=[("现场.mp4", MP4)])
    jiuzhou = await submit(client, token, appeal(regionCode="410611002001001", location=None))

    assert [p["contentType"] for p in jinshan["appeal"]["photos"]] == ["video/mp4"]
    assert (await Event.get(id=jinshan["appeal"]["uuid"])).handling_region_code == "410611001"
    assert (await Event.get(id=jiuzhou["appeal"]["uuid"])).handling_region_code == "410611"


async def test_open311_requests_follow_their_own_rule(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, city = await factories.signed_in("city_command", "4106")
    await set_rule(client, city, "OPEN311", "4106", "DISTRICT_CENTRE")
    await set_rule(client, city, "HOTLINE", "4106", "TOWNSHIP_CENTRE")
    key = await api_key("410611001", name="open311 client")
    from tests.intake.test_open311 import BASE, create_form

    created = await client.post(f"{BASE}/requests.json", data=create_form(key, lat="", long=""))

    assert created.status_code == 200, created.text
    event = await Event.get(case_number=created.json()[0]["service_request_id"])
    assert (event.region_code, event.handling_region_code) == ("410611001", "410611")


@pytest.mark.parametrize(
    ("region", "receiver", "code", "field"),
    [
        ("410611001001", "TOWNSHIP_CENTRE", "INVALID", "receiver"),  # a centre above the region
        ("4106119", "GRID", "INVALID_CODE", "regionCode"),
        ("410699", "GRID", "NOT_FOUND", "regionCode"),
    ],
)
async def test_bad_rules_are_typed_errors_and_write_nothing(
    client: httpx.AsyncClient, region: str, receiver: str, code: str, field: str
) -> None:
    await factories.region_tree()
    _, city = await factories.signed_in("city_command", "4106")

    refused = await set_rule(client, city, "WECHAT", region, receiver)

    assert (refused["code"], refused["field"]) == (code, field)
    assert await ChannelRule.all().count() == 0


async def test_only_commands_set_rules_and_only_in_their_area(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", "410611001")
    _, other_district = await factories.signed_in("district_command", "410602")

    forbidden = await gql(
        client,
        'mutation { setChannelRule(channel: WECHAT, regionCode: "410611001",'
        " receiver: TOWNSHIP_CENTRE) { __typename } }",
        token=township,
    )
    elsewhere = await set_rule(client, other_district, "WECHAT", "410611", "DISTRICT_CENTRE")
    not_theirs = await gql(client, RULES, {"r": "410611"}, token=other_district)

    assert error_codes(forbidden) == ["FORBIDDEN"]
    assert elsewhere["code"] == "NOT_FOUND"
    assert error_codes(not_theirs) == ["NOT_FOUND"]
    assert await ChannelRule.all().count() == 0
