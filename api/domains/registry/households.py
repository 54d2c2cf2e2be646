"""Households (户): register one with its members, correct it, read its members."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.registry.enums import (
    ChangeAction,
    HouseholdType,
    RecordKind,
    RecordStatus,
)
from api.domains.registry.models import (
    House,
    Household,
    Person,
)
from api.domains.registry.people import clean_relation, new_person
from api.domains.registry.records import (
    apply_changes,
    check_unique,
    check_version,
    create_once,
    created_changes,
    finish_update,
    readable_record,
    referenced_record,
    save_record,
    writable_region,
    write_history,
)
from api.domains.registry.validation import Rule, clean, text
from api.errors import ErrorCode, ValidationFailed
from api.i18n import _
from policies.enforcer import authorize

HOUSEHOLD_RULES: Final[Mapping[str, Rule]] = {
    "household_number": text(40, required=True),
    "household_type": Rule("enum", enum=HouseholdType),
    "address": text(200),
}


@dataclass(frozen=True, slots=True)
class MemberInput:
    relation_to_head: str | None
    person_id: uuid.UUID | None = None
    person: Mapping[str, Any] | None = None  # a new person's fields


async def register_household(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    house_id: uuid.UUID | None = None,
    members: Sequence[MemberInput] = (),
    client_id: uuid.UUID | None = None,
) -> Household:
    """Register a household (户) with its members: new people, or people already registered
    who move into it. All or nothing; a client-chosen id makes a retry return the same one."""
    return await create_once(
        actor,
        RecordKind.HOUSEHOLD,
        client_id,
        lambda: _register_household(
            actor=actor,
            region_code=region_code,
            values=values,
            house_id=house_id,
            members=members,
            client_id=client_id,
        ),
    )


async def _register_household(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    house_id: uuid.UUID | None,
    members: Sequence[MemberInput],
    client_id: uuid.UUID | None,
) -> Household:
    async with in_transaction():
        code = await writable_region(actor, region_code, "create")
        cleaned = clean(HOUSEHOLD_RULES, values)
        await check_unique(
            Household, RecordKind.HOUSEHOLD, "household_number", cleaned["household_number"]
        )
        house = await referenced_record(
            actor, House, house_id, kind=RecordKind.HOUSE, field="houseId"
        )
        household = Household(
            id=client_id or uuid.uuid4(), region_code=code, house=house, **cleaned
        )
        await save_record(household, kind=RecordKind.HOUSEHOLD)
        head_name: str | None = None
        seen: set[str] = set()
        for index, member in enumerate(members):
            prefix = f"members.{index}."
            relation = clean_relation(member.relation_to_head, field=f"{prefix}relationToHead")
            if member.person is not None:
                number = str(member.person.get("id_number") or "").strip().upper()
                if number and number in seen:
                    raise ValidationFailed(
                        _("the same person is listed twice"),
                        field=f"{prefix}person.idNumber",
                        code=ErrorCode.ALREADY_EXISTS,
                    )
                seen.add(number)
                person = await new_person(
                    actor,
                    member.person,
                    region_code=code,
                    household=household,
                    relation_to_head=relation,
                    house=house,
                    prefix=f"{prefix}person.",
                )
            elif member.person_id is not None:
                person = await readable_record(
                    actor,
                    Person,
                    member.person_id,
                    kind=RecordKind.PERSON,
                    lock=True,
                    field=f"{prefix}personId",
                )
                authorize(actor.assignments, "registry", "move", at=person.region_code)
                target: dict[str, Any] = {
                    "household_id": household.id,
                    "relation_to_head": relation,
                    "region_code": code,
                }
                if house is not None:
                    target["house_id"] = house.id
                changes = apply_changes(person, target)
                person.version += 1
                await person.save()
                await write_history(actor, RecordKind.PERSON, person, ChangeAction.MOVE, changes)
            else:
                raise ValidationFailed(_("give personId or person"), field=f"{prefix}person")
            if relation in {"01", "02"} and head_name is None:
                head_name = person.name
        household.head_name = head_name
        await household.save(update_fields=["head_name"])
        await write_history(
            actor,
            RecordKind.HOUSEHOLD,
            household,
            ChangeAction.CREATE,
            created_changes(household, [*cleaned, "region_code", "house_id", "head_name"]),
        )
        return household


async def update_household(
    *,
    actor: Principal,
    household_id: uuid.UUID,
    values: Mapping[str, Any],
    house_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Household:
    """Correct a household's own fields or the house it lives in."""
    async with in_transaction():
        household = await readable_record(
            actor, Household, household_id, kind=RecordKind.HOUSEHOLD, lock=True
        )
        authorize(actor.assignments, "registry", "update", at=household.region_code)
        check_version(household, expected_version)
        cleaned = clean(HOUSEHOLD_RULES, values, partial=True)
        if "household_number" in cleaned:
            await check_unique(
                Household,
                RecordKind.HOUSEHOLD,
                "household_number",
                cleaned["household_number"],
                except_id=household.id,
            )
        if house_id is not None:
            house = await referenced_record(
                actor, House, house_id, kind=RecordKind.HOUSE, field="houseId"
            )
            assert house is not None
            cleaned["house_id"] = house.id
        return await finish_update(actor, RecordKind.HOUSEHOLD, household, cleaned)


async def household_members(household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Person]]:
    grouped: dict[uuid.UUID, list[Person]] = {}
    rows = await Person.filter(
        household_id__in=list(household_ids), status=RecordStatus.ACTIVE
    ).order_by("relation_to_head", "birth_date")
    for person in rows:
        grouped.setdefault(person.household_id, []).append(person)
    return grouped
