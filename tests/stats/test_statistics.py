"""Chart statistics and the dashboard through GraphQL: the counts, the rollup kept by the
trigger against the events themselves, scoping and bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from api import clock
from api.domains.events.deadlines import LOCAL
from api.domains.events.enums import EventStatus
from api.domains.events.models import Event
from api.domains.positions.models import WorkerPosition
from api.domains.stats import statistics
from api.domains.stats.enums import GroupBy
from tests import factories
from tests.factories import error_codes, gql
from tests.stats import dataset

STATISTICS = """
query($scope: String!, $from: Date!, $to: Date!, $groupBy: [StatisticsGroupBy!]) {
  eventStatistics(scope: $scope, from: $from, to: $to, groupBy: $groupBy) {
    __typename
    ... on EventStatistics { total rows { key period count open closed yellowCards redCards } }
    ... on Error { code field }
  }
}"""
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


async def _statistics(
    client: httpx.AsyncClient, token: str, scope: str, *group_by: str, **period: str
) -> Any:
    body = await gql(
        client,
        STATISTICS,
        {"scope": scope, "groupBy": list(group_by), **(period or NOVEMBER)},
        token=token,
    )
    assert "errors" not in body, body
    return body["data"]["eventStatistics"]


def _counts(result: Any) -> dict[Any, int]:
    return {(row["key"], row["period"]): row["count"] for row in result["rows"]}


async def test_breakdowns_and_series_of_a_township(client: httpx.AsyncClient) -> None:
    await dataset.build()
    _, centre = await factories.signed_in("township_centre", "410611001")

    by_status = await _statistics(client, centre, "410611001", "STATUS")
    by_category_month = await _statistics(client, centre, "410611001", "CATEGORY", "MONTH")
    by_source = await _statistics(client, centre, "410611001", "SOURCE")
    by_child = await _statistics(client, centre, "410611001", "CHILD_REGION")
    daily = await _statistics(client, centre, "410611001", "DAY")
    weekly = await _statistics(client, centre, "410611001", "WEEK")
    total = await _statistics(client, centre, "410611001")
    october = await _statistics(
        client, centre, "410611001", **{"from": "2026-10-31", "to": "2026-10-31"}
    )

    # e1–e7 were reported on 10 November in the township; e9 on 31 October, e8 elsewhere
    assert _counts(by_status) == {
        ("assigned", None): 1,
        ("closed", None): 1,
        ("evaluated", None): 2,
        ("in_progress", None): 1,
        ("rejected", None): 1,
        ("reported", None): 1,
    }
    assert _counts(by_category_month) == {
        ("city.0502", "2026-11-01"): 1,
        ("city.0601", "2026-11-01"): 6,
    }
    assert _counts(by_source) == {("grid_patrol", None): 6, ("hotline", None): 1}
    assert _counts(by_child) == {("410611001001", None): 7}
    assert _counts(daily) == {(None, "2026-11-10"): 7}
    assert _counts(weekly) == {(None, "2026-11-09"): 7}  # ISO week from Monday 9 November
    row = total["rows"][0]
    assert (total["total"], row["open"], row["closed"], row["yellowCards"], row["redCards"]) == (
        7,
        3,
        3,
        2,
        1,
    )
    assert october["total"] == 1  # e9 at 23:30 China time, though 15:30 UTC


async def test_city_and_district_scopes_break_down_by_their_children(
    client: httpx.AsyncClient,
) -> None:
    await dataset.build()
    _, leader = await factories.signed_in("leader", "4106")

    districts = await _statistics(client, leader, "4106", "CHILD_REGION")
    townships = await _statistics(client, leader, "410611", "CHILD_REGION")
    grids = await _statistics(client, leader, "410611001001", "CHILD_REGION")

    assert _counts(districts) == {("410611", None): 8}
    assert _counts(townships) == {("410611001", None): 7, ("410611002", None): 1}
    assert _counts(grids) == {("410611001001001", None): 6, ("410611001001010", None): 1}


@pytest.mark.parametrize("scope", ["4106", "410611", "410611001"])
@pytest.mark.parametrize(
    "group_by",
    [[], [GroupBy.STATUS], [GroupBy.CATEGORY, GroupBy.WEEK], [GroupBy.SOURCE, GroupBy.DAY]],
)
async def test_the_rollup_kept_by_the_trigger_agrees_with_the_events(
    db: None, scope: str, group_by: list[GroupBy]
) -> None:
    world = await dataset.build()
    # Changes after the fact move counts between rows: a status change, a card, a deletion.
    e5 = world.events["e5"]
    e5.status = EventStatus.IN_PROGRESS
    await e5.save()
    await Event.filter(id=world.events["e1"].id).update(card="red", status="evaluated")
    await Event.filter(id=world.events["e7"].id).update(
        reported_at=datetime(2026, 11, 20, 9, 0, tzinfo=LOCAL)
    )
    first, last = date(2026, 10, 1), date(2026, 11, 30)

    from_rollup = await statistics.event_counts(
        scope_code=scope, first_day=first, last_day=last, group_by=group_by
    )
    sql, parameters = statistics._from_events(
        scope,
        first,
        last,
        next((g for g in group_by if g in statistics.BREAKDOWNS), None),
        next((g for g in group_by if g in statistics.TIME_BUCKETS), None),
    )
    from tortoise import connections

    direct = await connections.get("default").execute_query_dict(sql, parameters)

    assert [
        (r.key, r.period, r.count, r.open_count, r.closed_count, r.yellow_count, r.red_count)
        for r in from_rollup
    ] == [
        (
            r["key"],
            r["period"],
            r["count"],
            r["open_count"],
            r["closed_count"],
            r["yellow_count"],
            r["red_count"],
        )
        for r in direct
    ]
    assert from_rollup


async def test_a_township_sees_only_its_own_figures(client: httpx.AsyncClient) -> None:
    await dataset.build()
    _, centre = await factories.signed_in("township_centre", "410611002")
    _, worker = await factories.signed_in("grid_worker", dataset.GRID)

    other = await _statistics(client, centre, "410611001", "STATUS")
    parent = await _statistics(client, centre, "410611", "STATUS")
    own = await _statistics(client, centre, "410611002", "STATUS")
    figures = await gql(
        client,
        """{ assessmentFigures(scope: "410611001", from: "2026-11-01", to: "2026-11-30") {
             __typename } }""",
        token=centre,
    )
    by_worker = await gql(
        client,
        STATISTICS,
        {"scope": dataset.GRID, **NOVEMBER},
        token=worker,
    )

    assert other == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": None}
    assert parent["__typename"] == "NotFoundError"
    assert _counts(own) == {("closed", None): 1}
    assert figures["data"]["assessmentFigures"]["__typename"] == "NotFoundError"
    assert error_codes(by_worker) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"scope": "41061x"}, "scope", "INVALID_CODE"),
        ({"scope": "4106", "from": "2026-12-01"}, "to", "INVALID"),
        ({"scope": "4106", "from": "2020-01-01"}, "to", "INVALID"),
        ({"scope": "4106", "groupBy": ["CATEGORY", "STATUS"]}, "groupBy", "INVALID"),
        ({"scope": "4106", "groupBy": ["DAY", "MONTH"]}, "groupBy", "INVALID"),
        ({"scope": "4106", "groupBy": ["DAY", "DAY"]}, "groupBy", "INVALID"),
        ({"scope": "4106", "groupBy": ["DAY"], "from": "2025-01-01"}, "groupBy", "INVALID"),
    ],
)
async def test_bad_input_is_a_typed_error(
    client: httpx.AsyncClient, variables: dict[str, Any], field: str, code: str
) -> None:
    await factories.region_tree()
    _, leader = await factories.signed_in("leader", "4106")

    body = await gql(client, STATISTICS, {**NOVEMBER, **variables}, token=leader)

    assert body["data"]["eventStatistics"] == {
        "__typename": "ValidationError",
        "code": code,
        "field": field,
    }


async def test_an_unknown_dimension_is_refused_by_the_schema(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, leader = await factories.signed_in("leader", "4106")

    body = await gql(
        client, STATISTICS, {"scope": "4106", **NOVEMBER, "groupBy": ["YEAR"]}, token=leader
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]


DASHBOARD = """
query($scope: String!) {
  dashboard(scope: $scope) {
    __typename
    ... on Dashboard {
      openTotal overdue openYellowCards openRedCards reportedToday closedToday workersOnline
      openByStatus { name count } openByLevel { name count } busiestCategories { name count }
    }
    ... on Error { code }
  }
}"""


async def test_the_dashboard_shows_the_wall_of_a_scope(client: httpx.AsyncClient) -> None:
    world = await dataset.build()
    clock.move(datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL) - clock.now())
    e3 = world.events["e3"]
    await Event.filter(id=e3.id).update(due_at=clock.now() - timedelta(hours=1))
    await Event.filter(id=world.events["e1"].id).update(
        reported_at=clock.now() - timedelta(hours=1), closed_at=clock.now() - timedelta(minutes=5)
    )
    await WorkerPosition.create(
        user_id=world.worker.id,
        region_code=dataset.GRID,
        lat=35.7,
        lng=114.3,
        accuracy=5,
        at=clock.now() - timedelta(minutes=2),
    )
    _, command = await factories.signed_in("district_command", "410611")
    _, centre = await factories.signed_in("township_centre", "410611002")

    board = (await gql(client, DASHBOARD, {"scope": "410611001"}, token=command))["data"][
        "dashboard"
    ]
    elsewhere = (await gql(client, DASHBOARD, {"scope": "410611001"}, token=centre))["data"][
        "dashboard"
    ]

    # open: e3 in progress (red, overdue), e5 assigned, e7 reported; all held by the township
    assert board["openTotal"] == 3
    assert board["openByStatus"] == [
        {"name": "reported", "count": 1},
        {"name": "assigned", "count": 1},
        {"name": "in_progress", "count": 1},
    ]
    assert board["openByLevel"] == [{"name": "township", "count": 3}]
    assert (board["overdue"], board["openYellowCards"], board["openRedCards"]) == (1, 0, 1)
    assert (board["reportedToday"], board["closedToday"], board["workersOnline"]) == (1, 1, 1)
    assert board["busiestCategories"] == [{"name": "city.0601", "count": 1}]
    assert elsewhere == {"__typename": "NotFoundError", "code": "NOT_FOUND"}


async def test_too_many_rows_for_a_chart_is_a_typed_error(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.domains.stats import service

    await dataset.build()
    _, leader = await factories.signed_in("leader", "4106")
    monkeypatch.setattr(service, "MAX_STATISTICS_ROWS", 5)  # the township has 6 statuses

    body = await gql(
        client, STATISTICS, {"scope": "410611001", "groupBy": ["STATUS"], **NOVEMBER}, token=leader
    )

    assert body["data"]["eventStatistics"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "groupBy",
    }
