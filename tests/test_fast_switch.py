"""GRIDGOV_FAST_EXECUTION: off, the schema runs on strawberry and graphql-core alone (their
executor, their input conversion, every column read); on or off, a client sees the same."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.settings import Environment, Settings
from schema import build_schema
from schema.fast import Executor, is_on
from schema.fast.selection import selected_below
from tests import factories
from tests.events.helpers import FILE, REPORT, report_input, run
from tests.factories import gql


def test_off_builds_a_stock_schema_and_on_the_fast_one() -> None:
    on = build_schema(Settings(gridgov_env=Environment.TEST, gridgov_fast_execution=True))
    off = build_schema(Settings(gridgov_env=Environment.TEST, gridgov_fast_execution=False))

    assert issubclass(on.execution_context_class, Executor) and is_on(on.config)
    assert off.execution_context_class is StrawberryGraphQLCoreExecutionContext
    assert not is_on(off.config)
    # selection reading answers "everything", so a list reads all its columns
    assert selected_below(SimpleNamespace(schema=off), ("edges", "node")) is None  # type: ignore[arg-type]


PAGE = """query($filter: EventFilterInput) {
  events(first: 10, filter: $filter) {
    totalCount
    edges { cursor node { __typename id caseNumber title status source dueAt card location { lat }
      assigneeDepartment { name } timeline { action note } } }
  }
}"""


async def test_a_page_reads_the_same_with_the_switch_either_way(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from api.app import create_app

    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    first = (await run(client, REPORT, worker, input=report_input()))["event"]["uuid"]
    await run(client, REPORT, worker, input=report_input(title="占道经营"))
    await run(client, FILE, grid_leader, id=first)
    other = create_app(
        settings.model_copy(update={"gridgov_fast_execution": not settings.gridgov_fast_execution})
    )
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://gridgov.test") as flipped:
        for variables in [{}, {"filter": {"statuses": ["FILED"], "source": "GRID_PATROL"}}]:
            pages: list[Any] = [
                await gql(http, PAGE, variables, token=grid_leader) for http in (client, flipped)
            ]
            assert "errors" not in pages[0], pages[0]
            assert pages[0] == pages[1]
            assert pages[0]["data"]["events"]["totalCount"] == (2 if not variables else 1)
