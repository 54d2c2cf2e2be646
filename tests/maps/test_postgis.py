"""The map queries on both paths: PostGIS's geometry column and GiST index where the server
has the extension, plain latitude/longitude comparisons and the haversine distance where it has
not (the embedded server). Both must select the same events, page for page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api import geo
from api.domains.events.models import Event
from api.query import Parameters
from tests import factories
from tests.factories import gql
from tests.maps.helpers import LAT, LNG, located_events
from tests.maps.test_map_queries import CLUSTERS, MAP_EVENTS

AREAS: list[dict[str, Any]] = [
    {"box": {"south": LAT - 0.1, "west": LNG - 0.15, "north": LAT + 0.05, "east": LNG + 0.1}},
    {"box": {"south": LAT - 0.25, "west": LNG - 0.25, "north": LAT + 0.25, "east": LNG + 0.25}},
    {"near": {"lat": LAT + 0.02, "lng": LNG - 0.03, "radius": 9000}},
    {"near": {"lat": LAT, "lng": LNG, "radius": 20_000}},
    {"near": {"lat": LAT, "lng": LNG, "radius": 300}},
]


@pytest.fixture
def restore_detection() -> Iterator[None]:
    yield
    geo.use_postgis(None)


async def _has_postgis() -> bool:
    geo.use_postgis(None)
    return await geo.detect_postgis(Event._meta.db)


async def _answers(client: httpx.AsyncClient, token: str) -> list[Any]:
    answers: list[Any] = []
    for area in AREAS:
        for given in ({}, {"statuses": ["REPORTED", "CLOSED"]}):
            ids: list[str] = []
            after = None
            while True:
                body = await gql(
                    client,
                    MAP_EVENTS,
                    {"area": area, "filter": given, "first": 50, "after": after},
                    token=token,
                )
                page = body["data"]["mapEvents"]["events"]
                ids.extend(edge["node"]["event"]["uuid"] for edge in page["edges"])
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            body = await gql(
                client, CLUSTERS, {"zoom": 12, "area": area, "filter": given}, token=token
            )
            answers.append((ids, page["totalCount"], body["data"]["eventClusters"]))
    return answers


async def test_both_paths_give_identical_answers(
    client: httpx.AsyncClient, restore_detection: None
) -> None:
    if not await _has_postgis():
        pytest.skip("this server has no PostGIS: only the plain path exists")
    await factories.region_tree()
    await located_events(500)
    _, token = await factories.signed_in("district_command", "410611")

    geo.use_postgis(True)
    with_postgis = await _answers(client, token)
    geo.use_postgis(False)
    without = await _answers(client, token)

    assert with_postgis == without
    assert all(total > 0 for _, total, _ in with_postgis[:-2])


async def test_each_path_writes_its_own_condition(db: None, restore_detection: None) -> None:
    bind_area = geo.Near(LAT, LNG, 1000)
    geo.use_postgis(True)
    assert "ST_DWithin" in geo.area_condition(bind_area, Parameters(), geometry="geom")
    assert "ST_" not in geo.area_condition(bind_area, Parameters())  # a table without geometry
    geo.use_postgis(False)
    plain = geo.area_condition(bind_area, Parameters(), geometry="geom")
    assert "ST_" not in plain and "asin" in plain
