"""The demo city: consistent codes, plausible grids, working demo users."""

from __future__ import annotations

import httpx
from shapely.geometry import Point, shape

from api.demo import DEFAULT_PASSWORD, load_demo_city
from api.domains.accounts.models import RoleAssignment
from api.domains.hierarchy.models import Region
from api.regions import Level
from tests.factories import gql


async def test_demo_city_is_consistent_and_loads_once(db: None) -> None:
    summary = await load_demo_city()

    districts = (
        await Region.filter(level=Level.DISTRICT).order_by("code").values_list("code", "name")
    )
    assert districts == [
        ("410602", "鹤山区"),
        ("410603", "山城区"),
        ("410611", "淇滨区"),
        ("410621", "浚县"),
        ("410622", "淇县"),
    ]
    regions = {region.code: region for region in await Region.all()}
    grids = [region for region in regions.values() if region.level is Level.GRID]
    assert 200 <= len(grids) <= 1000
    for region in regions.values():
        if region.parent_code:
            assert region.code.startswith(region.parent_code)
            assert regions[region.parent_code].level == Level.of_code(region.parent_code)
    for grid in grids:
        assert 200 <= grid.households <= 500
        assert shape(grid.boundary).contains(Point(grid.centre_lng, grid.centre_lat))
    city = regions["4106"]
    assert city.households == sum(grid.households for grid in grids)
    for username, role, code in summary.users:
        assert await RoleAssignment.filter(
            user__username=username, role=role, region_code=code
        ).exists()

    again = await load_demo_city()
    assert again.already_loaded
    assert await Region.all().count() == len(regions)


async def test_grids_of_one_community_do_not_overlap(db: None) -> None:
    await load_demo_city()
    community = await Region.filter(level=Level.COMMUNITY).first()
    assert community is not None
    grids = await Region.filter(parent_code=community.code)
    shapes = [shape(grid.boundary) for grid in grids]
    for i, first in enumerate(shapes):
        for second in shapes[i + 1 :]:
            assert first.intersection(second).area == 0


async def test_demo_users_can_sign_in(client: httpx.AsyncClient) -> None:
    await load_demo_city()

    body = await gql(
        client,
        'mutation($p: String!) { login(username: "g410611001001001.worker", password: $p) { __typename } }',
        {"p": DEFAULT_PASSWORD},
    )

    assert body["data"]["login"]["__typename"] == "AuthPayload"
