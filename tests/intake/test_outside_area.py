"""A point inside a grid the caller's roles do not reach is "outside your area": a typed
OUTSIDE_AREA error for a reporter (not "event <code> not found"), a 400 in Open311's error body
for an integration's key (not a 404 naming a work order). A point in no known grid still goes
to the reporter's grid (or the key's region), whose centre triages it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.domains.events.models import Event
from api.domains.hierarchy import locate
from api.domains.hierarchy.models import Region
from tests import factories
from tests.events.helpers import REPORT, report_input, run
from tests.intake.helpers import api_key
from tests.intake.test_open311 import BASE, assert_error, create_form

OWN_GRID = "410611001001001"
NEIGHBOUR_GRID = "410611002001001"  # another township of the same district
OTHER_DISTRICT_GRID = "410602001001001"


def square(lng: float, lat: float) -> dict[str, Any]:
    ring = [[lng, lat], [lng + 0.01, lat], [lng + 0.01, lat + 0.01], [lng, lat + 0.01]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.fixture
async def mapped(db: None) -> None:
    """Three grids with boundaries, 0.01° apart."""
    await factories.region_tree()
    for code, lng in ((OWN_GRID, 114.30), (NEIGHBOUR_GRID, 114.32), (OTHER_DISTRICT_GRID, 114.34)):
        await Region.filter(code=code).update(boundary=square(lng, 35.74))
    locate.forget()


def at(lng: float) -> dict[str, float]:
    return {"lat": 35.745, "lng": lng}


async def test_a_point_in_a_grid_outside_the_reporters_is_outside_their_area(
    client: httpx.AsyncClient, mapped: None
) -> None:
    _, worker = await factories.signed_in("grid_worker", OWN_GRID)

    results = [
        await run(client, REPORT, worker, input=report_input(regionCode=None, location=at(lng)))
        for lng in (114.325, 114.345)
    ]
    inside = await run(
        client, REPORT, worker, input=report_input(regionCode=None, location=at(114.305))
    )

    for result in results:
        assert (result["__typename"], result["code"], result["field"]) == (
            "ValidationError",
            "OUTSIDE_AREA",
            "location",
        ), result
        assert "not found" not in result["message"] and "outside your area" in result["message"]
    assert inside["event"]["regionCode"] == OWN_GRID
    assert await Event.all().count() == 1


async def test_an_open311_request_outside_the_keys_region_is_a_400(
    client: httpx.AsyncClient, mapped: None
) -> None:
    key = await api_key("410611", "civic app")

    elsewhere = await client.post(
        f"{BASE}/requests.json", data=create_form(key, lat="35.745", long="114.345")
    )
    as_xml = await client.post(
        f"{BASE}/requests.xml", data=create_form(key, lat="35.745", long="114.345")
    )
    inside = await client.post(
        f"{BASE}/requests.json", data=create_form(key, lat="35.745", long="114.325")
    )

    assert_error(elsewhere, 400)
    description = elsewhere.json()[0]["description"]
    assert "outside" in description and "not found" not in description
    assert "work order" not in description.lower()
    assert as_xml.status_code == 400 and b"<errors>" in as_xml.content
    assert inside.status_code == 200, inside.text
    assert await Event.all().count() == 1
