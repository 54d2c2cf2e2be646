"""One id style for clients: every argument naming an object takes its global id (`node(id:)`'s,
the `id` a client reads back), a bare UUID still works, and an id of another type or a
malformed one is the client's error, never a filter silently left out."""

from __future__ import annotations

import httpx

from api.domains.hierarchy.models import Department
from tests import factories
from tests.events.helpers import ASSIGN, ESCALATE, FILE, REPORT, report_input, run
from tests.factories import gql

TOWNSHIP = "410611001"
EVENTS = """
query($department: ID) {
  events(filter: {assigneeDepartmentId: $department}) { totalCount edges { node { uuid } } }
}"""


async def test_a_department_is_named_by_the_id_a_client_reads(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    department = await Department.create(
        region_code=TOWNSHIP, code="civil", name="街道民政办", categories=[]
    )
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    _, community = await factories.signed_in("community_staff", "410611001001")
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    first = (await run(client, REPORT, worker, input=report_input()))["event"]["uuid"]
    second = (await run(client, REPORT, worker, input=report_input(title="占道经营")))["event"][
        "uuid"
    ]
    for event in (first, second):
        await run(client, FILE, grid_leader, id=event)
        await run(client, ESCALATE, grid_leader, id=event, note="超出本级处置能力")
        await run(client, ESCALATE, community, id=event, note="超出本级处置能力")
    read = await gql(
        client,
        "query($id: ID!) { department(id: $id) { id } }",
        {"id": str(department.id)},
        token=township,
    )
    global_id = read["data"]["department"]["id"]
    assert global_id != str(department.id)

    assigned = await run(client, ASSIGN, township, id=first, department=global_id, user=None)
    by_global = await gql(client, EVENTS, {"department": global_id}, token=township)
    by_bare = await gql(client, EVENTS, {"department": str(department.id)}, token=township)

    assert assigned["__typename"] == "EventPayload", assigned
    assert by_global["data"]["events"]["totalCount"] == 1
    assert by_global["data"]["events"]["edges"][0]["node"]["uuid"] == first
    assert by_bare["data"] == by_global["data"]


async def test_an_id_of_another_type_or_a_malformed_one_is_refused(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    _, community = await factories.signed_in("community_staff", "410611001001")
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    event = (await run(client, REPORT, worker, input=report_input()))["event"]["uuid"]
    await run(client, FILE, grid_leader, id=event)
    await run(client, ESCALATE, grid_leader, id=event, note="超出本级处置能力")
    await run(client, ESCALATE, community, id=event, note="超出本级处置能力")
    me = await gql(client, "{ me { id } }", token=worker)
    user_global_id = me["data"]["me"]["id"]

    wrong_type = await run(client, ASSIGN, township, id=event, department=user_global_id, user=None)
    listed = {
        given: await gql(client, EVENTS, {"department": given}, token=township)
        for given in (user_global_id, "not-an-id")
    }

    assert (wrong_type["__typename"], wrong_type["field"]) == ("NotFoundError", "departmentId")
    for given, body in listed.items():
        # a filter that cannot name a department is refused: dropped, it would list every event
        assert body["data"] is None, (given, body)
        error = body["errors"][0]["extensions"]
        assert (error["code"], error["field"]) == ("INVALID", "filter.assigneeDepartmentId")
