"""Shared pieces of the ledger tests: a grid's events of both ledgers, and the documents."""

from __future__ import annotations

from typing import Any

import httpx

from api import clock
from api.flows.calendar import LOCAL
from tests import factories
from tests.events.helpers import REPORT, report_input, run

GRID = "410611001001001"  # 金山社区第1网格
COMMUNITY = "410611001001"
OTHER_COMMUNITY_GRID = "410611001010001"  # 桃园社区第1网格

ERROR = "... on Error { code message field }"
LEDGER = """query($kind: LedgerKind!, $r: String!, $from: Date!, $to: Date!, $group: String,
                  $first: Int, $after: String) {
  eventLedger(kind: $kind, regionCode: $r, from: $from, to: $to, categoryGroup: $group,
              first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { caseNumber regionCode categoryKey categoryGroup categoryGroupName source
                   title status card departmentName handlerName outcome closedAt } } } }"""
EXPORT = (
    "mutation($kind: LedgerKind!, $r: String!, $from: Date!, $to: Date!) {"
    " exportEventLedger(kind: $kind, regionCode: $r, from: $from, to: $to) { __typename"
    f" ... on EventLedgerExportPayload {{ export {{ id state kind downloadUrl }} }} {ERROR} }} }}"
)
EXPORT_STATE = (
    "query($id: ID!) { eventLedgerExport(id: $id) {"
    " state rowsTotal rowsWritten downloadUrl filename } }"
)


def today() -> str:
    return str(clock.now().astimezone(LOCAL).date())


async def grid_events(client: httpx.AsyncClient) -> dict[str, str]:
    """Events of both ledgers in GRID (one of them handled on the spot by the grid leader)
    and one in another community; returns tokens by who holds them."""
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, leader = await factories.signed_in("grid_leader", GRID)
    _, other = await factories.signed_in("grid_worker", OTHER_COMMUNITY_GRID)
    _, staff = await factories.signed_in("community_staff", COMMUNITY, username="ledger.staff")
    for title, category in (("井盖缺失", "city.0601"), ("占道经营", "city.0501")):
        await run(client, REPORT, worker, input=report_input(title=title, categoryKey=category))
    await run(
        client, REPORT, worker, input=report_input(title="邻里噪音", categoryKey="dispute.0201")
    )
    handled = await run(
        client,
        "mutation($input: ReportEventInput!) { selfHandleEvent(input: $input) {"
        " __typename ... on EventPayload { event { status } } } }",
        leader,
        input=report_input(title="=HYPERLINK(1) 宅基地纠纷", categoryKey="dispute.0201"),
    )
    assert handled["__typename"] == "EventPayload", handled
    await run(
        client,
        REPORT,
        other,
        input=report_input(
            title="路灯不亮", categoryKey="city.0601", regionCode=OTHER_COMMUNITY_GRID
        ),
    )
    return {"worker": worker, "leader": leader, "other": other, "staff": staff}


def variables(kind: str, region: str = COMMUNITY, **more: Any) -> dict[str, Any]:
    return {"kind": kind, "r": region, "from": today(), "to": today(), **more}
