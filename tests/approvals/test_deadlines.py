"""An application's running step gets its reminder, yellow and red card from the kernel's one
deadline sweep (the worker's existing job): approvals have no job of their own."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx

from api import clock
from api.domains.approvals.models import Application, RiskAssessment
from api.domains.notices.models import Notice
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard, FlowStep
from api.outbox import OutboxMessage
from api.settings import Settings
from tests import factories
from tests.approvals.helpers import SUBMIT, application_input, id_card, people, published_item
from tests.factories import gql
from workers.events import enforce_deadlines

MONDAY_0900 = datetime(2026, 11, 30, 9, 0, tzinfo=LOCAL)


async def test_the_shared_sweep_reminds_and_cards_the_running_step_once(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    clock.move(MONDAY_0900 - clock.now())
    p = await people()
    item_id = await published_item(client, p.admin)
    card = await id_card(client, p.citizen)
    body = await gql(client, SUBMIT, {"input": application_input(item_id, card)}, token=p.citizen)
    uuid = body["data"]["submitApplication"]["application"]["uuid"]
    stored = await Application.get(id=uuid)
    # The community's step: 2 working days on the work calendar.
    assert stored.due_at is not None and stored.remind_at is not None and stored.red_at is not None
    assert stored.due_at.astimezone(LOCAL).date() == date(2026, 12, 2)
    assert stored.remind_at < stored.due_at < stored.red_at

    reports = []
    for moment in (stored.remind_at, stored.due_at, stored.red_at, stored.red_at):
        clock.move(moment + timedelta(minutes=1) - clock.now())
        reports.append(await enforce_deadlines({}))
    assert [(r["reminders"], r["yellow_cards"], r["red_cards"]) for r in reports] == [
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
        (0, 0, 0),
    ]

    after = await Application.get(id=uuid)
    assert (after.card, after.warning_level, after.status) == ("red", 3, "in_review")
    cards = await FlowCard.filter(flow="approval", record_id=uuid).order_by("id")
    assert [(c.card, c.stage, c.region_code) for c in cards] == [
        ("yellow", "step_1", "410611001001"),
        ("red", "step_1", "410611001001"),
    ]
    steps = await FlowStep.filter(flow="approval", record_id=uuid).order_by("id")
    assert [s.action for s in steps] == ["submit", "remind", "yellow_card", "red_card"]
    # Told: the community staff the step waits for.
    community_staff = await Notice.filter(kind__in=["reminder", "yellow_card", "red_card"])
    assert sorted(n.kind for n in community_staff) == ["red_card", "reminder", "yellow_card"]
    assert all(n.title.endswith(after.applicant_name) for n in community_staff)
    changes = await OutboxMessage.filter(topic="approval").order_by("id")
    assert [c.payload["action"] for c in changes] == ["submit", "remind", "yellow_card", "red_card"]
    assert changes[-1].payload["application"]["card"] == "red"


async def test_an_assessment_stage_is_carded_by_the_same_sweep(
    client: httpx.AsyncClient, db: None
) -> None:
    clock.move(MONDAY_0900 - clock.now())
    await factories.region_tree()
    creator, token = await factories.signed_in("township_centre", "410611001")
    body = await gql(
        client,
        "mutation($i: RiskAssessmentInput!) { submitRiskAssessment(input: $i) {"
        " ... on RiskAssessmentPayload { assessment { uuid } } } }",
        {
            "i": {
                "title": "道路拓宽",
                "sponsorUnit": "金山街道办事处",
                "decisionType": "road",
                "regionCode": "410611001",
            }
        },
        token=token,
    )
    uuid = body["data"]["submitRiskAssessment"]["assessment"]["uuid"]
    stored = await RiskAssessment.get(id=uuid)
    assert stored.red_at is not None  # 待评估: 3 working days
    clock.move(stored.red_at + timedelta(minutes=1) - clock.now())
    report = await enforce_deadlines({})
    # found past its red threshold: both cards at once (a reminder would come too late)
    assert (report["reminders"], report["yellow_cards"], report["red_cards"]) == (0, 1, 1)
    cards = await FlowCard.filter(flow="risk_assessment", record_id=uuid).order_by("id")
    assert [(c.card, c.stage) for c in cards] == [("yellow", "pending"), ("red", "pending")]
    told = await Notice.filter(user_id=creator.id).values_list("kind", flat=True)
    assert sorted(told) == ["red_card", "yellow_card"]
