"""The emergencies graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid

from api.auth import Assignment, Principal
from api.domains.emergencies import plans, service
from api.domains.emergencies.enums import DepartmentRole, IncidentSource, ResponseLevel
from api.domains.emergencies.models import IncidentTask
from api.domains.hierarchy.models import Department
from tests import factories


async def emergency_fixtures() -> dict[str, str]:
    """淇滨区's traffic-accident plan (its police, the fixtures' department, and its fire
    brigade), an incident reported by phone and being verified, and one activated on the plan
    with the police's task open (regions and the police department must exist)."""
    police = await Department.get(region_code="410611", code="police")
    fire = await factories.department("410611", "fire", "淇滨消防救援大队")
    commander = await factories.user("district_command", "410611", username="commander.qibin")
    centre = Principal(
        user_id=uuid.uuid4(),
        username="qibin.centre",
        assignments=(Assignment("district_command", "410611"),),
    )
    plan = await plans.save_plan(
        actor=centre,
        data=plans.PlanInput(
            code="QB-JT-01",
            name="淇滨区道路交通事故应急预案",
            type_code="0202",
            region_code="410611",
            highest_level=ResponseLevel.II,
            lowest_level=ResponseLevel.IV,
            departments=[
                plans.PlanDepartment(police.id, DepartmentRole.RESPONSIBLE, "交通管制、现场警戒"),
                plans.PlanDepartment(fire.id, DepartmentRole.SUPPORTING, "抢险救援"),
            ],
            tasks=[
                plans.TaskTemplate("交通管制", 1, department_id=police.id),
                plans.TaskTemplate("现场救援", 2, department_id=fire.id),
            ],
        ),
    )

    def report(title: str) -> service.IncidentInput:
        return service.IncidentInput(
            title=title,
            description="来电称路口车辆相撞，有人员受伤",
            type_code="0202",
            region_code="410611001001",
            source=IncidentSource.PHONE,
            caller_name="张先生",
            caller_phone="13800001111",
            lat=35.75,
            lng=114.30,
            address="淇河路与黎阳路交叉口",
        )

    verifying = await service.open_incident(actor=centre, data=report("淇河路多车相撞"))
    active = await service.open_incident(actor=centre, data=report("华山路货车侧翻"))
    await service.activate(
        actor=centre,
        incident_id=active.id,
        plan_id=plan.id,
        level=ResponseLevel.III,
        commander_id=commander.id,
    )
    police_task = await IncidentTask.get(incident_id=active.id, department_id=police.id)
    return {
        "<emergency_plan_id>": str(plan.id),
        "<fire_department_id>": str(fire.id),
        "<commander_id>": str(commander.id),
        "<verifying_incident_id>": str(verifying.id),
        "<active_incident_id>": str(active.id),
        "<police_task_id>": str(police_task.id),
    }
