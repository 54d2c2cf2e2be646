"""Compounds (小区) and building footprints: saved with checked boundaries, drawn on the map as
a layer, and imported with buildings."""

from __future__ import annotations

import json

import httpx
import pytest

from api import geo
from api.domains.hierarchy.models import Compound
from api.domains.registry.models import Building, House
from api.settings import Settings
from tests import factories
from tests.factories import gql
from tests.imports.helpers import csv_bytes, problems, run_import
from tests.maps.helpers import set_boundary, square

COMMUNITY, GRID = "410611001001", "410611001001001"
SAVE = """
mutation($input: SaveCompoundInput!) {
  saveCompound(input: $input) {
    __typename
    ... on CompoundPayload { compound { code communityCode name boundary centre { lat lng } } }
    ... on Error { code field message }
  }
}"""
DRAW = """
mutation($id: ID!, $footprint: JSON, $compound: String, $datum: Datum) {
  setBuildingMap(id: $id, footprint: $footprint, compoundCode: $compound, datum: $datum) {
    __typename
    ... on BuildingMapPayload { building { buildingCode footprint compoundCode houses } }
    ... on Error { code field message }
  }
}"""
LAYER = """
query($scope: String!, $datum: Datum) {
  compoundFeatures(scope: $scope, datum: $datum) {
    __typename ... on CompoundFeatures { collection } ... on Error { code }
  }
}"""


async def _community() -> str:
    await factories.region_tree()
    await set_boundary(COMMUNITY, square(35.6, 114.2, 0.02))
    _, staff = await factories.signed_in("admin", "410611")
    return staff


async def test_compounds_nest_in_their_community_and_do_not_overlap(
    client: httpx.AsyncClient,
) -> None:
    token = await _community()
    first = {
        "code": "XQ-1",
        "communityCode": COMMUNITY,
        "name": "金山花园",
        "boundary": square(35.6, 114.2, 0.005),
    }

    body = await gql(client, SAVE, {"input": first}, token=token)
    assert body["data"]["saveCompound"]["__typename"] == "CompoundPayload"

    overlapping = {
        **first,
        "code": "XQ-2",
        "name": "金山新村",
        "boundary": square(35.603, 114.2, 0.005),
    }
    body = await gql(client, SAVE, {"input": overlapping}, token=token)
    result = body["data"]["saveCompound"]
    assert (result["code"], "XQ-1" in result["message"]) == ("BOUNDARY_OVERLAP", True)

    outside = {**first, "code": "XQ-3", "name": "外面", "boundary": square(35.615, 114.2, 0.01)}
    body = await gql(client, SAVE, {"input": outside}, token=token)
    assert body["data"]["saveCompound"]["code"] == "BOUNDARY_OUTSIDE_PARENT"

    not_a_community = {**first, "code": "XQ-4", "communityCode": GRID}
    body = await gql(client, SAVE, {"input": not_a_community}, token=token)
    assert body["data"]["saveCompound"]["code"] == "INVALID_CODE"
    assert await Compound.all().values_list("code", flat=True) == ["XQ-1"]

    # renamed, and given a GCJ-02 centre (the boundary stays): stored in WGS-84
    centre = geo.wgs84_to_gcj02(35.6025, 114.2025)
    renamed = {
        "code": "XQ-1",
        "communityCode": COMMUNITY,
        "name": "金山花园一期",
        "centre": {"lat": centre[0], "lng": centre[1]},
        "datum": "GCJ02",
    }
    body = await gql(client, SAVE, {"input": renamed}, token=token)
    saved = body["data"]["saveCompound"]["compound"]
    assert saved["name"] == "金山花园一期"
    assert saved["centre"]["lat"] == pytest.approx(35.6025, abs=1e-8)
    assert saved["boundary"] == square(35.6, 114.2, 0.005)


async def test_footprints_and_compounds_of_buildings_make_a_layer(
    client: httpx.AsyncClient,
) -> None:
    token = await _community()
    await gql(
        client,
        SAVE,
        {
            "input": {
                "code": "XQ-1",
                "communityCode": COMMUNITY,
                "name": "金山花园",
                "boundary": square(35.6, 114.2, 0.005),
            }
        },
        token=token,
    )
    building = await Building.create(
        building_code="B1",
        region_code=GRID,
        name="1号楼",
        address="金山路1号",
        lat=35.601,
        lng=114.201,
    )
    await House.create(house_code="H1", region_code=GRID, building=building, address="101")
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    outline = square(35.6009, 114.2009, 0.0002)
    gcj_outline = {
        "type": "Polygon",
        "coordinates": [
            [list(reversed(geo.wgs84_to_gcj02(lat, lng))) for lng, lat in outline["coordinates"][0]]
        ],
    }

    body = await gql(
        client,
        DRAW,
        {"id": str(building.id), "footprint": gcj_outline, "compound": "XQ-1", "datum": "GCJ02"},
        token=staff,
    )
    drawn = body["data"]["setBuildingMap"]["building"]
    assert (drawn["compoundCode"], drawn["houses"]) == ("XQ-1", 1)
    stored = await Building.get(id=building.id)
    for (lng, lat), (want_lng, want_lat) in zip(
        stored.footprint["coordinates"][0], outline["coordinates"][0], strict=True
    ):
        assert lng == pytest.approx(want_lng, abs=1e-8) and lat == pytest.approx(want_lat, abs=1e-8)
    assert stored.version == 2

    body = await gql(client, DRAW, {"id": str(building.id), "compound": "XQ-404"}, token=staff)
    assert body["data"]["setBuildingMap"]["field"] == "compoundCode"
    body = await gql(
        client,
        DRAW,
        {"id": str(building.id), "footprint": {"type": "Point", "coordinates": [114.2, 35.6]}},
        token=staff,
    )
    assert body["data"]["setBuildingMap"]["field"] == "footprint"
    _, other = await factories.signed_in("community_staff", "410602001001")
    body = await gql(client, DRAW, {"id": str(building.id), "compound": "XQ-1"}, token=other)
    assert body["data"]["setBuildingMap"]["__typename"] == "NotFoundError"

    body = await gql(client, LAYER, {"scope": "410611001"}, token=token)
    (feature,) = body["data"]["compoundFeatures"]["collection"]["features"]
    assert feature["properties"] | {"centre": None} == {
        "code": "XQ-1",
        "name": "金山花园",
        "communityCode": COMMUNITY,
        "centre": None,
        "buildings": 1,
        "houses": 1,
    }
    assert feature["geometry"] == square(35.6, 114.2, 0.005)


async def test_buildings_import_with_footprints_and_compounds(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _community()
    await Compound.create(code="XQ-1", community_code=COMMUNITY, name="金山花园")
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    outline = square(35.6009, 114.2009, 0.0002)
    rows = [
        ["楼栋编码", "网格编码", "楼栋名称", "地址", "小区编码", "楼栋轮廓"],
        ["B-1", GRID, "1号楼", "金山路1号", "XQ-1", json.dumps(outline)],
        ["B-2", GRID, "2号楼", "金山路2号", "XQ-404", ""],
        ["B-3", GRID, "3号楼", "金山路3号", "", json.dumps(square(114.2, 35.6, 0.001))],
        ["B-4", GRID, "4号楼", "金山路4号", "", "{not json"],
    ]

    done = await run_import(client, staff, "BUILDINGS", csv_bytes(rows), atomicity="BEST_EFFORT")

    assert sorted(problems(done)) == [
        (3, "compound_code", "UNKNOWN_REFERENCE"),
        (4, "footprint", "INVALID"),
        (5, "footprint", "INVALID"),
    ]
    (imported,) = await Building.all()
    assert (imported.building_code, imported.compound_code, imported.footprint) == (
        "B-1",
        "XQ-1",
        outline,
    )
    assert token


async def test_compounds_import_with_checked_boundaries(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    token = await _community()
    await Compound.create(
        code="XQ-0", community_code=COMMUNITY, name="老小区", boundary=square(35.6, 114.2, 0.005)
    )
    centre = geo.wgs84_to_gcj02(35.611, 114.211)
    rows = [
        ["小区编码", "社区编码", "小区名称", "边界", "中心纬度", "中心经度", "坐标系"],
        ["XQ-1", COMMUNITY, "金山花园", json.dumps(square(35.61, 114.21, 0.005)), "", "", ""],
        ["XQ-2", COMMUNITY, "重叠小区", json.dumps(square(35.602, 114.202, 0.005)), "", "", ""],
        ["XQ-3", COMMUNITY, "出界小区", json.dumps(square(35.615, 114.215, 0.01)), "", "", ""],
        ["XQ-4", GRID, "网格里的小区", "", "", "", ""],
        ["XQ-5", COMMUNITY, "淇河苑", "", centre[0], centre[1], "GCJ02"],
    ]

    done = await run_import(client, token, "COMPOUNDS", csv_bytes(rows), atomicity="BEST_EFFORT")

    assert sorted(problems(done)) == [
        (3, "boundary", "BOUNDARY_OVERLAP"),
        (4, "boundary", "BOUNDARY_OUTSIDE_PARENT"),
        (5, "community_code", "INVALID_CODE"),
    ]
    stored = {c.code: c for c in await Compound.all()}
    assert sorted(stored) == ["XQ-0", "XQ-1", "XQ-5"]
    assert stored["XQ-1"].boundary == square(35.61, 114.21, 0.005)
    assert stored["XQ-5"].centre_lat == pytest.approx(35.611, abs=1e-8)
    assert stored["XQ-5"].centre_lng == pytest.approx(114.211, abs=1e-8)
