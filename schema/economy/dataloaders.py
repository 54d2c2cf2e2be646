"""Per-request loaders of economic operations: one query per page of projects."""

from __future__ import annotations

import uuid

from api.domains.economy import projects
from api.domains.economy.models import Milestone, ProgressReport, ProjectAttachment


async def load_milestones(project_ids: list[uuid.UUID]) -> list[list[Milestone]]:
    grouped = await projects.milestones_of(project_ids)
    return [grouped.get(project_id, []) for project_id in project_ids]


async def load_progress(project_ids: list[uuid.UUID]) -> list[list[ProgressReport]]:
    grouped = await projects.progress_of(project_ids)
    return [grouped.get(project_id, []) for project_id in project_ids]


async def load_attachments(project_ids: list[uuid.UUID]) -> list[list[ProjectAttachment]]:
    grouped = await projects.attachments_of(project_ids)
    return [grouped.get(project_id, []) for project_id in project_ids]
