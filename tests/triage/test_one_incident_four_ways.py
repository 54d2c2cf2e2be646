"""Done when: one burst water main reported four ways (a grid worker's reportEvent, a citizen's
appeal, a 12345 work order, an Open311 request) is found as duplicates, merged into one event,
closed once, and every reporter follows its progress and sees the result through their own
channel."""

from __future__ import annotations

import httpx

from api.domains.events.models import Event
from api.domains.notices.models import Notice
from tests import factories
from tests.engagement.test_citizens import citizen
from tests.engagement.test_citizens import submit as submit_appeal
from tests.factories import gql
from tests.intake.helpers import api_key, close_event
from tests.triage.helpers import (
    CANDIDATES,
    DISTRICT,
    EVENT,
    FIND,
    GRID,
    MERGED,
    merge,
    near,
    report,
    staff_token,
)

WORK_ORDER = (
    "mutation($input: WorkOrderInput!) { submitWorkOrder(input: $input) { __typename"
    f" ... on WorkOrderPayload {{ workOrder {{ event {{ uuid {CANDIDATES} }} }} }} }} }}"
)
FILE = "mutation($id: ID!) { fileEvent(id: $id) { __typename } }"
WORK_ORDER_STATUS = (
    "query($ticket: String!) { workOrder(ticketId: $ticket) {"
    " event { status mergedIntoId timeline { action note } } } }"
)
APPEAL = "query($id: ID!) { myAppeal(id: $id) { status progress { action note } } }"
CALLBACK = (
    "mutation($ticket: String!) { recordWorkOrderCallback(ticketId: $ticket, satisfaction: 5) {"
    " __typename ... on WorkOrderStepPayload { workOrder { event { status satisfaction } } } } }"
)
RESULT = "管网抢修队已更换破裂管段，恢复供水"
DASHBOARD = (
    "query($scope: String!) { dashboard(scope: $scope) {"
    " ... on Dashboard { reportedToday closedToday openTotal } } }"
)


async def test_one_incident_reported_four_ways_is_merged_closed_and_followed(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    hotline = await api_key(DISTRICT, "12345 hotline")
    civic_app = await api_key(DISTRICT, "civic app")
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)

    # 1. A citizen's appeal: the first report, nothing to repeat yet.
    resident = await citizen(client, "13912345678")
    appeal = await submit_appeal(
        client,
        resident,
        {
            "title": "路口水管爆了",
            "description": "黄山路淇河路交叉口水管爆裂，路面积水很深",
            "categoryKey": "city.0402",
            "location": near(20, 10),
            "regionCode": GRID,
            "address": "淇河路与黄山路交叉口",
        },
    )
    assert appeal["__typename"] == "AppealPayload", appeal
    appeal_id = appeal["appeal"]["uuid"]

    # 2. The 12345 hotline's work order, filed by the operator as standing water (a sibling
    # category): its payload already names the appeal as a probable duplicate.
    submitted = await gql(
        client,
        WORK_ORDER,
        {
            "input": {
                "ticketId": "12345-20261207-0042",
                "idempotencyKey": "k-0042",
                "content": "市民来电：淇河路黄山路口自来水管破裂漏水，路面积水",
                "categoryKey": "city.0405",
                "callerName": "王女士",
                "callerPhone": "13912340000",
                "regionCode": GRID,
                "location": near(-30, 25),
            }
        },
        headers={"X-Api-Key": hotline},
    )
    order_event = submitted["data"]["submitWorkOrder"]["workOrder"]["event"]
    assert [c["eventId"] for c in order_event["duplicateCandidates"]] == [appeal_id]
    assert order_event["duplicateCandidates"][0]["categoryKey"] == "city.0402"

    # 3. An Open311 client's request (no grid holds the point here: the district triages it).
    created = await client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": civic_app,
            "jurisdiction_id": "4106",
            "service_code": "city.0402",
            "lat": str(near(5, -40)["lat"]),
            "long": str(near(5, -40)["lng"]),
            "address_string": "淇河路与黄山路交叉口",
            "description": "淇河路与黄山路交叉口自来水管爆裂，积水严重",
        },
    )
    assert created.status_code == 200, created.text
    request_id = created.json()[0]["service_request_id"]
    open311_event = await Event.get(case_number=request_id)
    assert open311_event.region_code == DISTRICT

    # 4. The grid worker on patrol: their payload shows the two reports in their grid, scored,
    # with distances; the district's Open311 event is outside a grid worker's scope.
    reported = await report(client, worker)
    main = reported["event"]
    seen = {c["eventId"]: c for c in main["duplicateCandidates"]}
    assert set(seen) == {appeal_id, order_event["uuid"]}
    assert all(0.3 <= c["score"] <= 1 and 0 < c["distanceM"] < 150 for c in seen.values())

    # The district's dispatcher sees all three beside the main event, best first.
    found = await gql(client, FIND, {"id": main["uuid"], "first": 10}, token=dispatcher)
    candidates = found["data"]["duplicateCandidates"]["candidates"]
    assert {c["eventId"] for c in candidates} == {
        appeal_id,
        order_event["uuid"],
        str(open311_event.id),
    }
    assert [c["score"] for c in candidates] == sorted(
        (c["score"] for c in candidates), reverse=True
    )

    # Merging the three into the grid worker's event: each keeps its reporter, stops its clock.
    for report_id in (appeal_id, order_event["uuid"], str(open311_event.id)):
        merged = await merge(client, dispatcher, report_id, main["uuid"])
        assert merged["__typename"] == "EventPayload", merged
        assert merged["event"]["mergedIntoId"] == main["uuid"]
        assert merged["event"]["dueAt"] is None and merged["entry"]["action"] == "MERGE"
        assert merged["entry"]["note"] == f"并入 {main['caseNumber']}"
    listed = await gql(client, MERGED, {"id": main["uuid"]}, token=dispatcher)
    assert listed["data"]["mergedReports"]["totalCount"] == 3
    assert {e["node"]["source"] for e in listed["data"]["mergedReports"]["edges"]} == {
        "CITIZEN",
        "HOTLINE",
    }
    again = await gql(client, FIND, {"id": main["uuid"], "first": 10}, token=dispatcher)
    assert again["data"]["duplicateCandidates"]["candidates"] == []

    # The main event moves on: each reporter follows its progress in their own channel.
    leader = await staff_token("grid_leader", GRID)
    filed = await gql(client, FILE, {"id": main["uuid"]}, token=leader)
    assert filed["data"]["fileEvent"]["__typename"] == "EventPayload", filed
    progress = f"同一事件 {main['caseNumber']}：已立案"
    [pending] = (
        await client.get(f"/open311/v2/requests/{request_id}.json", params={"api_key": civic_app})
    ).json()
    assert (pending["status"], pending["status_notes"]) == ("open", progress)
    ticket = await gql(
        client, WORK_ORDER_STATUS, {"ticket": "12345-20261207-0042"}, headers={"X-Api-Key": hotline}
    )
    assert ticket["data"]["workOrder"]["event"]["timeline"][-1] == {
        "action": "MAIN_PROGRESS",
        "note": progress,
    }
    followed = (await gql(client, APPEAL, {"id": appeal_id}, token=resident))["data"]["myAppeal"]
    assert followed["progress"][-1] == {"action": "MAIN_PROGRESS", "note": progress}
    told = await Notice.filter(kind="appeal_progress").order_by("-created_at").first()
    assert told is not None and "已立案" in told.title and told.body == progress

    # The main event is handled and closed once; its reports end with it.
    await close_event(main["uuid"], result=RESULT)
    assert await Event.filter(status="closed").count() == 4

    # Each reporter sees the result through their own channel.
    own = await gql(client, EVENT, {"id": main["uuid"]}, token=worker)
    assert own["data"]["event"]["status"] == "CLOSED"

    followed = (await gql(client, APPEAL, {"id": appeal_id}, token=resident))["data"]["myAppeal"]
    assert followed["status"] == "CLOSED"
    assert [p["action"] for p in followed["progress"]] == [
        "REPORT",
        "MERGE",
        *["MAIN_PROGRESS"] * 5,  # filed, assigned, in progress, handled, verified
        "CLOSE",
    ]
    assert [p["note"] for p in followed["progress"][2:7]] == [
        f"同一事件 {main['caseNumber']}：{status}"
        for status in ("已立案", "已派遣", "处置中", "已处置", "已核查")
    ]
    assert RESULT in followed["progress"][-1]["note"]
    assert main["caseNumber"] in followed["progress"][-1]["note"]
    told = await Notice.filter(kind="appeal_progress").order_by("-created_at").first()
    assert told is not None and RESULT in told.body and "已办结" in told.title

    ticket = await gql(
        client, WORK_ORDER_STATUS, {"ticket": "12345-20261207-0042"}, headers={"X-Api-Key": hotline}
    )
    order = ticket["data"]["workOrder"]["event"]
    assert order["status"] == "CLOSED" and order["mergedIntoId"] == main["uuid"]
    assert RESULT in order["timeline"][-1]["note"]
    callback = await gql(
        client, CALLBACK, {"ticket": "12345-20261207-0042"}, headers={"X-Api-Key": hotline}
    )
    assert callback["data"]["recordWorkOrderCallback"]["workOrder"]["event"] == {
        "status": "EVALUATED",
        "satisfaction": 5,
    }

    status = await client.get(
        f"/open311/v2/requests/{request_id}.json", params={"api_key": civic_app}
    )
    [request] = status.json()
    assert request["status"] == "closed" and RESULT in request["status_notes"]

    # Statistics count the incident once, the reports as reports.
    board = await gql(client, DASHBOARD, {"scope": DISTRICT}, token=dispatcher)
    assert board["data"]["dashboard"] == {"reportedToday": 4, "closedToday": 1, "openTotal": 0}
    assert await Event.filter(merged_into_id=main["uuid"]).count() == 3
