"""Per-request loaders of approvals: one query per page of applications or assessments."""

from __future__ import annotations

import uuid

from api.domains.approvals import assessments, service
from api.domains.approvals.models import RiskReview
from api.flows.models import FlowStep


async def load_timelines(application_ids: list[uuid.UUID]) -> list[list[FlowStep]]:
    grouped = await service.timelines(application_ids)
    return [grouped.get(application_id, []) for application_id in application_ids]


async def load_reviews(assessment_ids: list[uuid.UUID]) -> list[list[RiskReview]]:
    grouped = await assessments.reviews(assessment_ids)
    return [grouped.get(assessment_id, []) for assessment_id in assessment_ids]
