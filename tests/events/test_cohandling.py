"""Co-handling (协办) and on-site verification (现场核查), issue 25 parts 1–2: an event dispatched
to a lead department and two co-handlers, one of them late and carded by the sweep, the lead's
result, an on-site check that fails once and passes on the second visit, closing and evaluation;
and what each party may not do."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx

from api.domains.events.enforcement import sweep
from api.domains.events.models import Cohandling, Event, SiteCheck, TimelineEntry
from api.domains.notices.models import Notice
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard
from tests import factories
from tests.events.cohandling_helpers import (
    ASSIGN_WITH,
    FAR,
    NEAR,
    REPORT_COHANDLING,
    VERIFY_ON_SITE,
    at,
    check,
    dispatch,
    event_view,
    handled_alone,
    signed_in,
    tasks,
    township_event,
)
from tests.events.helpers import (
    ACCEPT,
    CLOSE,
    ESCALATE,
    EVALUATE,
    RETURN,
    SUBMIT,
    VERIFY,
    run,
)
from tests.factories import gql

MY_TASKS = "{ myTasks(first: 20) { edges { node { uuid status } } } }"
LIST = "{ events(first: 20) { edges { node { uuid } } } }"


def _ids(body: dict, field: str) -> list[str]:
    return [edge["node"]["uuid"] for edge in body["data"][field]["edges"]]


async def test_co_handlers_a_late_card_and_an_on_site_check_walk_the_seven_steps(
    client: httpx.AsyncClient,
) -> None:
    setting = await township_event(client)
    event_id = setting.event_id
    traffic_due = datetime(2026, 11, 30, 14, 0, tzinfo=LOCAL)
    assigned = await dispatch(client, setting, traffic_due=traffic_due)
    assert assigned["event"]["status"] == "ASSIGNED"
    water, traffic = str(setting.water.id), str(setting.traffic.id)
    found = await tasks(client, setting)
    assert {t["status"] for t in found.values()} == {"ASSIGNED"}
    assert datetime.fromisoformat(found[traffic]["dueAt"]) == traffic_due

    # co-handlers see the event in their department's lists and tasks
    for token in (setting.water_staff, setting.traffic_staff):
        assert event_id in _ids(await gql(client, MY_TASKS, token=token), "myTasks")
        assert event_id in _ids(await gql(client, LIST, token=token), "events")

    at(10)
    reported = await run(
        client, REPORT_COHANDLING, setting.water_staff, id=found[water]["id"], result="阀门已关闭"
    )
    assert reported["entry"]["action"] == "COHANDLE"
    assert event_id not in _ids(await gql(client, MY_TASKS, token=setting.water_staff), "myTasks")
    await run(client, ACCEPT, setting.lead_staff, id=event_id)

    # the traffic police are still within their time: the lead's result waits for them
    at(11)
    early = await run(client, SUBMIT, setting.lead_staff, id=event_id, note="路面已修复")
    assert (early["__typename"], early["code"]) == ("ConflictError", "INVALID_TRANSITION")

    # their deadline passes: the sweep cards the late co-handler like any other stage
    at(13, 10)
    reminded = await sweep()
    assert (reminded.reminders, reminded.yellow_cards) == (1, 0)
    at(14, 30)
    swept = await sweep()
    assert (swept.reminders, swept.yellow_cards, swept.red_cards) == (0, 1, 0)
    cards = await FlowCard.filter(flow="event_cohandling").values_list("record_id", "card")
    assert [(str(record), card) for record, card in cards] == [(found[traffic]["id"], "yellow")]
    at(15)
    await run(
        client, REPORT_COHANDLING, setting.traffic_staff, id=found[traffic]["id"], result="围挡已设"
    )
    at(15, 30)
    submitted = await run(client, SUBMIT, setting.lead_staff, id=event_id, note="路面已修复")
    assert submitted["event"]["status"] == "HANDLED"
    # the grid's leader is told of the check to make
    assert await Notice.filter(kind="site_check").count() == 1

    # the township may not verify a category checked on site; the grid's leader goes there
    desk = await run(client, VERIFY, setting.township, id=event_id, passed=True, note="")
    assert desk["__typename"] == "NotAllowedError"
    assert event_id in _ids(await gql(client, MY_TASKS, token=setting.grid_leader), "myTasks")
    at(16)
    failed = await run(
        client,
        VERIFY_ON_SITE,
        setting.grid_leader,
        id=event_id,
        input=check(NEAR, passed=False, note="路面仍有裂缝"),
    )
    assert failed["event"]["status"] == "ASSIGNED" and failed["event"]["reworkCount"] == 1
    at(16, 30)
    await run(client, ACCEPT, setting.lead_staff, id=event_id)
    await run(client, SUBMIT, setting.lead_staff, id=event_id, note="裂缝已灌缝处理")
    at(17)
    passed = await run(
        client, VERIFY_ON_SITE, setting.grid_leader, id=event_id, input=check(NEAR, passed=True)
    )
    assert passed["event"]["status"] == "VERIFIED"
    await run(client, CLOSE, setting.township, id=event_id)
    evaluated = await run(client, EVALUATE, setting.township, id=event_id, score=5)
    assert evaluated["event"]["status"] == "EVALUATED"

    view = await event_view(client, setting)
    done = {t["departmentId"]: t for t in view["cohandlings"]}
    assert {d: (t["status"], t["card"]) for d, t in done.items()} == {
        water: ("REPORTED", "NONE"),
        traffic: ("REPORTED", "YELLOW"),
    }
    assert done[water]["result"] == "阀门已关闭"
    assert [s["action"] for s in done[traffic]["timeline"]] == [
        "ASSIGN",
        "REMIND",
        "YELLOW_CARD",
        "REPORT",
    ]
    checks = view["siteChecks"]
    assert [c["passed"] for c in checks] == [False, True]
    assert all(20 < c["distanceMetres"] < 40 for c in checks)
    assert checks[0]["note"] == "路面仍有裂缝"

    timeline = [(t["action"], t["toStatus"], t["step"]) for t in view["timeline"]]
    assert timeline == [
        ("REPORT", "REPORTED", "REPORT"),
        ("FILE", "FILED", "FILE"),
        ("ESCALATE", "FILED", "FILE"),
        ("ESCALATE", "FILED", "FILE"),
        ("ASSIGN", "ASSIGNED", "DISPATCH"),
        ("COHANDLE", "ASSIGNED", "DISPATCH"),
        ("ACCEPT", "IN_PROGRESS", "HANDLE"),
        ("COHANDLE", "IN_PROGRESS", "HANDLE"),
        ("SUBMIT", "HANDLED", "FEEDBACK"),
        ("VERIFY_ON_SITE", "ASSIGNED", "DISPATCH"),
        ("ACCEPT", "IN_PROGRESS", "HANDLE"),
        ("SUBMIT", "HANDLED", "FEEDBACK"),
        ("VERIFY_ON_SITE", "VERIFIED", "FEEDBACK"),
        ("CLOSE", "CLOSED", "CLOSE"),
        ("EVALUATE", "EVALUATED", "EVALUATE"),
    ]
    # the plan's seven steps, in their order, each reached
    reached = list(dict.fromkeys(step for _, _, step in timeline))
    assert reached == ["REPORT", "FILE", "DISPATCH", "HANDLE", "FEEDBACK", "CLOSE", "EVALUATE"]
    notes = [t["note"] for t in view["timeline"] if t["action"] == "COHANDLE"]
    assert notes == ["阀门已关闭", "围挡已设"]


async def test_a_co_handler_whose_time_ran_out_lapses_when_the_lead_reports(
    client: httpx.AsyncClient,
) -> None:
    setting = await township_event(client)
    await dispatch(client, setting, traffic_due=datetime(2026, 11, 30, 12, 0, tzinfo=LOCAL))
    found = await tasks(client, setting)
    water, traffic = found[str(setting.water.id)], found[str(setting.traffic.id)]
    await run(client, REPORT_COHANDLING, setting.water_staff, id=water["id"], result="已排查")
    at(12, 30)
    await sweep()
    await run(client, ACCEPT, setting.lead_staff, id=setting.event_id)
    submitted = await run(client, SUBMIT, setting.lead_staff, id=setting.event_id, note="已修复")
    assert submitted["event"]["status"] == "HANDLED"
    after = await tasks(client, setting)
    assert after[traffic["departmentId"]]["status"] == "LAPSED"
    assert after[traffic["departmentId"]]["card"] == "YELLOW"
    # a lapsed task takes no late report
    late = await run(
        client, REPORT_COHANDLING, setting.traffic_staff, id=traffic["id"], result="迟到的反馈"
    )
    assert late["__typename"] == "ConflictError"


async def test_return_and_escalation_withdraw_the_co_handlers(client: httpx.AsyncClient) -> None:
    setting = await township_event(client)
    await dispatch(client, setting)
    first = await tasks(client, setting)
    returned = await run(client, RETURN, setting.lead_staff, id=setting.event_id, note="非本部门")
    assert returned["event"]["status"] == "FILED"
    assert {t["status"] for t in (await tasks(client, setting)).values()} == {"WITHDRAWN"}
    # a withdrawn task is no longer the co-handler's to report, nor in its lists
    stale = await run(
        client,
        REPORT_COHANDLING,
        setting.water_staff,
        id=first[str(setting.water.id)]["id"],
        result="已排查",
    )
    assert stale["__typename"] == "NotFoundError"
    assert setting.event_id not in _ids(
        await gql(client, MY_TASKS, token=setting.water_staff), "myTasks"
    )

    await dispatch(client, setting)
    assert await Cohandling.filter(event_id=setting.event_id, status="assigned").count() == 2
    escalated = await run(
        client, ESCALATE, setting.township, id=setting.event_id, note="需区级协调"
    )
    assert escalated["event"]["handlingLevel"] == "DISTRICT"
    assert await Cohandling.filter(event_id=setting.event_id, status="assigned").count() == 0
    assert await Cohandling.filter(event_id=setting.event_id, status="withdrawn").count() == 4


async def test_the_sweep_escalating_a_red_carded_event_withdraws_its_co_handlers(
    client: httpx.AsyncClient,
) -> None:
    setting = await township_event(client)
    await dispatch(client, setting)
    # the lead's handling limit is 3 working days, red at 1.5 of it: by the next Monday
    at(9, days=7)
    await sweep()
    event = await Event.get(id=setting.event_id)
    assert (event.status, event.handling_region_code) == ("filed", "410611")
    statuses = await Cohandling.filter(event_id=setting.event_id).values_list("status", flat=True)
    assert set(statuses) == {"withdrawn"}


async def test_bad_co_handling_inputs_are_typed_and_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    setting = await township_event(client)
    lead, water = str(setting.lead.id), str(setting.water.id)
    outsider = await factories.department("410611002", "other", "九州路街道城建办")
    task = {"departmentId": water, "task": "排查"}
    cases = [
        ([{"departmentId": lead, "task": "牵头也协办"}], "ValidationError"),
        ([task, task], "ValidationError"),
        ([{"departmentId": water, "task": "  "}], "ValidationError"),
        ([{"departmentId": str(outsider.id), "task": "越界"}], "NotFoundError"),
        ([{"departmentId": "not-an-id", "task": "排查"}], "NotFoundError"),
        (
            [{"departmentId": water, "task": "排查", "dueAt": "2026-11-30T08:00:00+08:00"}],
            "ValidationError",
        ),
        ([{"departmentId": water, "task": "x" * 2001}], "ValidationError"),
    ]
    for cohandlers, expected in cases:
        body = await gql(
            client,
            ASSIGN_WITH,
            {"id": setting.event_id, "department": lead, "cohandlers": cohandlers},
            token=setting.township,
        )
        assert body["data"]["assignEvent"]["__typename"] == expected, (cohandlers, body)
    eleven = [{"departmentId": water, "task": f"t{i}"} for i in range(11)]
    body = await gql(
        client,
        ASSIGN_WITH,
        {"id": setting.event_id, "department": lead, "cohandlers": eleven},
        token=setting.township,
    )
    assert body["data"]["assignEvent"]["__typename"] == "ValidationError"
    # co-handlers join a lead department
    body = await gql(
        client,
        ASSIGN_WITH,
        {"id": setting.event_id, "department": None, "cohandlers": [task]},
        token=setting.township,
    )
    assert body["data"]["assignEvent"]["__typename"] == "ValidationError"
    assert await Cohandling.all().count() == 0
    assert (await Event.get(id=setting.event_id)).status == "filed"

    await dispatch(client, setting)
    found = await tasks(client, setting)
    water_task = found[water]["id"]
    # another department's task, the lead's staff, an empty result, an unknown task
    for token, task_id, result, expected in [
        (setting.traffic_staff, water_task, "越权反馈", "NotAllowedError"),
        (setting.lead_staff, water_task, "越权反馈", "NotAllowedError"),
        (setting.water_staff, water_task, "   ", "ValidationError"),
        (setting.water_staff, "00000000-0000-0000-0000-000000000000", "x", "NotFoundError"),
        (setting.worker, water_task, "网格员", "NotAllowedError"),
    ]:
        body = await gql(client, REPORT_COHANDLING, {"id": task_id, "result": result}, token=token)
        assert body["data"]["reportEventCohandling"]["__typename"] == expected, (token, body)
    assert await Cohandling.filter(status="reported").count() == 0
    assert await TimelineEntry.filter(event_id=setting.event_id, action="cohandle").count() == 0
    # reported once, not twice
    await run(client, REPORT_COHANDLING, setting.water_staff, id=water_task, result="已排查")
    again = await run(client, REPORT_COHANDLING, setting.water_staff, id=water_task, result="再报")
    assert again["__typename"] == "ConflictError"


async def test_bad_on_site_checks_are_typed_and_write_nothing(client: httpx.AsyncClient) -> None:
    setting = await township_event(client)
    await handled_alone(client, setting)
    other_leader = await signed_in("grid_leader", "410611001001010")
    worker = await signed_in("grid_worker", "410611001001001")
    cases = [
        (setting.grid_leader, check(FAR, passed=True), "ValidationError", "OUTSIDE_AREA"),
        (setting.grid_leader, check(NEAR, passed=False), "ValidationError", "INVALID"),
        (setting.grid_leader, check({"lat": 91, "lng": 114}, passed=True), "ValidationError", None),
        (other_leader, check(NEAR, passed=True), "NotFoundError", "NOT_FOUND"),
        (worker, check(NEAR, passed=True), "NotAllowedError", "NOT_ALLOWED"),
        (setting.township, check(NEAR, passed=True), "NotAllowedError", "NOT_ALLOWED"),
        (
            setting.grid_leader,
            {**check(NEAR, passed=True), "attachmentIds": ["00000000-0000-0000-0000-000000000001"]},
            "NotFoundError",
            "NOT_FOUND",
        ),
        (
            setting.grid_leader,
            {**check(NEAR, passed=True), "attachmentIds": ["x"] * 10},
            "ValidationError",
            "INVALID",
        ),
    ]
    for token, site_check, typename, code in cases:
        body = await gql(
            client, VERIFY_ON_SITE, {"id": setting.event_id, "input": site_check}, token=token
        )
        result = body["data"]["verifyEventOnSite"]
        assert result["__typename"] == typename, (site_check, body)
        if code is not None:
            assert result["code"] == code, result
    assert await SiteCheck.all().count() == 0
    assert (await Event.get(id=setting.event_id)).status == "handled"


async def test_a_desk_category_is_not_verified_on_site(client: httpx.AsyncClient) -> None:
    setting = await township_event(client, category="city.0601")
    await handled_alone(client, setting)
    body = await run(
        client,
        VERIFY_ON_SITE,
        setting.grid_leader,
        id=setting.event_id,
        input=check(NEAR, passed=True),
    )
    assert body["__typename"] == "NotAllowedError"
    desk = await run(client, VERIFY, setting.township, id=setting.event_id, passed=True, note="")
    assert desk["event"]["status"] == "VERIFIED"


async def test_two_leaders_verifying_at_once_one_wins(client: httpx.AsyncClient) -> None:
    setting = await township_event(client)
    await handled_alone(client, setting)
    second_leader = await signed_in("grid_leader", "410611001001001")

    bodies = await asyncio.gather(
        *(
            gql(
                client,
                VERIFY_ON_SITE,
                {"id": setting.event_id, "input": check(NEAR, passed=passed, note="复核")},
                token=token,
            )
            for token, passed in ((setting.grid_leader, True), (second_leader, False))
        )
    )

    results = sorted(body["data"]["verifyEventOnSite"]["__typename"] for body in bodies)
    assert results == ["ConflictError", "EventPayload"]
    assert await SiteCheck.all().count() == 1
    assert (
        await TimelineEntry.filter(event_id=setting.event_id, action="verify_on_site").count() == 1
    )
