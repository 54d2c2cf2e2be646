"""The issue's "Bad input and faults": each a typed error with its code and field, and nothing
changed; two centres activating one incident at once: one wins."""

from __future__ import annotations

import asyncio

import httpx

from api.flows.models import FlowStep
from tests.emergencies.helpers import (
    ACTIVATE,
    ADD_TASK,
    ALERT,
    COMPLETE_TASK,
    END,
    OPEN,
    SAVE_PLAN,
    City,
    alert_input,
    call,
    city,
    phone_report,
    plan_input,
)
from tests.factories import gql


async def _opened(client: httpx.AsyncClient, people: City, **report: object) -> dict[str, object]:
    result = await call(client, OPEN, people.district, input=phone_report(**report))
    assert result["__typename"] == "IncidentPayload", result
    return result["incident"]  # type: ignore[no-any-return]


async def _plan(client: httpx.AsyncClient, people: City) -> str:
    result = await call(client, SAVE_PLAN, people.district, input=plan_input(people))
    assert result["__typename"] == "EmergencyPlanPayload", result
    return result["plan"]["id"]  # type: ignore[no-any-return]


def _error(result: dict[str, object]) -> tuple[object, object, object]:
    return result["__typename"], result.get("code"), result.get("field")


async def test_activation_needs_a_plan_a_commander_and_a_level_in_the_plans_range(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    plan = await _plan(client, people)
    incident = await _opened(client, people)
    commander = str(people.commander.id)

    no_plan = await call(
        client, ACTIVATE, people.district, id=incident["id"], level="III", commander=commander
    )
    no_commander = await call(
        client, ACTIVATE, people.district, id=incident["id"], plan=plan, level="III"
    )
    too_grave = await call(
        client,
        ACTIVATE,
        people.district,
        id=incident["id"],
        plan=plan,
        level="I",
        commander=commander,
    )

    assert _error(no_plan) == ("ValidationError", "INVALID", "planId")
    assert _error(no_commander) == ("ValidationError", "INVALID", "commanderId")
    assert _error(too_grave) == ("ValidationError", "INVALID", "level")
    assert "II–IV" in str(too_grave["message"])
    # nothing moved: the incident is still being verified, its only step the opening
    assert await FlowStep.filter(flow="emergency").count() == 1


async def test_a_plan_or_task_for_a_department_outside_the_region_is_refused(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    outside = plan_input(
        people,
        departments=[
            {"departmentId": people.elsewhere, "role": "RESPONSIBLE", "duty": "警戒"},
        ],
        tasks=[],
    )
    refused_plan = await call(client, SAVE_PLAN, people.district, input=outside)
    # 鹤山区's department serves neither 淇滨区 nor anything above or below it
    assert _error(refused_plan) == ("ValidationError", "OUTSIDE_AREA", "departments")
    plan = await _plan(client, people)
    incident = await _opened(client, people)
    active = await call(
        client,
        ACTIVATE,
        people.district,
        id=incident["id"],
        plan=plan,
        level="III",
        commander=str(people.commander.id),
    )
    assert active["__typename"] == "IncidentPayload", active

    task = await call(
        client,
        ADD_TASK,
        people.city,
        incident=incident["id"],
        title="协助警戒",
        hours=2,
        department=people.elsewhere,
    )

    assert _error(task) == ("ValidationError", "OUTSIDE_AREA", "departmentId")


async def test_ending_with_open_tasks_needs_them_cancelled_or_carried_over(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    plan = await _plan(client, people)
    incident = await _opened(client, people)
    await call(
        client,
        ACTIVATE,
        people.district,
        id=incident["id"],
        plan=plan,
        level="III",
        commander=str(people.commander.id),
    )

    refused = await call(client, END, people.district, id=incident["id"], summary="处置完毕")
    ended = await call(
        client, END, people.district, id=incident["id"], summary="处置完毕", open="CARRY_OVER"
    )

    assert _error(refused) == ("ConflictError", "CONFLICT", "openTasks")
    assert "2 task(s) are still open" in str(refused["message"])
    assert ended["__typename"] == "IncidentPayload" and ended["incident"]["status"] == "ENDED"
    record = await gql(
        client,
        "query($id: ID!) { incident(id: $id) { tasks { status } } }",
        {"id": incident["id"]},
        token=people.district,
    )
    assert [t["status"] for t in record["data"]["incident"]["tasks"]] == [
        "CARRIED_OVER",
        "CARRIED_OVER",
    ]


async def test_a_draft_has_no_cap_alert(client: httpx.AsyncClient) -> None:
    people = await city()
    incident = await _opened(client, people)

    draft = await call(client, ALERT, people.district, id=incident["id"], input=alert_input())
    update_first = await call(
        client, ALERT, people.district, id=incident["id"], input=alert_input("UPDATE")
    )

    assert _error(draft) == ("ConflictError", "INVALID_TRANSITION", None)
    assert "draft" in str(draft["message"])
    assert update_first["__typename"] == "ConflictError"


async def test_two_centres_activating_one_incident_at_once_one_wins(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    plan = await _plan(client, people)
    incident = await _opened(client, people)
    commander = str(people.commander.id)

    results = await asyncio.gather(
        *(
            call(
                client,
                ACTIVATE,
                token,
                id=incident["id"],
                plan=plan,
                level="III",
                commander=commander,
                version=incident["version"],
            )
            for token in (people.district, people.city)
        )
    )

    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ConflictError", "IncidentPayload"], results
    assert await FlowStep.filter(flow="emergency", action="activate").count() == 1
    assert await FlowStep.filter(flow="emergency_task").count() == 2  # the plan's tasks, once


async def test_only_the_tasks_department_or_command_completes_it(
    client: httpx.AsyncClient,
) -> None:
    people = await city()
    plan = await _plan(client, people)
    incident = await _opened(client, people)
    await call(
        client,
        ACTIVATE,
        people.district,
        id=incident["id"],
        plan=plan,
        level="III",
        commander=str(people.commander.id),
    )
    record = await gql(
        client,
        "query($id: ID!) { incident(id: $id) { tasks { id departmentId } } }",
        {"id": incident["id"]},
        token=people.district,
    )
    police_task = next(
        t for t in record["data"]["incident"]["tasks"] if t["departmentId"] == people.police
    )

    by_fire = await call(
        client, COMPLETE_TASK, people.fire_staff, id=police_task["id"], result="已完成"
    )
    by_police = await call(
        client, COMPLETE_TASK, people.police_staff, id=police_task["id"], result="已封闭路段"
    )

    assert _error(by_fire) == ("NotAllowedError", "NOT_ALLOWED", None)
    assert by_police["__typename"] == "IncidentTaskPayload"
    assert by_police["task"]["status"] == "DONE"
    assert by_police["task"]["result"] == "已封闭路段"


async def test_other_districts_and_bad_ids_see_nothing(client: httpx.AsyncClient) -> None:
    people = await city()
    incident = await _opened(client, people)
    from tests import factories

    _, other = await factories.signed_in("district_command", "410602")

    hidden = await gql(
        client,
        "query($id: ID!) { incident(id: $id) { number } }",
        {"id": incident["id"]},
        token=other,
    )
    bad = await call(client, END, people.district, id="not-an-id", summary="x")
    wrong_type = await call(client, OPEN, people.district, input=phone_report(typeCode="9999"))
    bad_phone = await call(client, OPEN, people.district, input=phone_report(callerPhone="12"))

    assert hidden == {"data": {"incident": None}}
    assert _error(bad) == ("NotFoundError", "NOT_FOUND", "id")
    assert _error(wrong_type) == ("ValidationError", "INVALID", "typeCode")
    assert _error(bad_phone) == ("ValidationError", "INVALID", "callerPhone")
