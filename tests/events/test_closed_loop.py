"""One event through all seven steps, escalated from the grid to the city and dispatched."""

from __future__ import annotations

import httpx

from api.domains.events.models import Event
from api.domains.hierarchy.models import Department
from tests import factories
from tests.events.helpers import (
    ACCEPT,
    ASSIGN,
    CLOSE,
    COMMENT,
    ESCALATE,
    EVALUATE,
    FILE,
    REPORT,
    RETURN,
    SUBMIT,
    SUPERVISE,
    VERIFY,
    report_input,
    run,
)
from tests.factories import gql


async def test_an_event_walks_the_whole_loop(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    civil = await Department.create(
        region_code="4106", code="civil", name="市民政局", categories=[]
    )
    police = await Department.create(
        region_code="4106", code="police", name="市公安局", categories=[]
    )
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    _, community = await factories.signed_in("community_staff", "410611001001")
    _, township = await factories.signed_in("township_centre", "410611001")
    _, district = await factories.signed_in("district_command", "410611")
    _, city = await factories.signed_in("city_command", "4106")
    _, leader = await factories.signed_in("leader", "4106")
    _, civil_staff = await factories.signed_in("department_staff", "4106", department_id=civil.id)
    _, police_staff = await factories.signed_in("department_staff", "4106", department_id=police.id)

    reported = await run(client, REPORT, worker, input=report_input())
    event = reported["event"]
    event_id = event["uuid"]
    assert (
        event["status"] == "REPORTED"
        and event["handlingLevel"] == "GRID"
        and event["stage"] == "FILE"
    )
    assert event["caseNumber"].startswith("410611-")

    assert (await run(client, FILE, grid_leader, id=event_id))["event"]["status"] == "FILED"
    holders = []
    for token in (grid_leader, community, township, district):
        escalated = await run(client, ESCALATE, token, id=event_id, note="超出本级处置能力")
        holders.append(escalated["event"]["handlingRegionCode"])
    assert holders == ["410611001001", "410611001", "410611", "4106"]

    assigned = await run(client, ASSIGN, city, id=event_id, department=str(civil.id), user=None)
    assert assigned["event"]["status"] == "ASSIGNED" and assigned["event"]["stage"] == "HANDLE"
    returned = await run(client, RETURN, civil_staff, id=event_id, note="非本部门职责")
    assert returned["event"]["status"] == "FILED"
    await run(client, ASSIGN, city, id=event_id, department=str(police.id), user=None)
    await run(client, SUPERVISE, leader, id=event_id, note="请加快处置")
    await run(client, ACCEPT, police_staff, id=event_id)
    await run(client, SUBMIT, police_staff, id=event_id, note="已补设井盖")
    rework = await run(client, VERIFY, city, id=event_id, passed=False, note="井盖型号不符")
    assert rework["event"]["status"] == "ASSIGNED" and rework["event"]["reworkCount"] == 1
    await run(client, ACCEPT, police_staff, id=event_id)
    await run(client, SUBMIT, police_staff, id=event_id, note="已更换为标准井盖")
    assert (await run(client, VERIFY, city, id=event_id, passed=True, note=""))["event"][
        "status"
    ] == "VERIFIED"
    closed = await run(client, CLOSE, city, id=event_id)
    assert closed["event"]["status"] == "CLOSED" and closed["event"]["dueAt"] is None
    evaluated = await run(client, EVALUATE, city, id=event_id, score=5)
    assert evaluated["event"]["status"] == "EVALUATED" and evaluated["event"]["satisfaction"] == 5
    await run(client, COMMENT, leader, id=event_id, note="处置及时，群众满意")

    body = await gql(
        client,
        "query($id: ID!) { event(id: $id) {"
        " status step timeline { action fromStatus toStatus toRegionCode step } } }",
        {"id": event_id},
        token=worker,
    )
    timeline = [(t["action"], t["toStatus"]) for t in body["data"]["event"]["timeline"]]
    assert timeline == [
        ("REPORT", "REPORTED"),
        ("FILE", "FILED"),
        ("ESCALATE", "FILED"),
        ("ESCALATE", "FILED"),
        ("ESCALATE", "FILED"),
        ("ESCALATE", "FILED"),
        ("ASSIGN", "ASSIGNED"),
        ("RETURN", "FILED"),
        ("ASSIGN", "ASSIGNED"),
        ("SUPERVISE", "ASSIGNED"),
        ("ACCEPT", "IN_PROGRESS"),
        ("SUBMIT", "HANDLED"),
        ("VERIFY", "ASSIGNED"),
        ("ACCEPT", "IN_PROGRESS"),
        ("SUBMIT", "HANDLED"),
        ("VERIFY", "VERIFIED"),
        ("CLOSE", "CLOSED"),
        ("EVALUATE", "EVALUATED"),
        ("COMMENT", "EVALUATED"),
    ]
    # the rows read as the plan's seven steps, a rework going back to dispatch
    steps = [t["step"] for t in body["data"]["event"]["timeline"]]
    assert steps == [
        *("REPORT", "FILE", "FILE", "FILE", "FILE", "FILE", "DISPATCH", "FILE", "DISPATCH"),
        *("DISPATCH", "HANDLE", "FEEDBACK", "DISPATCH", "HANDLE", "FEEDBACK", "FEEDBACK"),
        *("CLOSE", "EVALUATE", "EVALUATE"),
    ]
    assert list(dict.fromkeys(steps)) == [
        *("REPORT", "FILE", "DISPATCH", "HANDLE", "FEEDBACK", "CLOSE", "EVALUATE")
    ]
    assert body["data"]["event"]["step"] == "EVALUATE"
    stored = await Event.get(id=event_id)
    assert stored.region_code == "410611001001001"  # where it happened never moves
    assert stored.escalation_count == 4 and stored.closed_at is not None
