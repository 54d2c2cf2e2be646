"""Per-request loaders of the registry: one query per relation, one audit INSERT per request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from api.auth import Principal
from api.domains.registry import enrolments, review, service
from api.domains.registry.models import (
    Building,
    Enrolment,
    House,
    Household,
    PendingChange,
    Person,
    SpecialGroupRecord,
)

SensitiveRead = tuple[Principal, str, str, str, str]  # actor, kind, record id, region, column


async def load_sensitive_reads(keys: Sequence[SensitiveRead]) -> list[bool]:
    await service.record_unmasked_reads(keys)
    return [True] * len(keys)


async def load_members(ids: list[uuid.UUID]) -> list[list[Person]]:
    grouped = await service.household_members(ids)
    return [grouped.get(i, []) for i in ids]


async def load_residents(ids: list[uuid.UUID]) -> list[list[Person]]:
    grouped = await service.residents(ids)
    return [grouped.get(i, []) for i in ids]


async def load_special_groups(ids: list[uuid.UUID]) -> list[list[SpecialGroupRecord]]:
    grouped = await service.special_group_records(ids)
    return [grouped.get(i, []) for i in ids]


def by_id(model: Any) -> Any:
    """Rows of `model` by id. Relations of a record the caller may read: the scope check
    happened on the record itself."""

    async def load(ids: list[uuid.UUID]) -> list[Any]:
        found = {row.id: row for row in await model.filter(id__in=ids)}
        return [found.get(i) for i in ids]

    return load


load_households = by_id(Household)
load_houses = by_id(House)
load_buildings = by_id(Building)


async def load_enrolments(ids: list[uuid.UUID]) -> list[list[Enrolment]]:
    grouped = await enrolments.enrolments_of_people(ids)
    return [grouped.get(i, []) for i in ids]


load_people = by_id(Person)


async def load_pending_changes(
    keys: list[tuple[Principal, uuid.UUID]],
) -> list[PendingChange | None]:
    """The open held edit of each record, as its reader may see held edits."""
    found: dict[tuple[Principal, uuid.UUID], PendingChange] = {}
    for actor in {actor for actor, _ in keys}:
        records = [record_id for who, record_id in keys if who == actor]
        for record_id, change in (await review.open_changes(actor, records)).items():
            found[(actor, record_id)] = change
    return [found.get(key) for key in keys]
