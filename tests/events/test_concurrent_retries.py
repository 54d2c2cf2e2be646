"""An offline client retries one report several times at once (a flaky network, a second tap):
every retry gets the one event, as sequential retries do, and nobody gets an error."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from api.domains.events.models import CaseCounter, Event, TimelineEntry
from api.outbox import OutboxMessage
from tests import factories
from tests.events.helpers import EVENT_FIELDS, report_input
from tests.factories import gql

RETRIES = 6
DOCUMENT = """mutation($input: ReportEventInput!) {{ {mutation}(input: $input) {{
  __typename ... on EventPayload {{ event {{ {fields} }} }} ... on Error {{ code message }} }} }}"""


@pytest.mark.parametrize(
    ("mutation", "role", "status"),
    [("reportEvent", "grid_worker", "REPORTED"), ("selfHandleEvent", "grid_leader", "CLOSED")],
)
async def test_concurrent_retries_of_one_report_are_one_event(
    client: httpx.AsyncClient, mutation: str, role: str, status: str
) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in(role, "410611001001001")
    chosen_id = str(uuid.uuid4())
    document = DOCUMENT.format(mutation=mutation, fields=EVENT_FIELDS)

    bodies = await asyncio.gather(
        *(
            gql(client, document, {"input": report_input(id=chosen_id)}, token=token)
            for _ in range(RETRIES)
        )
    )

    assert [body.get("errors") for body in bodies] == [None] * RETRIES
    results = [body["data"][mutation] for body in bodies]
    assert {result["__typename"] for result in results} == {"EventPayload"}
    events = [result["event"] for result in results]
    assert {(e["uuid"], e["caseNumber"], e["status"]) for e in events} == {
        (chosen_id, events[0]["caseNumber"], status)
    }
    assert await Event.all().count() == 1
    # One report's traces: its timeline, its change message, the case number it used.
    steps = 2 if status == "CLOSED" else 1
    assert await TimelineEntry.filter(event_id=chosen_id).count() == steps
    assert await OutboxMessage.filter(topic="event").count() == 1
    assert [counter.last_number for counter in await CaseCounter.all()] == [1]
