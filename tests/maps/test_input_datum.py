"""Every coordinate input takes a datum: a GCJ-02 point (what AMap and Tencent maps give) is
converted to WGS-84 at the edge and stored as the WGS-84 point it stands for."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type

from api import clock, geo
from api.domains.events.models import Event
from api.domains.hierarchy.models import Region
from api.domains.positions.models import WorkerPosition
from api.domains.registry.models import Building
from api.settings import Environment, Settings
from schema import build_schema
from tests import factories
from tests.events.helpers import REPORT, report_input
from tests.factories import gql
from tests.imports.helpers import csv_bytes, problems, run_import
from tests.maps.helpers import square

GRID = "410611001001001"
# A point in 淇滨区 and what a Chinese map shows for it (~500 m away).
WGS = (35.7412, 114.2983)
GCJ = geo.wgs84_to_gcj02(*WGS)


def _close(lat: float | None, lng: float | None) -> bool:
    assert lat is not None and lng is not None
    return abs(lat - WGS[0]) < 1e-8 and abs(lng - WGS[1]) < 1e-8


def test_every_input_with_coordinates_takes_a_datum() -> None:
    graphql = build_schema(Settings(gridgov_env=Environment.TEST))._schema
    missing = []
    for name, named in graphql.type_map.items():
        if isinstance(named, GraphQLInputObjectType):
            fields = set(named.fields)
            # NearInput's datum is its MapAreaInput's (as BoxInput's)
            if {"lat", "lng"} <= fields and "datum" not in fields and name != "NearInput":
                missing.append(name)
            for field_name, field in named.fields.items():
                if field_name == "datum":
                    assert get_named_type(field.type).name == "Datum", name
        if isinstance(named, GraphQLObjectType) and name in ("Query", "Mutation"):
            for field_name, field in named.fields.items():
                if {"lat", "lng"} <= set(field.args) and "datum" not in field.args:
                    missing.append(f"{name}.{field_name}")
    assert missing == []


async def test_an_event_reported_from_a_gcj02_map_is_stored_in_wgs84(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    location = {"lat": GCJ[0], "lng": GCJ[1], "datum": "GCJ02"}

    body = await gql(client, REPORT, {"input": report_input(location=location)}, token=worker)

    event = await Event.get(id=body["data"]["reportEvent"]["event"]["uuid"])
    assert _close(event.lat, event.lng)


async def test_a_worker_position_and_a_building_in_gcj02_are_stored_in_wgs84(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    user, worker = await factories.signed_in("grid_worker", "410611001001001")
    body = await gql(
        client,
        """mutation($lat: Float!, $lng: Float!, $at: DateTime!) {
          reportPosition(lat: $lat, lng: $lng, accuracy: 5, at: $at, datum: GCJ02) { __typename }
        }""",
        {"lat": GCJ[0], "lng": GCJ[1], "at": clock.now().isoformat()},
        token=worker,
    )
    assert body["data"]["reportPosition"]["__typename"] == "PositionPayload", body
    position = await WorkerPosition.get(user_id=user.id)
    assert _close(position.lat, position.lng)

    _, staff = await factories.signed_in("community_staff", "410611001001")
    fields = {"buildingCode": "B-GCJ", "name": "1号楼", "address": "金山路1号"}
    body = await gql(
        client,
        """mutation($input: BuildingFieldsInput!) {
          registerBuilding(regionCode: "410611001001001", input: $input) { __typename }
        }""",
        {"input": {**fields, "lat": GCJ[0], "lng": GCJ[1], "datum": "GCJ02"}},
        token=staff,
    )
    assert body["data"]["registerBuilding"]["__typename"] == "BuildingPayload", body
    building = await Building.get(building_code="B-GCJ")
    assert _close(building.lat, building.lng)


@pytest.mark.parametrize(
    ("point", "input_datum"),
    [
        ({"lat": GCJ[0], "lng": GCJ[1], "datum": "GCJ02"}, "WGS84"),  # the point's own datum
        ({"lat": GCJ[0], "lng": GCJ[1], "datum": "GCJ02"}, "GCJ02"),  # both: not twice
        ({"lat": GCJ[0], "lng": GCJ[1]}, "GCJ02"),  # the input's datum
        ({"lat": WGS[0], "lng": WGS[1], "datum": "WGS84"}, "GCJ02"),  # the point's own wins
    ],
)
async def test_a_centre_converts_once_by_its_own_datum_or_the_inputs(
    client: httpx.AsyncClient, point: dict[str, Any], input_datum: str
) -> None:
    await factories.region_tree()
    await Region.filter(code="410611").update(boundary=square(35.6, 114.2, 0.3))
    _, admin = await factories.signed_in("admin", "4106")
    body = await gql(
        client,
        """mutation($input: UpdateRegionInput!) {
          updateRegion(code: "410611002", input: $input) { __typename ... on Error { code } }
        }""",
        {"input": {"centre": point, "datum": input_datum}},
        token=admin,
    )
    assert body["data"]["updateRegion"]["__typename"] == "RegionPayload", body
    region = await Region.get(code="410611002")
    assert _close(region.centre_lat, region.centre_lng)


async def test_an_unknown_datum_is_refused_before_anything_runs(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    location = {"lat": GCJ[0], "lng": GCJ[1], "datum": "BD09"}

    body = await gql(client, REPORT, {"input": report_input(location=location)}, token=worker)

    assert body["data"] is None
    (error,) = body["errors"]
    assert "Datum" in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await Event.all().count() == 0


async def test_imported_points_and_outlines_take_the_rows_datum(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    outline = square(WGS[0], WGS[1], 0.0003)
    in_gcj = {
        "type": "Polygon",
        "coordinates": [
            [list(reversed(geo.wgs84_to_gcj02(lat, lng))) for lng, lat in outline["coordinates"][0]]
        ],
    }
    rows = [
        ["楼栋编码", "网格编码", "楼栋名称", "地址", "纬度", "经度", "楼栋轮廓", "坐标系"],
        ["B-1", GRID, "1号楼", "金山路1号", GCJ[0], GCJ[1], json.dumps(in_gcj), "GCJ-02"],
        ["B-2", GRID, "2号楼", "金山路2号", WGS[0], WGS[1], json.dumps(outline), ""],
        ["B-3", GRID, "3号楼", "金山路3号", WGS[1], WGS[0], "", "WGS84"],  # swapped
        ["B-4", GRID, "4号楼", "金山路4号", GCJ[0], GCJ[1], "", "BD09"],  # unknown datum
        ["B-5", GRID, "5号楼", "金山路5号", WGS[0], "", "", ""],  # half a point
    ]

    done = await run_import(client, admin, "BUILDINGS", csv_bytes(rows), atomicity="BEST_EFFORT")

    assert sorted(problems(done)) == [
        (4, "lat", "INVALID"),
        (5, "datum", "INVALID"),
        (6, "lng", "REQUIRED"),
    ]
    first, second = await Building.all().order_by("building_code")
    assert _close(first.lat, first.lng) and _close(second.lat, second.lng)
    for stored in (first.footprint, second.footprint):
        for (lng, lat), (want_lng, want_lat) in zip(
            stored["coordinates"][0], outline["coordinates"][0], strict=True
        ):
            assert abs(lng - want_lng) < 1e-8 and abs(lat - want_lat) < 1e-8

    rows = [
        ["区划代码", "名称", "中心纬度", "中心经度", "坐标系"],
        ["410611001001002", "金山社区第2网格", GCJ[0], GCJ[1], "GCJ02"],
    ]
    done = await run_import(client, admin, "REGIONS", csv_bytes(rows))
    assert problems(done) == []
    region = await Region.get(code="410611001001002")
    assert _close(region.centre_lat, region.centre_lng)
