"""The ledgers (台账) of a region and period: each holds its category scheme's events by
category group, within the region's subtree only, a page at a time; a region outside the
caller's area is a typed error."""

from __future__ import annotations

import httpx

from tests.factories import error_codes, gql, signed_in
from tests.ledgers.helpers import COMMUNITY, LEDGER, OTHER_COMMUNITY_GRID, grid_events, variables


async def test_each_ledger_lists_its_events_by_group_within_the_region(
    client: httpx.AsyncClient, db: None
) -> None:
    tokens = await grid_events(client)
    body = await gql(client, LEDGER, variables("PUBLIC_OPINION"), token=tokens["staff"])
    assert "errors" not in body, body
    ledger = body["data"]["eventLedger"]
    nodes = [edge["node"] for edge in ledger["edges"]]
    assert ledger["totalCount"] == 2
    # by category group: 市容环境 (city.05) before 设施 (city.06); the other community's not
    assert [(n["categoryGroup"], n["title"]) for n in nodes] == [
        ("city.05", "占道经营"),
        ("city.06", "井盖缺失"),
    ]
    assert {n["status"] for n in nodes} == {"REPORTED"}
    assert all(n["categoryGroupName"] for n in nodes)

    disputes = await gql(client, LEDGER, variables("DISPUTES"), token=tokens["staff"])
    rows = [edge["node"] for edge in disputes["data"]["eventLedger"]["edges"]]
    assert sorted((r["categoryKey"], r["status"]) for r in rows) == [
        ("dispute.0201", "CLOSED"),
        ("dispute.0201", "REPORTED"),
    ]
    closed = next(r for r in rows if r["status"] == "CLOSED")
    assert closed["closedAt"] is not None and closed["categoryGroup"] == "dispute.02"

    # a page at a time, resumed by the cursor
    page = await gql(client, LEDGER, variables("PUBLIC_OPINION", first=1), token=tokens["staff"])
    first_page = page["data"]["eventLedger"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    after = first_page["pageInfo"]["endCursor"]
    rest = await gql(
        client, LEDGER, variables("PUBLIC_OPINION", first=1, after=after), token=tokens["staff"]
    )
    second = rest["data"]["eventLedger"]
    assert [e["node"]["title"] for e in second["edges"]] == ["井盖缺失"]
    assert second["pageInfo"]["hasNextPage"] is False

    # one group only
    grouped = await gql(
        client, LEDGER, variables("PUBLIC_OPINION", group="city.06"), token=tokens["staff"]
    )
    assert [e["node"]["title"] for e in grouped["data"]["eventLedger"]["edges"]] == ["井盖缺失"]
    assert grouped["data"]["eventLedger"]["totalCount"] == 1


async def test_out_of_area_and_bad_filters_are_refused(client: httpx.AsyncClient, db: None) -> None:
    tokens = await grid_events(client)
    outside = await gql(
        client,
        LEDGER,
        variables("PUBLIC_OPINION", region=OTHER_COMMUNITY_GRID),
        token=tokens["staff"],
    )
    assert error_codes(outside) == ["OUTSIDE_AREA"], outside
    # a grid worker reads their own grid's ledger, not the community's
    grid = await gql(
        client, LEDGER, variables("DISPUTES", region=COMMUNITY), token=tokens["worker"]
    )
    assert error_codes(grid) == ["OUTSIDE_AREA"], grid
    backwards = await gql(
        client,
        LEDGER,
        {**variables("DISPUTES"), "from": "2026-12-31", "to": "2026-01-01"},
        token=tokens["staff"],
    )
    assert error_codes(backwards) == ["INVALID"], backwards
    cursor = await gql(client, LEDGER, variables("DISPUTES", after="bm9wZQ"), token=tokens["staff"])
    assert error_codes(cursor) == ["INVALID"], cursor
    # a citizen reads no ledger
    _, citizen = await signed_in("citizen", "410611001001001")
    refused = await gql(client, LEDGER, variables("DISPUTES"), token=citizen)
    assert error_codes(refused) == ["FORBIDDEN"], refused
