"""An Open311 GeoReport v2 client's sequence, written from the specification's examples: list
services, read a service definition, POST a request (form-encoded), then follow it with
GET requests and GET request until it is closed; errors in the spec's format."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import httpx

from api.domains.events.models import Event
from tests import factories
from tests.intake.helpers import api_key, close_event

BASE = "/open311/v2"
W3_FIELDS = ("requested_datetime", "updated_datetime")


def create_form(key: str, **overrides: str) -> dict[str, str]:
    """The spec's example request, with our jurisdiction and a service of our catalogue."""
    form = {
        "api_key": key,
        "jurisdiction_id": "4106",
        "service_code": "city.0601",
        "lat": "35.7412",
        "long": "114.2981",
        "address_string": "淇河路与黄山路交叉口",
        "email": "smit333@example.org",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "13912345678",
        "description": "A large sinkhole is destroying the street",
        "media_url": "http://example.org/2212426634_5ed477a060.jpg",
        "attribute[urgency]": "urgent",
    }
    form.update(overrides)
    return form


def assert_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status and body[0]["description"]


async def test_a_client_reports_and_follows_a_request_to_closed(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    key = await api_key("410611", "civic app")

    services = await client.get(f"{BASE}/services.json", params={"jurisdiction_id": "4106"})
    assert services.status_code == 200
    listed = {s["service_code"]: s for s in services.json()}
    service = listed["city.0601"]
    assert set(service) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert service["metadata"] is True and service["type"] == "realtime" and service["group"]
    assert (await client.get(f"{BASE}/services")).json() == services.json()

    definition = (await client.get(f"{BASE}/services/city.0601.json")).json()
    assert definition["service_code"] == "city.0601"
    urgency = definition["attributes"][0]
    assert (urgency["code"], urgency["datatype"], urgency["required"], urgency["order"]) == (
        "urgency",
        "singlevaluelist",
        False,
        1,
    )
    assert [v["key"] for v in urgency["values"]] == ["normal", "urgent", "major"]

    created = await client.post(f"{BASE}/requests.json", data=create_form(key))
    assert created.status_code == 200, created.text
    [receipt] = created.json()
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}
    request_id = receipt["service_request_id"]
    event = await Event.get(case_number=request_id)
    assert (event.source, event.priority, event.citizen_name) == ("citizen", "urgent", "smith john")
    assert event.citizen_phone == "+8613912345678"
    # No grid boundary holds the point in this test city: the key's district centre triages it.
    assert event.region_code == "410611"

    one = await client.get(f"{BASE}/requests/{request_id}.json", params={"api_key": key})
    [fetched] = one.json()
    assert fetched["status"] == "open" and fetched["status_notes"] is None
    assert fetched["service_code"] == "city.0601" and fetched["service_name"]
    assert fetched["description"] == "A large sinkhole is destroying the street"
    assert (fetched["lat"], fetched["long"]) == (35.7412, 114.2981)
    assert fetched["address"] == "淇河路与黄山路交叉口"
    assert fetched["agency_responsible"] == "淇滨区"
    assert fetched["expected_datetime"] is not None
    assert all(fetched[name].endswith("+00:00") for name in W3_FIELDS)

    open_now = await client.get(
        f"{BASE}/requests.json",
        params={"api_key": key, "status": "open", "service_code": "city.0601,city.0602"},
    )
    assert [r["service_request_id"] for r in open_now.json()] == [request_id]

    await close_event(event.id, result="已回填修复")
    closed = (await client.get(f"{BASE}/requests/{request_id}", headers={"X-Api-Key": key})).json()[
        0
    ]
    assert closed["status"] == "closed" and closed["status_notes"] == "办结"
    assert closed["expected_datetime"] is None
    assert closed["updated_datetime"] >= fetched["updated_datetime"]
    by_id = await client.get(
        f"{BASE}/requests.json",
        params={"api_key": key, "service_request_id": f"{request_id},nope"},
    )
    assert [r["status"] for r in by_id.json()] == ["closed"]
    still_open = await client.get(
        f"{BASE}/requests.json", params={"api_key": key, "status": "open"}
    )
    assert still_open.json() == []


async def test_errors_come_in_the_specs_format_and_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    key = await api_key("410611", "civic app")
    elsewhere = await api_key("410602", "other district")

    cases: list[tuple[Any, int]] = [
        (client.post(f"{BASE}/requests.json", data=create_form(key, service_code="")), 400),
        (client.post(f"{BASE}/requests.json", data=create_form(key, service_code="9z")), 404),
        (client.post(f"{BASE}/requests.json", data=create_form("ggk_nope")), 403),
        (client.post(f"{BASE}/requests.json", data=create_form("")), 400),
        (client.post(f"{BASE}/requests.json", data=create_form(key, phone="12")), 400),
        (client.post(f"{BASE}/requests.json", data=create_form(key, lat="north")), 400),
        (client.post(f"{BASE}/requests.json", data=create_form(key, description="a\x00b")), 400),
        (
            client.post(
                f"{BASE}/requests.json",
                data=create_form(key, lat="", long="", address_string=""),
            ),
            400,
        ),
        (
            client.post(
                f"{BASE}/requests.json", data=create_form(key, **{"attribute[urgency]": "now"})
            ),
            400,
        ),
        (client.post(f"{BASE}/requests.json", data=create_form(key, jurisdiction_id="sf")), 404),
        (client.get(f"{BASE}/services.csv"), 404),
        (client.get(f"{BASE}/services/city.9999.json"), 404),
        (client.get(f"{BASE}/requests.json"), 400),
        (client.get(f"{BASE}/requests.json", params={"api_key": key, "status": "pending"}), 400),
        (
            client.get(
                f"{BASE}/requests.json",
                params={
                    "api_key": key,
                    "start_date": "2010-01-01T00:00:00Z",
                    "end_date": "2010-06-01T00:00:00Z",
                },
            ),
            400,
        ),
        (client.get(f"{BASE}/requests/410611-20260101-00001.json", params={"api_key": key}), 404),
    ]
    for call, status in cases:
        assert_error(await call, status)
    assert await Event.all().count() == 0

    created = await client.post(f"{BASE}/requests.json", data=create_form(key))
    request_id = created.json()[0]["service_request_id"]
    hidden = await client.get(f"{BASE}/requests/{request_id}.json", params={"api_key": elsewhere})
    assert_error(hidden, 404)  # another district's key: out of scope is not found
    assert await Event.all().count() == 1


async def test_the_same_resources_in_the_specs_xml(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    key = await api_key("410611", "civic app")

    services = await client.get(f"{BASE}/services.xml")
    definition = await client.get(f"{BASE}/services/city.0601.xml")
    created = await client.post(f"{BASE}/requests.xml", data=create_form(key))
    missing = await client.get(f"{BASE}/services/city.9999.xml")

    assert services.headers["content-type"].startswith("text/xml")
    assert services.text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    # our own responses, parsed to check their shape
    listed = ElementTree.fromstring(services.content)  # noqa: S314
    assert listed.tag == "services"
    codes = [s.findtext("service_code") for s in listed.findall("service")]
    assert "city.0601" in codes
    assert listed.findtext("service/metadata") == "true"
    attributes = ElementTree.fromstring(definition.content)  # noqa: S314
    assert attributes.findtext("service_code") == "city.0601"
    keys = [v.findtext("key") for v in attributes.findall("attributes/attribute/values/value")]
    assert keys == ["normal", "urgent", "major"]
    receipt = ElementTree.fromstring(created.content)  # noqa: S314
    request_id = receipt.findtext("request/service_request_id")
    assert request_id and await Event.exists(case_number=request_id)
    one = await client.get(f"{BASE}/requests/{request_id}.xml", params={"api_key": key})
    assert ElementTree.fromstring(one.content).findtext("request/status") == "open"  # noqa: S314
    assert missing.status_code == 404
    error = ElementTree.fromstring(missing.content)  # noqa: S314
    assert (error.tag, error.findtext("error/code")) == ("errors", "404")
