"""智能分拨: a classifier trained by the worker on the city's closed events suggests the top three
categories and departments; too little history suggests nothing; one trainer at a time; the
desk's choice (the category it files under, the department it dispatches to) is measured
against what was shown."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import asyncpg
import httpx

from api import clock
from api.domains.events.enums import EventStatus, Source
from api.domains.events.models import Event
from api.domains.events.scope import ancestor_columns
from api.domains.triage import service
from api.domains.triage.models import ClassifierVersion
from api.domains.triage.suggestions import TRAINING_LOCK
from api.regions import Level
from api.settings import Settings
from tests import factories
from tests.factories import gql
from tests.intake.helpers import api_key
from tests.triage.helpers import DISTRICT, GRID, REPORT, near, staff_token
from workers.triage import train_classifier

PHRASES = {
    "city.0402": (
        ["自来水管破裂", "水管爆裂", "供水管漏水", "管道爆管"],
        ["路面积水", "停水", "水往外冒"],
    ),
    "city.0602": (
        ["路灯不亮", "路灯故障", "灯杆倒了", "路灯闪烁"],
        ["晚上很黑", "影响出行", "整条街没灯"],
    ),
    "city.0102": (
        ["垃圾堆放", "垃圾没人清", "垃圾桶满了", "垃圾乱扔"],
        ["气味难闻", "三天未清运", "招苍蝇"],
    ),
}
SUGGESTIONS = "suggestions { classifierVersion categories { key score } departments { key score } }"
ACCEPTANCE = (
    "query($since: DateTime!) { suggestionAcceptance(since: $since) { suggested categoryTop1"
    " categoryTop3 classifierVersion heldOutTop1 heldOutTop3 } }"
)
EVENT = f"query($id: ID!) {{ event(id: $id) {{ {SUGGESTIONS} }} }}"
REPORT_SUGGESTED = (
    "mutation($input: ReportEventInput!) { reportEvent(input: $input) {"
    f" ... on EventPayload {{ event {{ uuid {SUGGESTIONS} }} }} }} }}"
)
WORK_ORDER = (
    "mutation($input: WorkOrderInput!) { submitWorkOrder(input: $input) {"
    f" ... on WorkOrderPayload {{ workOrder {{ event {{ {SUGGESTIONS} }} }} }} }} }}"
)
FILE = (
    "mutation($id: ID!, $category: String) { fileEvent(id: $id, categoryKey: $category) {"
    " __typename ... on EventPayload { event { categoryKey } entry { note } }"
    " ... on Error { field } } }"
)


async def closed_history(per_category: int, departments: dict[str, uuid.UUID]) -> None:
    """Closed events as a city's history holds them, written as the bench loader writes rows."""
    rng = random.Random(7)
    now = clock.now()
    rows = []
    for category, (subjects, details) in PHRASES.items():
        for n in range(per_category):
            rows.append(
                Event(
                    id=uuid.uuid4(),
                    case_number=f"H{uuid.uuid4().hex[:20]}",
                    title=rng.choice(subjects),
                    description=f"{rng.choice(['淇河路', '黄山路', '九州路'])}{n}号附近{rng.choice(subjects)}，{rng.choice(details)}",
                    category_key=category,
                    source=Source.GRID_PATROL,
                    status=EventStatus.CLOSED,
                    region_code=GRID,
                    **ancestor_columns(GRID),
                    handling_region_code=GRID,
                    handling_level=Level.GRID,
                    assignee_department_id=departments[category],
                    reported_at=now - timedelta(days=30, minutes=len(rows)),
                    closed_at=now - timedelta(days=29),
                )
            )
    await Event.bulk_create(rows)


async def test_suggestions_from_the_citys_history(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker = await staff_token("grid_worker", GRID)
    dispatcher = await staff_token("district_command", DISTRICT)
    departments = {
        key: (await factories.department(DISTRICT, code=f"d{n}", name=f"部门{n}")).id
        for n, key in enumerate(PHRASES)
    }

    # No history: the job writes nothing, and nothing is suggested.
    nothing = await train_classifier({})
    assert nothing["version"] is None and "too little history" in nothing["reason"]
    early = await gql(client, REPORT, {"input": _report("水管爆裂，路面积水")}, token=worker)
    event_id = early["data"]["reportEvent"]["event"]["uuid"]
    assert (await gql(client, EVENT, {"id": event_id}, token=dispatcher))["data"]["event"][
        "suggestions"
    ] is None

    # Below the configured minimum per category: still nothing.
    await closed_history(12, departments)
    assert (await service.train(min_per_category=20)).version is None
    assert await ClassifierVersion.all().count() == 0

    await closed_history(14, departments)
    trained = await train_classifier({})
    assert trained["version"] == 1 and trained["categories"] == 3
    assert trained["top1"] is not None and trained["top3"] == 1.0

    asked = await gql(client, EVENT, {"id": event_id}, token=dispatcher)
    shown = asked["data"]["event"]["suggestions"]
    assert shown["classifierVersion"] == 1
    assert shown["categories"][0]["key"] == "city.0402"
    assert len(shown["categories"]) == 3 and shown["categories"][0]["score"] > 0.34
    assert shown["departments"][0]["key"] == str(departments["city.0402"])

    # What was shown is kept: a later version does not rewrite it.
    await closed_history(20, departments)
    assert (await service.train()).version == 2
    again = await gql(client, EVENT, {"id": event_id}, token=dispatcher)
    assert again["data"]["event"]["suggestions"] == shown

    # reportEvent's payload carries them to the reporter's client
    light = await gql(
        client, REPORT_SUGGESTED, {"input": _report("路灯坏了，晚上很黑")}, token=worker
    )
    lit = light["data"]["reportEvent"]["event"]["uuid"]
    offered = light["data"]["reportEvent"]["event"]["suggestions"]
    assert offered["classifierVersion"] == 2 and offered["categories"][0]["key"] == "city.0602"
    lit_shown = await gql(client, EVENT, {"id": lit}, token=dispatcher)
    assert lit_shown["data"]["event"]["suggestions"] == offered

    figures = await gql(
        client,
        ACCEPTANCE,
        {"since": (clock.now() - timedelta(hours=1)).isoformat()},
        token=dispatcher,
    )
    acceptance = figures["data"]["suggestionAcceptance"]
    assert acceptance["suggested"] == 2 and acceptance["classifierVersion"] == 2
    # the water report was filed as water (first suggestion); the light report as water too
    assert acceptance["categoryTop1"] == 0.5 and acceptance["heldOutTop3"] == 1.0

    # The desk files the light report as a street lamp (分拨): its choice is what counts. A
    # category that does not exist is a typed error and changes nothing.
    leader = await staff_token("grid_leader", GRID)
    unknown = await gql(client, FILE, {"id": lit, "category": "city.9999"}, token=leader)
    assert unknown["data"]["fileEvent"] == {"__typename": "ValidationError", "field": "categoryKey"}
    assert (await Event.get(id=lit)).status is EventStatus.REPORTED
    filed = await gql(client, FILE, {"id": lit, "category": "city.0602"}, token=leader)
    assert filed["data"]["fileEvent"]["event"]["categoryKey"] == "city.0602"
    assert filed["data"]["fileEvent"]["entry"]["note"] == "类别 city.0402 → city.0602"
    chosen = await gql(
        client,
        ACCEPTANCE,
        {"since": (clock.now() - timedelta(hours=1)).isoformat()},
        token=dispatcher,
    )
    assert chosen["data"]["suggestionAcceptance"]["categoryTop1"] == 1.0

    # A 12345 work order's payload carries them too
    hotline = await api_key(DISTRICT, "12345 hotline")
    submitted = await gql(
        client,
        WORK_ORDER,
        {
            "input": {
                "ticketId": "12345-20261207-0077",
                "idempotencyKey": "k-0077",
                "content": "市民来电：九州路路灯不亮，整条街没灯",
                "categoryKey": "city.0402",
                "regionCode": GRID,
            }
        },
        headers={"X-Api-Key": hotline},
    )
    order = submitted["data"]["submitWorkOrder"]["workOrder"]["event"]["suggestions"]
    assert order["classifierVersion"] == 2 and order["categories"][0]["key"] == "city.0602"
    assert len(order["categories"]) == 3


async def test_one_trainer_at_a_time(db: None, settings: Settings) -> None:
    await factories.region_tree()
    departments = {
        key: (await factories.department(DISTRICT, code=f"d{n}")).id
        for n, key in enumerate(PHRASES)
    }
    await closed_history(25, departments)

    # another worker process, training: its own session holds the lock
    assert settings.database_url
    other = await asyncpg.connect(settings.database_url.replace("postgres://", "postgresql://"))
    try:
        async with other.transaction():
            await other.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", TRAINING_LOCK
            )
            skipped = await service.train()
    finally:
        await other.close()
    won = await service.train()

    assert skipped.version is None and skipped.reason == "another process is training"
    assert won.version == 1 and await ClassifierVersion.all().count() == 1


def _report(text: str) -> dict[str, object]:
    # every report is filed as a burst main, whatever it says: the acceptance test counts it
    return {"title": text, "categoryKey": "city.0402", "regionCode": GRID, "location": near()}
