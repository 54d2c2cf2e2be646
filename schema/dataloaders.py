"""Per-request dataloaders: one query per kind of relation, never one per row."""

from __future__ import annotations

import uuid
from functools import cached_property

from strawberry.dataloader import DataLoader

from api.domains.accounts.models import RoleAssignment
from api.domains.accounts.service import assignments_of


async def _load_assignments(user_ids: list[uuid.UUID]) -> list[list[RoleAssignment]]:
    grouped = await assignments_of(user_ids)
    return [grouped.get(user_id, []) for user_id in user_ids]


class Loaders:
    """Created per request, so nothing cached outlives it or crosses users."""

    @cached_property
    def assignments_by_user(self) -> DataLoader[uuid.UUID, list[RoleAssignment]]:
        return DataLoader(load_fn=_load_assignments)
