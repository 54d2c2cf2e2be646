"""Checked boundaries through the API: nesting, sibling overlap, datum conversion, bad
geometry, and the report of violations already stored."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api import geo
from api.domains.hierarchy.models import Region
from api.settings import Settings
from tests import factories
from tests.factories import gql
from tests.imports.helpers import csv_bytes, problems, run_import
from tests.maps.helpers import set_boundary, square

UPDATE = """
mutation($code: String!, $input: UpdateRegionInput!) {
  updateRegion(code: $code, input: $input) {
    __typename
    ... on RegionPayload { region { code boundary centre { lat lng } } }
    ... on Error { code field message }
  }
}"""
CREATE = """
mutation($input: CreateRegionInput!) {
  createRegion(input: $input) {
    __typename
    ... on RegionPayload { region { code boundary } }
    ... on Error { code field message }
  }
}"""
REPORT = """
query($scope: String!) {
  boundaryViolations(scope: $scope) {
    __typename
    ... on BoundaryReport { violations { regionCode kind otherCode areaM2 } }
    ... on Error { code }
  }
}"""


async def _city() -> str:
    """The test city with a district and two townships side by side (north of each other)."""
    await factories.region_tree()
    await set_boundary("410611", square(35.6, 114.2, 0.3))
    await set_boundary("410611001", square(35.6, 114.2, 0.1))
    await set_boundary("410611002", square(35.7, 114.2, 0.1))
    _, admin = await factories.signed_in("admin", "4106")
    return admin


async def _boundary(code: str) -> Any:
    return (await Region.get(code=code)).boundary


async def test_a_boundary_inside_its_parent_touching_its_neighbour_is_stored(
    client: httpx.AsyncClient,
) -> None:
    admin = await _city()
    moved = square(35.7, 114.25, 0.05)

    body = await gql(
        client, UPDATE, {"code": "410611002", "input": {"boundary": moved}}, token=admin
    )

    assert body["data"]["updateRegion"]["__typename"] == "RegionPayload"
    assert await _boundary("410611002") == moved


async def test_a_township_overlapping_its_neighbour_is_refused_naming_it_and_the_area(
    client: httpx.AsyncClient,
) -> None:
    admin = await _city()
    before = await _boundary("410611002")

    body = await gql(
        client,
        UPDATE,
        {"code": "410611002", "input": {"boundary": square(35.65, 114.2, 0.1)}},
        token=admin,
    )

    result = body["data"]["updateRegion"]
    assert (result["__typename"], result["code"], result["field"]) == (
        "ConflictError",
        "BOUNDARY_OVERLAP",
        "boundary",
    )
    assert "410611001" in result["message"]
    # 0.05° × 0.1° at 35.7° N: 5.5 km × 9.0 km
    area = float(result["message"].split(" by ")[1].split(" m²")[0])
    assert 49e6 < area < 51e6
    assert await _boundary("410611002") == before


async def test_a_sliver_of_overlap_within_the_tolerance_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    admin = await _city()
    # 0.00001° (about a metre) into the neighbour along a 9 km edge: ~10 m² of slack in GIS lines
    body = await gql(
        client,
        UPDATE,
        {"code": "410611002", "input": {"boundary": square(35.69999, 114.2, 0.1)}},
        token=admin,
    )
    assert body["data"]["updateRegion"]["__typename"] == "RegionPayload"


async def test_a_boundary_leaving_its_parent_is_refused_and_so_is_a_parent_shrunk_off_a_child(
    client: httpx.AsyncClient,
) -> None:
    admin = await _city()

    body = await gql(
        client,
        UPDATE,
        {"code": "410611002", "input": {"boundary": square(35.85, 114.2, 0.1)}},
        token=admin,
    )
    assert body["data"]["updateRegion"]["code"] == "BOUNDARY_OUTSIDE_PARENT"
    assert "410611" in body["data"]["updateRegion"]["message"]

    body = await gql(
        client,
        UPDATE,
        {"code": "410611", "input": {"boundary": square(35.6, 114.2, 0.15)}},
        token=admin,
    )
    assert body["data"]["updateRegion"]["code"] == "BOUNDARY_OUTSIDE_PARENT"
    assert "410611002" in body["data"]["updateRegion"]["message"]
    assert await _boundary("410611") == square(35.6, 114.2, 0.3)


async def test_a_new_grid_overlapping_its_sibling_is_not_created(
    client: httpx.AsyncClient,
) -> None:
    admin = await _city()
    await set_boundary("410611001001", square(35.6, 114.2, 0.05))
    await set_boundary("410611001001001", square(35.6, 114.2, 0.02))

    body = await gql(
        client,
        CREATE,
        {
            "input": {
                "code": "410611001001002",
                "name": "第2网格",
                "boundary": square(35.61, 114.2, 0.02),
            }
        },
        token=admin,
    )

    assert body["data"]["createRegion"]["code"] == "BOUNDARY_OVERLAP"
    assert not await Region.exists(code="410611001001002")


async def test_gcj02_boundaries_and_centres_are_stored_in_wgs84(client: httpx.AsyncClient) -> None:
    admin = await _city()
    wgs = square(35.72, 114.22, 0.05)
    gcj = {
        "type": "Polygon",
        "coordinates": [
            [list(reversed(geo.wgs84_to_gcj02(lat, lng))) for lng, lat in wgs["coordinates"][0]]
        ],
    }
    centre = geo.wgs84_to_gcj02(35.745, 114.245)

    body = await gql(
        client,
        UPDATE,
        {
            "code": "410611002",
            "input": {
                "boundary": gcj,
                "centre": {"lat": centre[0], "lng": centre[1]},
                "datum": "GCJ02",
            },
        },
        token=admin,
    )

    assert body["data"]["updateRegion"]["__typename"] == "RegionPayload"
    stored = await Region.get(code="410611002")
    for (lng, lat), (want_lng, want_lat) in zip(
        stored.boundary["coordinates"][0], wgs["coordinates"][0], strict=True
    ):
        assert abs(lng - want_lng) < 1e-8 and abs(lat - want_lat) < 1e-8
    assert abs(stored.centre_lat - 35.745) < 1e-8 and abs(stored.centre_lng - 114.245) < 1e-8


@pytest.mark.parametrize(
    ("boundary", "code"),
    [
        (  # a bow tie
            {
                "type": "Polygon",
                "coordinates": [
                    [[114.2, 35.7], [114.3, 35.8], [114.3, 35.7], [114.2, 35.8], [114.2, 35.7]]
                ],
            },
            "INVALID",
        ),
        (square(114.2, 35.7, 0.05), "OUTSIDE_AREA"),  # latitude and longitude swapped
        (square(35.7, 200.0, 0.05), "INVALID"),  # out of range
        ({**square(35.7, 114.2, 0.05), "crs": {"properties": {"name": "BD09"}}}, "INVALID"),
    ],
)
async def test_bad_boundaries_are_typed_errors_and_nothing_is_written(
    client: httpx.AsyncClient, boundary: dict[str, Any], code: str
) -> None:
    admin = await _city()
    before = await _boundary("410611002")

    body = await gql(
        client, UPDATE, {"code": "410611002", "input": {"boundary": boundary}}, token=admin
    )

    result = body["data"]["updateRegion"]
    assert (result["__typename"], result["code"], result["field"]) == (
        "ValidationError",
        code,
        "boundary.crs" if "crs" in boundary else "boundary",
    )
    assert await _boundary("410611002") == before


async def test_a_swapped_centre_is_flagged(client: httpx.AsyncClient) -> None:
    admin = await _city()
    body = await gql(
        client,
        UPDATE,
        {"code": "410611002", "input": {"centre": {"lat": 114.3, "lng": 35.7}}},
        token=admin,
    )
    result = body["data"]["updateRegion"]
    assert (result["code"], result["field"]) == ("OUTSIDE_AREA", "centre")
    assert "swapped" in result["message"]


async def test_the_report_lists_stored_violations_each_pair_once_in_scope(
    client: httpx.AsyncClient,
) -> None:
    await _city()
    # written past the checks (an old import): overlapping townships, a grid outside its community
    await set_boundary("410611002", square(35.65, 114.2, 0.1))
    await set_boundary("410611001001", square(35.6, 114.2, 0.05))
    await set_boundary("410611001001001", square(35.6, 114.26, 0.02))
    await set_boundary("410602", square(35.9, 114.0, 0.1))
    _, district = await factories.signed_in("district_command", "410611")

    body = await gql(client, REPORT, {"scope": "410611"}, token=district)

    found = {
        (v["regionCode"], v["kind"], v["otherCode"])
        for v in body["data"]["boundaryViolations"]["violations"]
    }
    assert found == {
        ("410611001", "overlaps_sibling", "410611002"),
        ("410611001001001", "outside_parent", "410611001001"),
    }
    body = await gql(client, REPORT, {"scope": "410602"}, token=district)
    assert body["data"]["boundaryViolations"] == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
    }


async def test_imported_boundaries_are_checked_like_the_mutations(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    admin = await _city()
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[114.2, 35.6], [114.21, 35.61], [114.21, 35.6], [114.2, 35.61], [114.2, 35.6]]
        ],
    }
    rows = [
        ["区划代码", "名称", "边界"],
        ["410611002", "九州路街道", json.dumps(square(35.65, 114.2, 0.1))],  # into 410611001
        ["410611001001", "金山社区", json.dumps(square(35.6, 114.2, 0.05))],
        ["410611001010", "桃园社区", json.dumps(square(35.68, 114.28, 0.05))],  # leaves 410611001
        ["410611001001010", "金山社区第10网格", json.dumps(bow_tie)],
    ]

    done = await run_import(client, admin, "REGIONS", csv_bytes(rows), atomicity="BEST_EFFORT")

    assert problems(done) == [
        (2, "boundary", "BOUNDARY_OVERLAP"),
        (4, "boundary", "BOUNDARY_OUTSIDE_PARENT"),
        (5, "boundary", "INVALID"),
    ]
    reasons = [edge["node"]["reason"] for edge in done["errors"]["edges"]]
    assert "410611001" in reasons[0] and " m²" in reasons[0]
    assert await _boundary("410611001001") == square(35.6, 114.2, 0.05)
    assert await _boundary("410611002") == square(35.7, 114.2, 0.1)
    assert await _boundary("410611001010") is None
