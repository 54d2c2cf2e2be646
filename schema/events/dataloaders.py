"""Per-request loads of an event's co-handling tasks (协办), their steps and its on-site checks."""

from __future__ import annotations

import uuid

from api.domains.events.cohandling import steps_of, tasks_of
from api.domains.events.models import Cohandling, SiteCheck
from api.domains.events.site_checks import checks_of
from api.flows.models import FlowStep


async def load_cohandlings(event_ids: list[uuid.UUID]) -> list[list[Cohandling]]:
    grouped = await tasks_of(event_ids)
    return [grouped.get(event_id, []) for event_id in event_ids]


async def load_cohandling_steps(task_ids: list[uuid.UUID]) -> list[list[FlowStep]]:
    grouped = await steps_of(task_ids)
    return [grouped.get(task_id, []) for task_id in task_ids]


async def load_site_checks(event_ids: list[uuid.UUID]) -> list[list[SiteCheck]]:
    grouped = await checks_of(event_ids)
    return [grouped.get(event_id, []) for event_id in event_ids]
