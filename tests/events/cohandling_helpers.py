"""Shared pieces of the co-handling (协办) and on-site verification (现场核查) tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from api import clock
from api.domains.hierarchy.models import Department
from api.flows.calendar import LOCAL
from tests import factories
from tests.events.helpers import (
    ACCEPT,
    ESCALATE,
    FILE,
    REPORT,
    RESULT,
    SUBMIT,
    report_input,
    run,
)
from tests.factories import gql

GRID = "410611001001001"
TOWNSHIP = "410611001"
# 道路破损: verified on site (the data file marks it)
ON_SITE_CATEGORY = "city.0603"
SITE = {"lat": 35.748, "lng": 114.297}
NEAR = {"lat": 35.7482, "lng": 114.2972}  # about 28 m away
FAR = {"lat": 35.760, "lng": 114.297}  # about 1.3 km away

ASSIGN_WITH = f"""mutation($id: ID!, $department: ID, $cohandlers: [EventCohandlerInput!]) {{
  assignEvent(id: $id, departmentId: $department, cohandlers: $cohandlers) {{ {RESULT} }} }}"""
REPORT_COHANDLING = f"""mutation($id: ID!, $result: String!) {{
  reportEventCohandling(id: $id, result: $result) {{ {RESULT} }} }}"""
VERIFY_ON_SITE = f"""mutation($id: ID!, $input: EventSiteCheckInput!) {{
  verifyEventOnSite(id: $id, input: $input) {{ {RESULT} }} }}"""
COHANDLINGS = """query($id: ID!) { event(id: $id) {
  status step
  cohandlings { id departmentId status card dueAt result timeline { action toStatus } }
  siteChecks { passed distanceMetres note location { lat lng } attachmentIds }
  timeline { action toStatus step note } } }"""


def at(hour: int, minute: int = 0, *, days: int = 0) -> None:
    """Move the clock to a time of Monday 30 November 2026, or of `days` after it."""
    day = datetime(2026, 11, 30, hour, minute, tzinfo=LOCAL) + timedelta(days=days)
    clock.move(day - clock.now())


async def signed_in(role: str, region_code: str, **kwargs: Any) -> str:
    """A token that lasts the working day the tests move the clock through."""
    account = await factories.user(role, region_code, **kwargs)
    return await factories.token_for(account, ttl=timedelta(hours=20))


@dataclass
class Setting:
    """A township centre holding an event of a category verified on site, with three
    departments and their staff, the grid's worker and leader."""

    event_id: str
    township: str
    worker: str
    grid_leader: str
    lead: Department
    water: Department
    traffic: Department
    lead_staff: str
    water_staff: str
    traffic_staff: str


async def township_event(
    client: httpx.AsyncClient, *, category: str = ON_SITE_CATEGORY, location: Any = SITE
) -> Setting:
    """An event reported in grid 1 of 金山社区 and handed to the 金山街道 centre (filed)."""
    at(9)
    await factories.region_tree()
    lead = await factories.department(TOWNSHIP, "roads", "街道城建办")
    water = await factories.department(TOWNSHIP, "water", "供水所")
    traffic = await factories.department(TOWNSHIP, "traffic", "交警中队")
    worker = await signed_in("grid_worker", GRID)
    grid_leader = await signed_in("grid_leader", GRID)
    community = await signed_in("community_staff", GRID[:12])
    township = await signed_in("township_centre", TOWNSHIP)
    staff = [
        await signed_in("department_staff", TOWNSHIP, department_id=d.id)
        for d in (lead, water, traffic)
    ]
    reported = await run(
        client,
        REPORT,
        worker,
        input=report_input(title="人行道塌陷", categoryKey=category, location=location),
    )
    event_id = reported["event"]["uuid"]
    await run(client, FILE, grid_leader, id=event_id)
    for token in (grid_leader, community):
        await run(client, ESCALATE, token, id=event_id, note="需要多部门联动")
    return Setting(event_id, township, worker, grid_leader, lead, water, traffic, *staff)


async def dispatch(
    client: httpx.AsyncClient, setting: Setting, *, traffic_due: datetime | None = None
) -> dict[str, Any]:
    """To the roads office, with the water works and the traffic police co-handling."""
    return await run(
        client,
        ASSIGN_WITH,
        setting.township,
        id=setting.event_id,
        department=str(setting.lead.id),
        cohandlers=[
            {"departmentId": str(setting.water.id), "task": "关闭检修阀门并排查管线"},
            {
                "departmentId": str(setting.traffic.id),
                "task": "设置围挡并疏导交通",
                "dueAt": traffic_due.isoformat() if traffic_due else None,
            },
        ],
    )


async def handled_alone(client: httpx.AsyncClient, setting: Setting) -> None:
    """Dispatched to the roads office alone, which reports its result."""
    await run(
        client,
        ASSIGN_WITH,
        setting.township,
        id=setting.event_id,
        department=str(setting.lead.id),
        cohandlers=None,
    )
    await run(client, ACCEPT, setting.lead_staff, id=setting.event_id)
    await run(client, SUBMIT, setting.lead_staff, id=setting.event_id, note="已修复")


async def tasks(client: httpx.AsyncClient, setting: Setting) -> dict[str, dict[str, Any]]:
    """The event's co-handling tasks by department id, as the township sees them."""
    body = await gql(client, COHANDLINGS, {"id": setting.event_id}, token=setting.township)
    return {task["departmentId"]: task for task in body["data"]["event"]["cohandlings"]}


async def event_view(client: httpx.AsyncClient, setting: Setting) -> dict[str, Any]:
    body = await gql(client, COHANDLINGS, {"id": setting.event_id}, token=setting.township)
    return body["data"]["event"]


def check(location: dict[str, float], *, passed: bool, note: str = "") -> dict[str, Any]:
    return {"passed": passed, "location": location, "note": note}
