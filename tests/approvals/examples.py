"""The approval records graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid
from dataclasses import replace

from api.auth import Assignment, Principal
from api.domains.approvals import assessments, service
from api.domains.approvals.definitions import steps_of
from api.domains.approvals.enums import Action, AssessmentAction, RiskLevel
from api.regions import Level
from tests.approvals.helpers import COMMUNITY, DISTRICT, STEPS, TEMPLATE, TOWNSHIP


def _as(role: str, code: str) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), username=f"{role}.example", assignments=(Assignment(role, code),)
    )


async def approval_fixtures() -> dict[str, str]:
    """A published item of 410611 with the four-step flow (community, township, district,
    registration; decided at the district), applications waiting at the township, at the
    district and for collection, and risk assessments of 410611001 pending and in each stage."""
    admin, community = _as("admin", DISTRICT), _as("community_staff", COMMUNITY)
    township, district = _as("township_centre", TOWNSHIP), _as("district_command", DISTRICT)
    data = service.ItemInput(
        code="MZ-001",
        name="低保申请",
        region_code=DISTRICT,
        promised_days=20,
        decides_at=Level.DISTRICT,
        form_template=TEMPLATE,
        materials=[service.Material(key="photo", name="家庭照片", required=False)],
        legal_basis="《社会救助暂行办法》",
        where_to_apply="户籍所在社区",
    )
    item = await service.save_item(actor=admin, data=data)
    flow = [{**step, "actions": [a.lower() for a in step["actions"]]} for step in STEPS]
    await service.save_flow(
        actor=admin,
        item_id=item.id,
        steps=steps_of([{**s, "level": s["level"].lower()} for s in flow]),
    )
    await service.save_item(actor=admin, data=replace(data, published=True), item_id=item.id)

    async def application(*steps: tuple[Principal, Action]) -> str:
        filed = await service.submit(
            actor=community,
            data=service.ApplicationInput(
                item_id=item.id,
                region_code=COMMUNITY,
                form={"householdSize": 3, "reason": "因病致贫"},
                applicant_name="王大爷",
            ),
        )
        for actor, action in steps:
            await service.take_step(
                actor=actor,
                application_id=filed.id,
                action=action,
                certificate_number="民低保〔2026〕0012号" if action is Action.REGISTER else None,
            )
        return str(filed.id)

    at_township = await application((community, Action.REVIEW))
    at_district = await application((community, Action.REVIEW), (township, Action.APPROVE))
    ready = await application(
        (community, Action.REVIEW),
        (township, Action.APPROVE),
        (district, Action.APPROVE),
        (district, Action.REGISTER),
    )

    async def assessment(*stages: AssessmentAction) -> str:
        made = await assessments.submit(
            actor=township,
            data=assessments.DecisionInput(
                title="金山街道老旧小区改造",
                sponsor_unit="金山街道办事处",
                decision_type="urban_renewal",
                region_code=TOWNSHIP,
            ),
        )
        for stage in stages:
            if stage is AssessmentAction.ACCEPT:
                await assessments.accept(
                    actor=township, assessment_id=made.id, expected_version=None
                )
            else:
                await assessments.record_stage(
                    actor=township,
                    assessment_id=made.id,
                    data=assessments.StageInput(opinion="中风险", risk_level=RiskLevel.MEDIUM),
                    expected_version=None,
                )
        return str(made.id)

    return {
        "<approval_item_id>": str(item.id),
        "<application_at_township_id>": at_township,
        "<application_at_district_id>": at_district,
        "<application_ready_id>": ready,
        "<pending_assessment_id>": await assessment(),
        "<initial_review_assessment_id>": await assessment(AssessmentAction.ACCEPT),
        "<re_review_assessment_id>": await assessment(
            AssessmentAction.ACCEPT, AssessmentAction.INITIAL_REVIEW
        ),
    }
