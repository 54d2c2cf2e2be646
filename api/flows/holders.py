"""Deadlines of flows whose concerned people are whoever holds a role at a region the record
names (the community staff above a diary's grid, the township centre of a round …), loaded for
a whole batch of due records in one query."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from tortoise.models import Model

from api import bulk
from api.domains.accounts.models import RoleAssignment

if TYPE_CHECKING:
    from api.flows.sweep import Writes

R = TypeVar("R", bound=Model)
Place = tuple[str, str]  # (role, region code)


async def holders_of(places: Iterable[Place]) -> dict[Place, list[uuid.UUID]]:
    """The active users holding each (role, region code)."""
    wanted = set(places)
    if not wanted:
        return {}
    rows = await RoleAssignment.filter(
        role__in=list({role for role, _ in wanted}),
        region_code__in=list({code for _, code in wanted}),
        user__is_active=True,
    ).values_list("role", "region_code", "user_id")
    found: dict[Place, list[uuid.UUID]] = defaultdict(list)
    for role, code, user_id in rows:
        if (str(role), str(code)) in wanted:
            found[(str(role), str(code))].append(uuid.UUID(str(user_id)))
    return found


@dataclass(frozen=True, slots=True)
class HeldBatch(Generic[R]):
    places: Callable[[R], Sequence[Place]]
    holders: Mapping[Place, Sequence[uuid.UUID]]

    def concerned(self, record: R) -> Sequence[uuid.UUID]:
        people: dict[uuid.UUID, None] = {}
        for place in self.places(record):
            people.update(dict.fromkeys(self.holders.get(place, ())))
        return list(people)

    def after_cards(self, record: R, writes: Writes[R]) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class RoleHolders(Generic[R]):
    """`Deadlines` telling the holders of the roles at the regions `places` names for a record."""

    places: Callable[[R], Sequence[Place]]

    async def prepare(self, records: Sequence[R], now: datetime) -> HeldBatch[R]:
        found = await holders_of(place for record in records for place in self.places(record))
        return HeldBatch(self.places, found)

    async def update(self, records: Sequence[R], fields: Sequence[str]) -> None:
        await bulk.update(records, fields)
