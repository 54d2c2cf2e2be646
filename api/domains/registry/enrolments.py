"""Programme enrolments (低保, 特困, 优抚 …): a person or household enrolled in a welfare or
social-security programme, with its dates, benefit and granting department. As sensitive as
special-group membership: read under the `enrolment` policy object only, every change in the
registry's history, ended (never deleted) through deregistration."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import money
from api.auth import Principal
from api.bounds import within_range
from api.domains.hierarchy.models import Department
from api.domains.registry.enums import ChangeAction, Programme, RecordKind, RecordStatus
from api.domains.registry.models import Enrolment, Household, Person
from api.domains.registry.records import (
    check_version,
    created_changes,
    finish_update,
    readable_record,
    write_history,
)
from api.domains.registry.validation import text
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from policies.enforcer import authorize

MAX_NOTE: Final = 2000
BENEFIT_DIGITS, BENEFIT_PLACES = 12, 2  # the column's NUMERIC(12, 2)


@dataclass(frozen=True, slots=True)
class Terms:
    """What an enrolment grants: when, how much a month (in which currency), by whom."""

    starts_on: dt.date
    ends_on: dt.date | None = None
    benefit_amount: Decimal | str | None = None
    currency: str | None = None
    granting_department_id: uuid.UUID | None = None
    note: str | None = None


async def _clean(terms: Terms) -> dict[str, Any]:
    for name, day in (("startsOn", terms.starts_on), ("endsOn", terms.ends_on)):
        if day is not None and not within_range(day):
            raise ValidationFailed(_("{name} is out of range", name=name), field=name)
    if terms.ends_on is not None and terms.ends_on < terms.starts_on:
        raise ValidationFailed(_("endsOn is before startsOn"), field="endsOn")
    amount = (
        None
        if terms.benefit_amount is None
        else money.exact(
            terms.benefit_amount,
            field="benefitAmount",
            digits=BENEFIT_DIGITS,
            places=BENEFIT_PLACES,
        )
    )
    department = terms.granting_department_id
    if department is not None and not await Department.exists(id=department):
        raise NotFound("department", department, field="grantingDepartmentId")
    note = text(MAX_NOTE).clean(terms.note, field="note") if terms.note else None
    return {
        "starts_on": terms.starts_on,
        "ends_on": terms.ends_on,
        "benefit_amount": amount,
        "currency": money.currency(terms.currency),
        "granting_department_id": department,
        "note": note,
    }


async def _check_no_overlap(
    *,
    person_id: uuid.UUID | None,
    household_id: uuid.UUID | None,
    programme: Programme,
    starts_on: dt.date,
    ends_on: dt.date | None,
    except_id: uuid.UUID | None = None,
) -> None:
    """One active enrolment per beneficiary and programme at any day."""
    query = Enrolment.filter(
        person_id=person_id, household_id=household_id, programme=programme
    ).filter(status=RecordStatus.ACTIVE)
    query = query.filter(Q(ends_on=None) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        query = query.filter(starts_on__lte=ends_on)
    if except_id is not None:
        query = query.exclude(id=except_id)
    if await query.exists():
        raise ValidationFailed(
            _("an active {value} enrolment overlaps these dates", value=programme.value),
            field="startsOn",
            code=ErrorCode.ALREADY_EXISTS,
        )


async def enrol(
    *,
    actor: Principal,
    person_id: uuid.UUID | None,
    household_id: uuid.UUID | None,
    programme: Programme,
    terms: Terms,
) -> Enrolment:
    """Enrol a registered person or household in a programme."""
    if (person_id is None) == (household_id is None):
        raise ValidationFailed(_("name either a person or a household"), field="personId")
    async with in_transaction():
        beneficiary: Person | Household
        if person_id is not None:
            beneficiary = await readable_record(
                actor, Person, person_id, kind=RecordKind.PERSON, lock=True, field="personId"
            )
        else:
            assert household_id is not None
            beneficiary = await readable_record(
                actor,
                Household,
                household_id,
                kind=RecordKind.HOUSEHOLD,
                lock=True,
                field="householdId",
            )
        authorize(actor.assignments, "enrolment", "create", at=beneficiary.region_code)
        if beneficiary.status is not RecordStatus.ACTIVE:
            raise Conflict(_("the beneficiary is deregistered"), field="personId")
        cleaned = await _clean(terms)
        await _check_no_overlap(
            person_id=person_id,
            household_id=household_id,
            programme=programme,
            starts_on=cleaned["starts_on"],
            ends_on=cleaned["ends_on"],
        )
        record = Enrolment(
            id=uuid.uuid4(),
            person_id=person_id,
            household_id=household_id,
            programme=programme,
            region_code=beneficiary.region_code,
            **cleaned,
        )
        await record.save()
        await write_history(
            actor,
            RecordKind.ENROLMENT,
            record,
            ChangeAction.CREATE,
            created_changes(
                record, [*cleaned, "programme", "person_id", "household_id", "region_code"]
            ),
        )
        return record


async def change_enrolment(
    *,
    actor: Principal,
    enrolment_id: uuid.UUID,
    terms: Terms,
    expected_version: int | None = None,
) -> Enrolment:
    """Change an active enrolment's dates, benefit or department (each change in its history)."""
    async with in_transaction():
        record = await readable_record(
            actor, Enrolment, enrolment_id, kind=RecordKind.ENROLMENT, lock=True
        )
        authorize(actor.assignments, "enrolment", "update", at=record.region_code)
        check_version(record, expected_version)
        if record.status is not RecordStatus.ACTIVE:
            raise Conflict(_("the enrolment has ended"), field="id")
        cleaned = await _clean(terms)
        await _check_no_overlap(
            person_id=record.person_id,
            household_id=record.household_id,
            programme=record.programme,
            starts_on=cleaned["starts_on"],
            ends_on=cleaned["ends_on"],
            except_id=record.id,
        )
        result: Enrolment = await finish_update(actor, RecordKind.ENROLMENT, record, cleaned)
        return result


async def enrolments_of_people(
    person_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[Enrolment]]:
    grouped: dict[uuid.UUID, list[Enrolment]] = {}
    for record in await Enrolment.filter(person_id__in=list(person_ids)).order_by("starts_on"):
        grouped.setdefault(record.person_id, []).append(record)
    return grouped


async def beneficiaries(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """The people enrolments name (read with the enrolment: its scope check covers them)."""
    return {person.id: person for person in await Person.filter(id__in=list(ids))}
