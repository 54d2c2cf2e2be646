"""Documents and data the emergency tests share: a city with two district departments, a plan,
and the walk's GraphQL operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from api.domains.accounts.models import User
from tests import factories
from tests.factories import gql

INCIDENT_FIELDS = "id uuid number status level drill stage dueAt card version planId commanderId"
ERROR = "... on Error { code message field }"


def incident_result(name: str, call: str, params: str) -> str:
    return (
        f"mutation({params}) {{ {name}({call}) {{ __typename"
        f" ... on IncidentPayload {{ incident {{ {INCIDENT_FIELDS} }} }} {ERROR} }} }}"
    )


SAVE_PLAN = (
    "mutation($input: EmergencyPlanInput!) { saveEmergencyPlan(input: $input) { __typename"
    " ... on EmergencyPlanPayload { plan { id uuid code version isCurrent tasks { title hours } } }"
    f" {ERROR} }} }}"
)
OPEN = incident_result("openIncident", "input: $input", "$input: OpenIncidentInput!")
OPEN_FROM_EVENT = incident_result(
    "openIncidentFromEvent",
    "eventId: $event, typeCode: $type, drill: $drill",
    "$event: ID!, $type: String!, $drill: Boolean",
)
ACTIVATE = incident_result(
    "activateIncident",
    "id: $id, planId: $plan, level: $level, commanderId: $commander, version: $version",
    "$id: ID!, $plan: ID, $level: ResponseLevel, $commander: ID, $version: Int",
)
CHANGE_LEVEL = incident_result(
    "changeIncidentLevel",
    "id: $id, level: $level, note: $note",
    "$id: ID!, $level: ResponseLevel!, $note: String!",
)
REPORT = (
    "mutation($id: ID!, $input: SituationReportInput!) { reportIncidentSituation(id: $id,"
    " input: $input) { __typename ... on SituationReportPayload { report { number deaths }"
    f" incident {{ {INCIDENT_FIELDS} }} }} {ERROR} }} }}"
)
SET_AREA = incident_result(
    "setIncidentAffectedArea", "id: $id, area: $area", "$id: ID!, $area: JSON!"
)
RECOVER = incident_result("recoverIncident", "id: $id, note: $note", "$id: ID!, $note: String!")
END = incident_result(
    "endIncident",
    "id: $id, summary: $summary, openTasks: $open",
    "$id: ID!, $summary: String!, $open: OpenTasksOnEnd",
)
DISMISS = incident_result("dismissIncident", "id: $id, note: $note", "$id: ID!, $note: String!")
ALERT = (
    "mutation($id: ID!, $input: CapAlertInput!) { issueIncidentAlert(id: $id, input: $input) {"
    " __typename ... on CapAlertPayload { alert { identifier msgType xml } }"
    f" {ERROR} }} }}"
)
TASK_RESULT = (
    "__typename ... on IncidentTaskPayload { task { id uuid status card result departmentId } }"
    f" {ERROR}"
)
ADD_TASK = (
    "mutation($incident: ID!, $title: String!, $hours: Int!, $department: ID, $team: String) {"
    " addIncidentTask(incidentId: $incident, title: $title, hours: $hours,"
    f" departmentId: $department, team: $team) {{ {TASK_RESULT} }} }}"
)
COMPLETE_TASK = (
    "mutation($id: ID!, $result: String!) { completeIncidentTask(id: $id, result: $result)"
    f" {{ {TASK_RESULT} }} }}"
)
REASSIGN_TASK = (
    "mutation($id: ID!, $department: ID, $note: String!) { reassignIncidentTask(id: $id,"
    f" departmentId: $department, note: $note) {{ {TASK_RESULT} }} }}"
)
RECORD = """
query($id: ID!) { incident(id: $id) {
  number status level drill summary card
  tasks { uuid title status card departmentId team }
  situationReports { number deaths injuries affectedScope progress }
  timeline { flow action fromStatus toStatus note }
  alerts { identifier msgType }
  plan { code version }
} }
"""
FEED = (
    "subscription($scope: String!, $after: Int) { emergencies(scope: $scope, after: $after)"
    " { sequence action incident { number status level } task { title status card } } }"
)
FEED_SEQUENCES = (
    "subscription($scope: String!, $after: Int) { emergencies(scope: $scope, after: $after)"
    " { sequence } }"
)

AREA = {
    "type": "Polygon",
    "coordinates": [
        [[114.29, 35.74], [114.31, 35.74], [114.31, 35.76], [114.29, 35.76], [114.29, 35.74]]
    ],
}


@dataclass
class City:
    """The people and departments of the walk: 淇滨区's command centre (which keeps the plans
    and commands), the city's centre (which follows the city feed), its police and fire
    departments with a member of staff each, and a department of another district."""

    district: str  # a district_command token at 410611
    city: str  # a city_command token at 4106
    township: str  # a township_centre token at 410611001
    commander: User
    police: str  # department ids
    fire: str
    elsewhere: str  # a department of 鹤山区 (410602)
    police_staff: str  # a department_staff token of the police
    fire_staff: str


async def city() -> City:
    await factories.region_tree()
    police = await factories.department("410611", "police", "淇滨公安分局")
    fire = await factories.department("410611", "fire", "淇滨消防救援大队")
    elsewhere = await factories.department("410602", "police-hs", "鹤山公安分局")
    _, district = await factories.signed_in("district_command", "410611")
    _, city_token = await factories.signed_in("city_command", "4106")
    _, township = await factories.signed_in("township_centre", "410611001")
    commander = await factories.user("district_command", "410611")
    _, police_staff = await factories.signed_in(
        "department_staff", "410611", department_id=police.id
    )
    _, fire_staff = await factories.signed_in("department_staff", "410611", department_id=fire.id)
    return City(
        district=district,
        city=city_token,
        township=township,
        commander=commander,
        police=str(police.id),
        fire=str(fire.id),
        elsewhere=str(elsewhere.id),
        police_staff=police_staff,
        fire_staff=fire_staff,
    )


def plan_input(people: City, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "QB-JT-01",
        "name": "淇滨区道路交通事故应急预案",
        "typeCode": "0202",
        "regionCode": "410611",
        "highestLevel": "II",
        "lowestLevel": "IV",
        "departments": [
            {"departmentId": people.police, "role": "RESPONSIBLE", "duty": "交通管制、现场警戒"},
            {"departmentId": people.fire, "role": "SUPPORTING", "duty": "抢险救援"},
        ],
        "teams": [{"name": "区应急救援队", "leader": "王强", "phone": "13912345678", "size": 30}],
        "supplies": [{"name": "警示锥", "quantity": 200, "unit": "个", "place": "区应急物资库"}],
        "shelters": [
            {
                "name": "淇滨体育馆",
                "place": "淇滨大道100号",
                "location": {"lat": 35.747, "lng": 114.297},
                "capacity": 2000,
                "contact": "0392-3300000",
            }
        ],
        "tasks": [
            {"title": "交通管制", "hours": 1, "departmentId": people.police},
            {"title": "现场救援", "hours": 2, "departmentId": people.fire},
        ],
    }
    data.update(overrides)
    return data


def phone_report(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "淇河路多车相撞",
        "description": "来电称淇河路与黎阳路交叉口三车相撞，有人员被困",
        "typeCode": "0202",
        "regionCode": "410611001001",
        "source": "PHONE",
        "callerName": "张先生",
        "callerPhone": "13800001111",
        "location": {"lat": 35.75, "lng": 114.30},
        "address": "淇河路与黎阳路交叉口",
    }
    data.update(overrides)
    return data


def situation(observed_at: str, deaths: int, progress: str) -> dict[str, Any]:
    return {
        "observedAt": observed_at,
        "deaths": deaths,
        "injuries": 3,
        "missing": 0,
        "affectedScope": "淇河路双向封闭约500米",
        "progress": progress,
    }


def alert_input(msg_type: str = "ALERT", **overrides: Any) -> dict[str, Any]:
    data = {
        "msgType": msg_type,
        "headline": "淇河路交通事故，请绕行",
        "description": "淇河路与黎阳路交叉口发生交通事故，现场正在救援",
        "instruction": "过往车辆请绕行黎阳路、华山路",
    }
    data.update(overrides)
    return data


async def call(
    client: httpx.AsyncClient, document: str, token: str, **variables: Any
) -> dict[str, Any]:
    """The root field's result; a top-level error fails the test."""
    body = await gql(client, document, variables, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))  # type: ignore[no-any-return]
