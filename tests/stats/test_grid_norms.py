"""Grid norms through the API: grids outside the household band of their type (bands as data),
households per staff member against a norm set per region, in a query and the dashboard."""

from __future__ import annotations

import httpx

from api.domains.hierarchy.enums import UrbanRural
from api.domains.hierarchy.models import Region
from api.domains.stats.models import StaffingNorm
from tests import factories
from tests.factories import error_codes, gql

NORMS = """
query($scope: String!) {
  gridNorms(scope: $scope) {
    __typename
    ... on GridNorms {
      scope grids gridsBelowBand gridsAboveBand
      bands { urbanRural minHouseholds maxHouseholds }
      staffing { regionCode households staff householdsPerStaff norm normRegionCode staffNeeded meetsNorm }
      children { regionCode households staff meetsNorm }
    }
    ... on Error { code field }
  }
}"""
OUTSIDE = """
query($scope: String!, $first: Int, $after: String) {
  gridsOutsideBand(scope: $scope, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { code households urbanRural below band { minHouseholds maxHouseholds } } }
  }
}"""
SET_NORM = """
mutation($code: String!, $n: Int) {
  setStaffingNorm(regionCode: $code, householdsPerStaff: $n) {
    __typename
    ... on RegionStaffing { regionCode norm normRegionCode staffNeeded meetsNorm }
    ... on Error { code field }
  }
}"""
SET_BAND = """
mutation($kind: UrbanRural!, $low: Int!, $high: Int!) {
  setGridNormBand(urbanRural: $kind, minHouseholds: $low, maxHouseholds: $high) {
    __typename
    ... on GridNormBand { urbanRural minHouseholds maxHouseholds }
    ... on Error { code field }
  }
}"""
DASHBOARD = """
query($scope: String!) {
  dashboard(scope: $scope) {
    ... on Dashboard { gridNorms { gridsBelowBand gridsAboveBand staffing { staff meetsNorm } } }
  }
}"""


async def _city() -> None:
    """The test city: every grid holds 300 households; one is small, one village's grid big."""
    await factories.region_tree()
    await Region.filter(code="410611001001001").update(households=150)  # urban: below 200
    await Region.filter(code="410611001010").update(urban_rural=UrbanRural.RURAL)
    await Region.filter(code="410611001010001").update(households=350)  # rural: above 300
    await factories.user("grid_worker", "410611001001001")
    await factories.user("grid_worker", "410611001001010")
    await factories.user("community_staff", "410611001001")


async def test_grids_outside_their_band_and_staffing_per_region(client: httpx.AsyncClient) -> None:
    await _city()
    _, centre = await factories.signed_in("township_centre", "410611001")

    body = (await gql(client, NORMS, {"scope": "410611001"}, token=centre))["data"]["gridNorms"]

    assert (body["grids"], body["gridsBelowBand"], body["gridsAboveBand"]) == (3, 1, 1)
    assert body["bands"] == [
        {"urbanRural": "RURAL", "minHouseholds": 100, "maxHouseholds": 300},
        {"urbanRural": "URBAN", "minHouseholds": 200, "maxHouseholds": 500},
    ]
    assert body["staffing"] == {
        "regionCode": "410611001",
        "households": 150 + 300 + 350,
        "staff": 3,
        "householdsPerStaff": 266.7,
        "norm": 100,
        "normRegionCode": None,
        "staffNeeded": 8,
        "meetsNorm": False,
    }
    assert body["children"] == [
        {"regionCode": "410611001001", "households": 450, "staff": 3, "meetsNorm": False},
        {"regionCode": "410611001010", "households": 350, "staff": 0, "meetsNorm": False},
    ]

    first = await gql(client, OUTSIDE, {"scope": "410611001", "first": 1}, token=centre)
    page = first["data"]["gridsOutsideBand"]
    second = await gql(
        client,
        OUTSIDE,
        {"scope": "410611001", "after": page["pageInfo"]["endCursor"]},
        token=centre,
    )
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    assert page["edges"][0]["node"] == {
        "code": "410611001001001",
        "households": 150,
        "urbanRural": "URBAN",
        "below": True,
        "band": {"minHouseholds": 200, "maxHouseholds": 500},
    }
    assert [e["node"]["code"] for e in second["data"]["gridsOutsideBand"]["edges"]] == [
        "410611001010001"
    ]

    board = await gql(client, DASHBOARD, {"scope": "410611001"}, token=centre)
    assert board["data"]["dashboard"]["gridNorms"] == {
        "gridsBelowBand": 1,
        "gridsAboveBand": 1,
        "staffing": {"staff": 3, "meetsNorm": False},
    }


async def test_norms_are_data_set_per_region_and_city_wide(client: httpx.AsyncClient) -> None:
    await _city()
    _, district = await factories.signed_in("district_command", "410611")
    _, city = await factories.signed_in("admin", "4106")

    relaxed = await gql(client, SET_NORM, {"code": "410611", "n": 300}, token=district)
    band = await gql(client, SET_BAND, {"kind": "URBAN", "low": 100, "high": 500}, token=city)
    body = (await gql(client, NORMS, {"scope": "410611001001"}, token=district))["data"]

    assert relaxed["data"]["setStaffingNorm"] == {
        "__typename": "RegionStaffing",
        "regionCode": "410611",
        "norm": 300,
        "normRegionCode": "410611",
        "staffNeeded": 4,
        "meetsNorm": False,
    }
    assert band["data"]["setGridNormBand"]["minHouseholds"] == 100
    assert body["gridNorms"]["gridsBelowBand"] == 0
    assert body["gridNorms"]["staffing"]["meetsNorm"] is True  # 450 households, 3 staff, ≤300 each

    cleared = await gql(client, SET_NORM, {"code": "410611", "n": None}, token=district)
    assert cleared["data"]["setStaffingNorm"]["normRegionCode"] is None
    assert await StaffingNorm.all().count() == 0


async def test_bad_norms_are_typed_refusals(client: httpx.AsyncClient) -> None:
    await _city()
    _, district = await factories.signed_in("district_command", "410611")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")

    zero = await gql(client, SET_NORM, {"code": "410611", "n": 0}, token=district)
    elsewhere = await gql(client, SET_NORM, {"code": "410602", "n": 50}, token=district)
    band = await gql(client, SET_BAND, {"kind": "RURAL", "low": 300, "high": 100}, token=district)
    not_a_scope = await gql(client, NORMS, {"scope": "41061x"}, token=district)
    refused = await gql(client, SET_NORM, {"code": "410611001001001", "n": 50}, token=worker)

    assert zero["data"]["setStaffingNorm"]["field"] == "householdsPerStaff"
    assert elsewhere["data"]["setStaffingNorm"]["code"] == "NOT_FOUND"
    assert error_codes(band) == ["FORBIDDEN"]  # a band is the city's
    assert not_a_scope["data"]["gridNorms"]["code"] == "INVALID_CODE"
    assert error_codes(refused) == ["FORBIDDEN"]
    assert await StaffingNorm.all().count() == 0
