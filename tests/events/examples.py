"""The co-handling (协办) and on-site verification (现场核查) records the GraphQL examples run
against: events of 道路破损 (verified on site) in grid 1 of 金山社区, held by the district 410611
once filed, with the district's roads bureau leading and its police co-handling."""

from __future__ import annotations

import uuid

from api.auth import Assignment, Principal
from api.domains.events import service as events
from api.domains.events.cohandling import CohandlerRequest
from api.domains.events.models import Cohandling
from api.domains.hierarchy.models import Department
from tests import factories

GRID = "410611001001001"


def _as(role: str, code: str, department_id: uuid.UUID | None = None) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), username=role, assignments=(Assignment(role, code, department_id),)
    )


async def cohandling_fixtures() -> dict[str, str]:
    police = await Department.get(region_code="410611", code="police")
    roads = await factories.department("410611", "roads", "住建局")
    worker, grid_leader = _as("grid_worker", GRID), _as("grid_leader", GRID)
    community, township = _as("community_staff", GRID[:12]), _as("township_centre", GRID[:9])
    district = _as("district_command", GRID[:6])
    roads_staff = _as("department_staff", GRID[:6], roads.id)

    async def at_district(title: str) -> uuid.UUID:
        event = await events.report(
            actor=worker,
            data=events.ReportInput(
                title=title,
                description="人行道路面塌陷约一平方米",
                category_key="city.0603",
                region_code=GRID,
                lat=35.748,
                lng=114.297,
            ),
        )
        await events.file(actor=grid_leader, event_id=event.id)
        for holder in (grid_leader, community, township):
            await events.escalate(actor=holder, event_id=event.id, note="需多部门联动")
        return event.id

    to_dispatch = await at_district("示例协办事件 待派遣")
    dispatched = await at_district("示例协办事件 协办中")
    await events.assign(
        actor=district,
        event_id=dispatched,
        department_id=roads.id,
        cohandlers=[CohandlerRequest(department_id=police.id, task="设置围挡，维持现场秩序")],
    )
    task = await Cohandling.get(event_id=dispatched)
    handled = await at_district("示例现场核查事件")
    await events.assign(actor=district, event_id=handled, department_id=roads.id)
    await events.accept(actor=roads_staff, event_id=handled)
    await events.submit(actor=roads_staff, event_id=handled, note="路面已修复")
    return {
        "<roads_department_id>": str(roads.id),
        "<cohandle_event_id>": str(to_dispatch),
        "<cohandled_event_id>": str(dispatched),
        "<cohandling_id>": str(task.id),
        "<site_check_event_id>": str(handled),
    }
