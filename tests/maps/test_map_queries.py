"""Map queries through the API: events by box and circle in scope with the list's filters,
clusters that add up to the list's totalCount, popups with masked reporters, buildings, houses
and workers by area, region layers, and bad areas as typed errors."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api import clock, geo
from api.domains.accounts.models import User
from api.domains.audit.models import AuditEntry
from api.domains.events.enums import OPEN_STATUSES
from api.domains.events.models import Event
from api.domains.events.scope import ancestor_columns
from api.domains.registry.models import Building, House
from api.masking import mask_name
from api.query import fetch
from api.regions import Level
from tests import factories
from tests.factories import gql
from tests.maps.helpers import LAT, LNG, located_events, set_boundary, square

EVENTS = """
query($filter: EventFilterInput) { events(filter: $filter, first: 1) { totalCount } }"""
CLUSTERS = """
query($zoom: Int!, $area: MapAreaInput!, $filter: EventFilterInput) {
  eventClusters(zoom: $zoom, area: $area, filter: $filter) {
    __typename
    ... on EventClusters {
      zoom total
      cells { x y count centre { lat lng } bounds { south west north east }
              byStatus { status count } byCard { card count } }
    }
    ... on Error { code field message }
  }
}"""
MAP_EVENTS = """
query($area: MapAreaInput!, $filter: EventFilterInput, $first: Int, $after: String) {
  mapEvents(area: $area, filter: $filter, first: $first, after: $after) {
    __typename
    ... on MapEventPage {
      events {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node {
          location { lat lng } distance
          reporter { name phone masked isCitizen }
          collector { name }
          event { uuid status stage satisfaction regionCode }
        } }
      }
    }
    ... on Error { code field }
  }
}"""

CITY_BOX = {
    "box": {"south": LAT - 0.25, "west": LNG - 0.25, "north": LAT + 0.25, "east": LNG + 0.25}
}


async def _events_in(
    area: dict[str, Any], token: str, client: httpx.AsyncClient, **filters: Any
) -> int:
    body = await gql(client, EVENTS, {"filter": {"area": area, **filters}}, token=token)
    return int(body["data"]["events"]["totalCount"])


def _inside(event: Event, area: geo.Area) -> bool:
    if event.lat is None or event.lng is None:
        return False
    if isinstance(area, geo.Box):
        return area.contains(event.lat, event.lng)
    return geo.distance_m(area.lat, area.lng, event.lat, event.lng) <= area.radius


async def test_the_tile_columns_are_the_tiles_of_each_point(db: None) -> None:
    await factories.region_tree()
    events = await located_events(120)
    rows = await fetch(Event, 'SELECT "id","map_x","map_y" FROM "events"', [])
    stored = {row["id"]: (row["map_x"], row["map_y"]) for row in rows}
    for event in events:
        if event.lat is None:
            assert stored[event.id] == (None, None)
        else:
            assert stored[event.id] == geo.tile_of(event.lat, event.lng)


@pytest.mark.parametrize(
    ("role", "region"),
    [
        ("city_command", "4106"),
        ("township_centre", "410611001"),
        ("grid_worker", "410611001001001"),
    ],
)
async def test_boxes_and_circles_select_the_events_in_them_and_in_scope(
    client: httpx.AsyncClient, role: str, region: str
) -> None:
    await factories.region_tree()
    events = await located_events()
    _, token = await factories.signed_in(role, region)
    box = geo.Box(LAT - 0.1, LNG - 0.15, LAT + 0.05, LNG + 0.1)
    near = geo.Near(LAT + 0.02, LNG - 0.03, 9_000)

    for area, given in (
        (
            box,
            {"box": {"south": box.south, "west": box.west, "north": box.north, "east": box.east}},
        ),
        (near, {"near": {"lat": near.lat, "lng": near.lng, "radius": near.radius}}),
    ):
        expected = {
            str(e.id) for e in events if e.region_code.startswith(region) and _inside(e, area)
        }
        assert 0 < len(expected) < len([e for e in events if e.region_code.startswith(region)])
        body = await gql(client, MAP_EVENTS, {"area": given, "first": 100}, token=token)
        page = body["data"]["mapEvents"]["events"]
        found = {edge["node"]["event"]["uuid"] for edge in page["edges"]}
        assert page["totalCount"] == len(expected)
        assert found == expected or (page["pageInfo"]["hasNextPage"] and found < expected)
        if isinstance(area, geo.Near):
            for edge in page["edges"]:
                assert edge["node"]["distance"] <= near.radius


async def test_a_gcj02_box_selects_what_its_wgs84_box_selects(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await located_events()
    _, token = await factories.signed_in("city_command", "4106")
    south, west = geo.wgs84_to_gcj02(LAT - 0.1, LNG - 0.1)
    north, east = geo.wgs84_to_gcj02(LAT + 0.1, LNG + 0.1)
    wgs = {"box": {"south": LAT - 0.1, "west": LNG - 0.1, "north": LAT + 0.1, "east": LNG + 0.1}}
    gcj = {
        "box": {"south": south, "west": west, "north": north, "east": east},
        "datum": "GCJ02",
    }
    assert await _events_in(gcj, token, client) == await _events_in(wgs, token, client) > 0

    body = await gql(client, MAP_EVENTS, {"area": gcj, "first": 1}, token=token)
    node = body["data"]["mapEvents"]["events"]["edges"][0]["node"]
    stored = await Event.get(id=node["event"]["uuid"])
    assert (node["location"]["lat"], node["location"]["lng"]) == pytest.approx(
        geo.wgs84_to_gcj02(stored.lat, stored.lng), abs=1e-9
    )


FILTERS: list[dict[str, Any]] = [
    {},
    {"statuses": ["REPORTED", "ASSIGNED"]},
    {"card": "YELLOW"},
    {"regionCode": "410611001", "categoryKey": "city"},
    {"reportedFrom": (clock.now() - timedelta(days=2)).isoformat()},
]


@pytest.mark.parametrize("zoom", [8, 11, 14])
async def test_clusters_add_up_to_the_lists_total_count_for_the_same_filter(
    client: httpx.AsyncClient, zoom: int
) -> None:
    await factories.region_tree()
    await located_events(400)
    for role, region in (("city_command", "4106"), ("township_centre", "410611001")):
        _, token = await factories.signed_in(role, region)
        for given in FILTERS:
            for area in (
                CITY_BOX,
                {"box": {"south": LAT - 0.05, "west": LNG - 0.12, "north": LAT + 0.1, "east": LNG}},
                {"near": {"lat": LAT, "lng": LNG, "radius": 7000}},
            ):
                body = await gql(
                    client, CLUSTERS, {"zoom": zoom, "area": area, "filter": given}, token=token
                )
                clusters = body["data"]["eventClusters"]
                assert clusters["__typename"] == "EventClusters", clusters
                total = await _events_in(area, token, client, **given)
                assert clusters["total"] == sum(c["count"] for c in clusters["cells"]) == total
                for cell in clusters["cells"]:
                    assert sum(s["count"] for s in cell["byStatus"]) == cell["count"]
                    assert sum(c["count"] for c in cell["byCard"]) == cell["count"]
                    bounds = cell["bounds"]
                    assert bounds["south"] <= cell["centre"]["lat"] <= bounds["north"]
                    assert bounds["west"] <= cell["centre"]["lng"] <= bounds["east"]
                assert clusters["zoom"] == zoom + 2


async def test_deeper_zooms_split_cells_and_keep_the_total(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await located_events(300)
    _, token = await factories.signed_in("city_command", "4106")
    counts = []
    for zoom in (6, 9, 12):
        body = await gql(client, CLUSTERS, {"zoom": zoom, "area": CITY_BOX}, token=token)
        clusters = body["data"]["eventClusters"]
        counts.append((len(clusters["cells"]), clusters["total"]))
    assert counts[0][0] < counts[1][0] < counts[2][0]
    assert counts[0][1] == counts[1][1] == counts[2][1] > 0


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"zoom": 2, "area": CITY_BOX}, "zoom"),
        ({"zoom": 21, "area": CITY_BOX}, "zoom"),
        ({"zoom": 18, "area": CITY_BOX}, "zoom"),  # too many cells: zoom out
        (
            {
                "zoom": 10,
                "area": {"box": {"south": 33.0, "west": 112.0, "north": 37.0, "east": 116.0}},
            },
            "area.box",
        ),
        ({"zoom": 10, "area": {}}, "area"),
        (
            {"zoom": 10, "area": {**CITY_BOX, "near": {"lat": LAT, "lng": LNG, "radius": 10}}},
            "area",
        ),
        ({"zoom": 10, "area": {"near": {"lat": LNG, "lng": LAT, "radius": 10}}}, "area.near"),
        ({"zoom": 10, "area": {"near": {"lat": LAT, "lng": LNG, "radius": 90_000}}}, "area.near"),
    ],
)
async def test_bad_cluster_requests_are_typed_errors(
    client: httpx.AsyncClient, variables: dict[str, Any], field: str
) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("city_command", "4106")
    body = await gql(client, CLUSTERS, variables, token=token)
    result = body["data"]["eventClusters"]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)


async def test_popups_mask_the_reporters_phone_unless_the_viewer_may_read_it(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    events = await located_events(200)
    located = [e for e in events if e.lat is not None and e.region_code.startswith("410611001001")]
    citizen, staff = located[0], located[1]
    await Event.filter(id=citizen.id).update(citizen_name="王五", citizen_phone="+8613912345678")
    reporter = await factories.user("grid_worker", "410611001001001")
    await User.filter(id=reporter.id).update(phone="+8613800001111")
    await Event.filter(id=staff.id).update(reporter_id=reporter.id, satisfaction=4)

    async def popup(token: str, event: Event) -> dict[str, Any]:
        where = {"near": {"lat": event.lat, "lng": event.lng, "radius": 1}}
        body = await gql(client, MAP_EVENTS, {"area": where}, token=token)
        (edge,) = body["data"]["mapEvents"]["events"]["edges"]
        return dict(edge["node"])

    # a leader reads events but not their reporters; community staff read both
    _, leader = await factories.signed_in("leader", "410611001")
    _, community = await factories.signed_in("community_staff", "410611001001")

    shown = await popup(leader, citizen)
    assert shown["reporter"] == {
        "name": "王*",
        "phone": "+86139****5678",
        "masked": True,
        "isCitizen": True,
    }
    assert shown["collector"] is None
    assert await AuditEntry.filter(action="event.read_reporter").count() == 0
    shown = await popup(leader, staff)
    assert shown["reporter"] == {
        "name": mask_name(reporter.display_name),
        "phone": "+86138****1111",
        "masked": True,
        "isCitizen": False,
    }
    assert shown["event"]["satisfaction"] == 4  # the evaluation
    assert shown["event"]["status"] == staff.status.name  # the progress

    shown = await popup(community, citizen)
    assert (shown["reporter"]["phone"], shown["reporter"]["masked"]) == ("+8613912345678", False)
    entry = await AuditEntry.get(action="event.read_reporter")
    assert entry.object_id == str(citizen.id)


async def test_buildings_houses_and_workers_by_area_in_scope(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    inside = await Building.create(
        building_code="B1",
        region_code="410611001001001",
        name="1号楼",
        address="金山路1号",
        lat=LAT,
        lng=LNG,
    )
    far = await Building.create(
        building_code="B2",
        region_code="410611001001001",
        name="2号楼",
        address="金山路9号",
        lat=LAT + 0.2,
        lng=LNG,
    )
    other = await Building.create(
        building_code="B3",
        region_code="410611002001001",
        name="3号楼",
        address="九州路1号",
        lat=LAT + 0.001,
        lng=LNG,
    )
    for number, building in enumerate((inside, inside, far, other)):
        await House.create(
            house_code=f"H{number}",
            region_code=building.region_code,
            building=building,
            address=f"{building.address} {number}室",
        )
    workers = [await factories.user("grid_worker", "410611001001001") for _ in range(2)]
    now = clock.now()
    await factories.worker_position(
        workers[0].id, "410611001001001", LAT + 0.3, LNG, now - timedelta(minutes=10)
    )
    await factories.worker_position(workers[0].id, "410611001001001", LAT, LNG + 0.001, now)
    await factories.worker_position(workers[1].id, "410611001001001", LAT + 0.3, LNG, now)
    _, token = await factories.signed_in("township_centre", "410611001")
    near = {"near": {"lat": LAT, "lng": LNG, "radius": 500}}

    body = await gql(
        client,
        """query($area: MapAreaInput!) {
          mapBuildings(area: $area) { ... on MapBuildingPage { buildings { totalCount edges { node { buildingCode houses location { lat lng } } } } } }
          mapHouses(area: $area) { ... on MapHousePage { houses { totalCount edges { node { houseCode buildingCode } } } } }
          mapWorkers(scope: "410611001", area: $area) { ... on MapWorkers { workers { userId location { lat lng } } } }
        }""",
        {"area": near},
        token=token,
    )

    data = body["data"]
    assert data["mapBuildings"]["buildings"]["totalCount"] == 1
    assert [e["node"]["buildingCode"] for e in data["mapBuildings"]["buildings"]["edges"]] == ["B1"]
    assert data["mapBuildings"]["buildings"]["edges"][0]["node"]["houses"] == 2
    assert sorted(e["node"]["houseCode"] for e in data["mapHouses"]["houses"]["edges"]) == [
        "H0",
        "H1",
    ]
    assert data["mapHouses"]["houses"]["totalCount"] == 2
    # worker 0's latest fix is near; worker 1's is not; worker 0's older far fix is not "latest"
    assert [w["userId"] for w in data["mapWorkers"]["workers"]] == [str(workers[0].id)]


async def test_region_features_are_a_scoped_feature_collection_with_counts(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await set_boundary("410611001", square(35.6, 114.2, 0.1))
    await located_events(60)
    _, token = await factories.signed_in("district_command", "410611")
    query = """query($scope: String!, $level: Level!, $datum: Datum) {
      regionFeatures(scope: $scope, level: $level, datum: $datum) {
        __typename ... on RegionFeatures { collection } ... on Error { code }
      }
    }"""

    body = await gql(client, query, {"scope": "410611", "level": "TOWNSHIP"}, token=token)
    collection = body["data"]["regionFeatures"]["collection"]
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in collection["features"]] == ["410611001", "410611002"]
    jinshan = collection["features"][0]
    assert jinshan["geometry"] == square(35.6, 114.2, 0.1)
    open_events = await Event.filter(
        region_code__startswith="410611001",
        status__in=list(OPEN_STATUSES),
    ).count()
    assert jinshan["properties"]["openEvents"] == open_events

    body = await gql(
        client, query, {"scope": "410611", "level": "TOWNSHIP", "datum": "GCJ02"}, token=token
    )
    corner = body["data"]["regionFeatures"]["collection"]["features"][0]["geometry"]["coordinates"][
        0
    ][0]
    assert (corner[1], corner[0]) == pytest.approx(geo.wgs84_to_gcj02(35.6, 114.2), abs=1e-9)

    body = await gql(client, query, {"scope": "410602", "level": "TOWNSHIP"}, token=token)
    assert body["data"]["regionFeatures"]["__typename"] == "NotFoundError"
    body = await gql(client, query, {"scope": "410611001", "level": "DISTRICT"}, token=token)
    assert body["data"]["regionFeatures"]["__typename"] == "ValidationError"


async def test_a_circle_outside_any_event_finds_none(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await located_events(50)
    _, token = await factories.signed_in("city_command", "4106")
    area = {"near": {"lat": 30.0, "lng": 110.0, "radius": 1000}}
    assert await _events_in(area, token, client) == 0
    assert uuid  # ids in fixtures are UUIDs


async def test_counted_cells_follow_every_change_and_match_grouping_the_events(
    client: httpx.AsyncClient,
) -> None:
    from api.domains.maps import service

    await factories.region_tree()
    events = await located_events(400)
    # changes the triggers must follow: a move, a status step, a card, a region, a deletion
    await Event.filter(id=events[1].id).update(lat=LAT + 0.11, lng=LNG - 0.07)
    await Event.filter(id=events[2].id).update(status="closed")
    await Event.filter(id=events[3].id).update(card="red")
    moved_to = "410611002001001"
    await Event.filter(id=events[4].id).update(
        region_code=moved_to,
        **ancestor_columns(moved_to),
        handling_region_code=moved_to,
        handling_level=Level.GRID,
    )
    await Event.filter(id=events[5].id).update(lat=None, lng=None)
    await Event.filter(id=events[0].id).update(lat=LAT, lng=LNG)  # was unlocated
    await Event.filter(id__in=[e.id for e in events[6:20]]).delete()
    _, token = await factories.signed_in("district_command", "410611")

    async def both(variables: dict[str, Any]) -> tuple[Any, Any]:
        try:
            service.use_rollup(True)
            counted = await gql(client, CLUSTERS, variables, token=token)
            service.use_rollup(False)
            grouped = await gql(client, CLUSTERS, variables, token=token)
        finally:
            service.use_rollup(True)
        return counted["data"]["eventClusters"], grouped["data"]["eventClusters"]

    for zoom in (6, 10, 12, 14):
        for given in FILTERS[:4]:
            counted, grouped = await both({"zoom": zoom, "area": CITY_BOX, "filter": given})
            assert counted["total"] == grouped["total"] > 0
            shape = lambda clusters: [  # noqa: E731
                (c["x"], c["y"], c["count"], c["byStatus"], c["byCard"]) for c in clusters["cells"]
            ]
            assert shape(counted) == shape(grouped)
    rows = await fetch(Event, 'SELECT SUM("n") AS n FROM "event_map_cells"', [])
    assert int(rows[0]["n"]) == await Event.filter(lat__not_isnull=True).count()


async def test_buildings_and_houses_by_area_take_the_registry_lists_filters(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    grid, other_grid = "410611001001001", "410611001010001"
    placed = [
        ("B1", grid, "金山花园1号楼", LAT, LNG),
        ("B2", grid, "金山花园2号楼", LAT + 0.002, LNG),
        ("B3", other_grid, "淇河小区3号楼", LAT, LNG + 0.002),
        ("B4", grid, "金山花园4号楼", LAT + 0.2, LNG),  # far away
    ]
    buildings = {}
    for code, region, name, lat, lng in placed:
        buildings[code] = await Building.create(
            building_code=code, region_code=region, name=name, address=name, lat=lat, lng=lng
        )
    for number, (code, rental) in enumerate((("B1", True), ("B1", False), ("B3", True))):
        await House.create(
            house_code=f"H{number}",
            region_code=buildings[code].region_code,
            building=buildings[code],
            address=f"{code} {number}室",
            is_rental=rental,
        )
    _, token = await factories.signed_in("township_centre", "410611001")
    near = {"near": {"lat": LAT, "lng": LNG, "radius": 1000}}
    query = """query($area: MapAreaInput!, $buildings: RegistryFilterInput,
                     $houses: RegistryFilterInput) {
      mapBuildings(area: $area, filter: $buildings) {
        __typename ... on MapBuildingPage { buildings { totalCount edges { node { buildingCode } } } }
        ... on Error { code field }
      }
      mapHouses(area: $area, filter: $houses) {
        __typename ... on MapHousePage { houses { totalCount edges { node { houseCode } } } }
        ... on Error { code field }
      }
      buildings(filter: $buildings) { totalCount }
    }"""

    async def found(buildings: dict[str, Any], houses: dict[str, Any]) -> tuple[Any, ...]:
        body = await gql(
            client, query, {"area": near, "buildings": buildings, "houses": houses}, token=token
        )
        data = body["data"]
        return (
            sorted(e["node"]["buildingCode"] for e in data["mapBuildings"]["buildings"]["edges"]),
            data["mapBuildings"]["buildings"]["totalCount"],
            sorted(e["node"]["houseCode"] for e in data["mapHouses"]["houses"]["edges"]),
            data["mapHouses"]["houses"]["totalCount"],
        )

    assert await found({}, {}) == (["B1", "B2", "B3"], 3, ["H0", "H1", "H2"], 3)
    assert await found({"regionCode": "410611001001"}, {"isRental": True}) == (
        ["B1", "B2"],
        2,
        ["H0", "H2"],
        2,
    )
    assert await found({"text": "B3"}, {"regionCode": "410611001010", "isRental": True}) == (
        ["B3"],
        1,
        ["H2"],
        1,
    )
    # the registry's own list takes the area too, and agrees
    body = await gql(
        client, query, {"area": near, "buildings": {"area": near}, "houses": {}}, token=token
    )
    assert body["data"]["mapBuildings"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "filter.area",
    }
    body = await gql(
        client,
        "query($f: RegistryFilterInput) { buildings(filter: $f) { totalCount } }",
        {"f": {"area": near}},
        token=token,
    )
    assert body["data"]["buildings"]["totalCount"] == 3


async def test_more_workers_than_a_map_holds_is_refused_not_cut_short(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.domains.maps import service

    await factories.region_tree()
    for _ in range(2):
        worker = await factories.user("grid_worker", "410611001001001")
        await factories.worker_position(worker.id, "410611001001001", LAT, LNG, clock.now())
    _, token = await factories.signed_in("township_centre", "410611001")
    query = """query($area: MapAreaInput!) {
      mapWorkers(scope: "410611001", area: $area) {
        __typename ... on MapWorkers { workers { userId } } ... on Error { code field }
      }
    }"""
    area = {"near": {"lat": LAT, "lng": LNG, "radius": 100}}

    body = await gql(client, query, {"area": area}, token=token)
    assert len(body["data"]["mapWorkers"]["workers"]) == 2
    monkeypatch.setattr(service, "MAX_WORKERS", 1)
    body = await gql(client, query, {"area": area}, token=token)
    assert body["data"]["mapWorkers"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "area",
    }
