"""Per-request loaders of incidents' records: one query per relation for a page of incidents."""

from __future__ import annotations

import uuid

from api.domains.emergencies import cap, service
from api.domains.emergencies.models import (
    CapAlert,
    EmergencyPlan,
    IncidentTask,
    SituationReport,
)
from api.flows.models import FlowStep


async def load_tasks(ids: list[uuid.UUID]) -> list[list[IncidentTask]]:
    grouped = await service.tasks_of(ids)
    return [grouped.get(i, []) for i in ids]


async def load_reports(ids: list[uuid.UUID]) -> list[list[SituationReport]]:
    grouped = await service.reports_of(ids)
    return [grouped.get(i, []) for i in ids]


async def load_timelines(ids: list[uuid.UUID]) -> list[list[FlowStep]]:
    grouped = await service.timelines_of(ids)
    return [grouped.get(i, []) for i in ids]


async def load_alerts(ids: list[uuid.UUID]) -> list[list[CapAlert]]:
    grouped = await cap.alerts_of(ids)
    return [grouped.get(i, []) for i in ids]


async def load_plans(ids: list[uuid.UUID]) -> list[EmergencyPlan | None]:
    found = await service.plans_by_id(ids)
    return [found.get(i) for i in ids]
