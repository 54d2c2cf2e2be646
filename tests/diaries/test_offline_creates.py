"""Offline-safe patrols and household visits (issue 27 part 8): a client-chosen id makes a
retried create, sequential or concurrent, return the same record; someone else's id is
ALREADY_EXISTS, and nothing is written twice."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from api import clock
from api.domains.diaries.models import HouseholdVisit, Patrol
from tests import factories
from tests.diaries.helpers import ERROR, GRID, person, run

START = (
    "mutation($c: UUID) { startPatrol(clientId: $c) { __typename"
    f" ... on PatrolPayload {{ patrol {{ id status }} }} {ERROR} }} }}"
)
VISIT = (
    "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { __typename"
    f" ... on VisitPayload {{ visit {{ id householdId minutes patrolId }} }} {ERROR} }} }}"
)


async def test_a_retried_patrol_start_with_its_client_id_starts_one_patrol(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    _, colleague = await person("grid_worker", GRID)
    client_id = str(uuid.uuid4())

    results = await asyncio.gather(*(run(client, START, worker, c=client_id) for _ in range(6)))
    assert [r["__typename"] for r in results] == ["PatrolPayload"] * 6, results
    assert {r["patrol"]["id"] for r in results} == {client_id}
    again = await run(client, START, worker, c=client_id)
    assert again["patrol"] == {"id": client_id, "status": "ACTIVE"}
    assert await Patrol.all().count() == 1

    # another id while the patrol runs is still the running-patrol conflict
    other = await run(client, START, worker, c=str(uuid.uuid4()))
    assert (other["__typename"], other["code"]) == ("ConflictError", "CONFLICT")
    # someone else's id: ALREADY_EXISTS, and the colleague starts nothing
    taken = await run(client, START, colleague, c=client_id)
    assert (taken["__typename"], taken["code"], taken["field"]) == (
        "ConflictError",
        "ALREADY_EXISTS",
        "clientId",
    )
    assert await Patrol.all().count() == 1
    # without an id the start works as before
    plain = await run(client, START, colleague)
    assert plain["__typename"] == "PatrolPayload" and plain["patrol"]["id"] != client_id


async def test_a_retried_visit_with_its_client_id_is_recorded_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker = await person("grid_worker", GRID)
    _, colleague = await person("grid_worker", GRID)
    home = await factories.household(GRID, "HH-201")
    client_id = str(uuid.uuid4())
    visit = {
        "householdId": str(home.id),
        "visitedAt": clock.now().isoformat(),
        "minutes": 25,
        "purpose": "离线走访",
        "clientId": client_id,
    }

    results = await asyncio.gather(*(run(client, VISIT, worker, input=visit) for _ in range(6)))
    assert {r["visit"]["id"] for r in results} == {client_id}, results
    again = await run(client, VISIT, worker, input=visit)
    assert again["visit"] == {
        "id": client_id,
        "householdId": str(home.id),
        "minutes": 25,
        "patrolId": None,
    }
    assert await HouseholdVisit.all().count() == 1

    taken = await run(client, VISIT, colleague, input=visit)
    assert (taken["__typename"], taken["code"], taken["field"]) == (
        "ConflictError",
        "ALREADY_EXISTS",
        "clientId",
    )
    # bad input with a fresh id writes nothing
    bad = await run(
        client, VISIT, worker, input={**visit, "clientId": str(uuid.uuid4()), "minutes": 0}
    )
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "minutes")
    assert await HouseholdVisit.all().count() == 1
    plain = await run(client, VISIT, worker, input={**visit, "clientId": None})
    assert plain["__typename"] == "VisitPayload" and plain["visit"]["id"] != client_id
    assert await HouseholdVisit.all().count() == 2
