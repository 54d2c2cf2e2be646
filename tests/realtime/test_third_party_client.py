"""The feed as a third-party client sees it: gql's graphql-transport-ws transport."""

from __future__ import annotations

import asyncio

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from tests import factories
from tests.realtime.servers import ApiProcess
from tests.realtime.test_event_feed import _report


async def test_gql_client_receives_changes(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    first, second = two_apis
    await factories.region_tree()
    _, command = await factories.signed_in("district_command", "410611")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    transport = WebsocketsTransport(
        url=second.ws,
        init_payload={"authorization": f"Bearer {command}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    document = gql(
        "subscription($scope: String!) { eventChanges(scope: $scope) { sequence action event { caseNumber status } } }"
    )
    received = []

    async with Client(transport=transport) as session:

        async def listen() -> None:
            async for result in session.subscribe(document, variable_values={"scope": "410611"}):
                received.append(result["eventChanges"])
                if len(received) == 2:
                    return

        listening = asyncio.create_task(listen())
        await asyncio.sleep(0.5)
        reported = [await _report(first, worker, title=f"gql {i}") for i in range(2)]
        await asyncio.wait_for(listening, timeout=15)

    assert [r["event"]["caseNumber"] for r in received] == [e["caseNumber"] for e in reported]
    assert received[0]["sequence"] < received[1]["sequence"]
