"""People (人口): register, correct, move (迁移), search."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from redis.asyncio import Redis
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from api import clock, resident_ids
from api.auth import Principal
from api.domains.audit.models import AuditEntry
from api.domains.registry import codes, search
from api.domains.registry.enums import (
    ChangeAction,
    PersonType,
    Programme,
    RecordKind,
    RecordStatus,
    SpecialGroup,
)
from api.domains.registry.models import (
    Enrolment,
    House,
    Household,
    PartyMember,
    Person,
    SpecialGroupRecord,
    Volunteer,
)
from api.domains.registry.privacy import count_whole_id_lookup, mask, sees_numbers_masked
from api.domains.registry.records import (
    MAX_REASON,
    apply_changes,
    check_unique,
    check_version,
    create_once,
    created_changes,
    finish_update,
    in_subtree,
    keyset_page,
    ranked_page,
    readable,
    readable_record,
    referenced_record,
    save_record,
    writable_region,
    write_history,
)
from api.domains.registry.validation import Rule, clean, coded, field_name, text
from api.errors import Conflict, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest
from policies.enforcer import authorize

PERSON_RULES: Final[Mapping[str, Rule]] = {
    "id_number": Rule("id_number", required=True),
    "person_type": Rule("enum", enum=PersonType, required=True),
    "name": text(50, required=True),
    "former_name": text(50),
    "sex": coded("sex"),
    "birth_date": Rule("date"),
    "ethnicity": coded("ethnicity"),
    "native_place": text(6),
    "household_register_code": text(12),
    "household_register_address": text(200),
    "current_address": text(200),
    "current_address_code": text(15),
    "phone": Rule("phone"),
    "education": coded("education"),
    "occupation": text(100),
    "political_status": coded("political_status"),
    "marital_status": coded("marital_status"),
    "religion": coded("religion"),
    "residence_consistency": coded("5.10"),
    "inflow_reason": coded("5.11"),
    "certificate_type": coded("5.12"),
    "certificate_number": text(40),
    "certificate_expires_on": Rule("date"),
    "dwelling_type": coded("5.13"),
    "left_behind_type": coded("5.15"),
    "health_status": coded("5.14"),
    "nationality": Rule("nationality"),
    "foreign_name": text(100),
    "passport_number": text(30),
    "visit_purpose": coded("5.16"),
    "tags": Rule("texts", max_length=40),
}


# Fields only a person of that type carries (the rest of the standard's fields are common).
TYPE_FIELDS: Final[Mapping[PersonType, frozenset[str]]] = {
    PersonType.FLOATING: frozenset(
        {
            "inflow_reason",
            "certificate_type",
            "certificate_number",
            "certificate_expires_on",
            "dwelling_type",
        }
    ),
    PersonType.FOREIGN: frozenset(
        {"nationality", "foreign_name", "passport_number", "visit_purpose"}
    ),
}


def check_person(values: dict[str, Any], *, prefix: str = "") -> None:
    """What the ID number says (birth date, sex) must agree with the fields given; type-only
    fields belong to their type."""
    number = values.get("id_number")
    person_type = values.get("person_type")
    if number:
        birth = resident_ids.birth_date(number)
        sex = resident_ids.sex(number)
        if values.get("birth_date") is None:
            values["birth_date"] = birth
        elif values["birth_date"] != birth:
            raise ValidationFailed(
                _(
                    "birthDate differs from the ID number's ({isoformat})",
                    isoformat=birth.isoformat(),
                ),
                field=field_name("birth_date", prefix),
            )
        if values.get("sex") is None:
            values["sex"] = sex
        elif values["sex"] in {"1", "2"} and values["sex"] != sex:
            raise ValidationFailed(
                _("sex differs from the ID number's"), field=field_name("sex", prefix)
            )
    if number and number.startswith("9") and person_type is not PersonType.FOREIGN:
        raise ValidationFailed(
            _("a permanent-residence number (9…) belongs to a foreign resident"),
            field=field_name("person_type", prefix),
        )
    if person_type is not None:
        for other_type, names in TYPE_FIELDS.items():
            if other_type == person_type:
                continue
            for name in sorted(names):
                if values.get(name) not in (None, ""):
                    raise ValidationFailed(
                        _(
                            "{field_name} is only for {value} people",
                            field_name=field_name(name),
                            value=other_type.value,
                        ),
                        field=field_name(name, prefix),
                    )


def clean_person(
    values: Mapping[str, Any], *, partial: bool, prefix: str = "", region_code: str | None = None
) -> dict[str, Any]:
    """A person's fields checked (codes as used at `region_code`: await codes.refresh() first)."""
    cleaned = clean(PERSON_RULES, values, partial=partial, prefix=prefix, region_code=region_code)
    if cleaned.get("birth_date") and cleaned["birth_date"] > clock.now().date():
        raise ValidationFailed(
            _("birthDate lies in the future"), field=field_name("birth_date", prefix)
        )
    return cleaned


async def new_person(
    actor: Principal,
    values: Mapping[str, Any],
    *,
    region_code: str,
    household: Household | None = None,
    relation_to_head: str | None = None,
    house: House | None = None,
    prefix: str = "",
    record_id: uuid.UUID | None = None,
) -> Person:
    await codes.refresh()
    cleaned = clean_person(values, partial=False, prefix=prefix, region_code=region_code)
    check_person(cleaned, prefix=prefix)
    await check_unique(Person, RecordKind.PERSON, "id_number", cleaned["id_number"], prefix=prefix)
    person = Person(
        id=record_id or uuid.uuid4(),
        region_code=region_code,
        household=household,
        relation_to_head=relation_to_head,
        house=house,
        **cleaned,
    )
    await save_record(person, kind=RecordKind.PERSON)
    await write_history(
        actor,
        RecordKind.PERSON,
        person,
        ChangeAction.CREATE,
        created_changes(
            person, [*cleaned, "region_code", "relation_to_head", "household_id", "house_id"]
        ),
    )
    return person


def clean_relation(value: str | None, *, field: str, region_code: str | None = None) -> str | None:
    return coded("relation_to_head").clean(value, field=field, region_code=region_code)


async def register_person(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    household_id: uuid.UUID | None = None,
    relation_to_head: str | None = None,
    house_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> Person:
    """Register a person (实有人口登记) in a grid, optionally into a household and a house;
    a client-chosen id makes a retry return the same person."""
    return await create_once(
        actor,
        RecordKind.PERSON,
        client_id,
        lambda: _register_person(
            actor=actor,
            region_code=region_code,
            values=values,
            household_id=household_id,
            relation_to_head=relation_to_head,
            house_id=house_id,
            client_id=client_id,
        ),
    )


async def _register_person(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    household_id: uuid.UUID | None,
    relation_to_head: str | None,
    house_id: uuid.UUID | None,
    client_id: uuid.UUID | None,
) -> Person:
    async with in_transaction():
        code = await writable_region(actor, region_code, "create")
        household = await referenced_record(
            actor, Household, household_id, kind=RecordKind.HOUSEHOLD, field="householdId"
        )
        house = await referenced_record(
            actor, House, house_id, kind=RecordKind.HOUSE, field="houseId"
        )
        await codes.refresh()
        relation = clean_relation(relation_to_head, field="relationToHead", region_code=code)
        if relation and household is None:
            raise ValidationFailed(_("relationToHead needs a household"), field="relationToHead")
        if household is not None and house is None and household.house_id is not None:
            house = await House.get(id=household.house_id)
        return await new_person(
            actor,
            values,
            region_code=code,
            household=household,
            relation_to_head=relation,
            house=house,
            record_id=client_id,
        )


async def update_person(
    *,
    actor: Principal,
    person_id: uuid.UUID,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> Person:
    """Correct or complete a person's fields (not where they live: see move_person)."""
    async with in_transaction():
        person = await readable_record(actor, Person, person_id, kind=RecordKind.PERSON, lock=True)
        authorize(actor.assignments, "registry", "update", at=person.region_code)
        check_version(person, expected_version)
        if person.status is not RecordStatus.ACTIVE:
            raise Conflict(_("the person is deregistered"), field="id")
        await codes.refresh()
        cleaned = clean_person(values, partial=True, region_code=person.region_code)
        if cleaned.keys() & {"id_number", "birth_date", "sex", "person_type"}:
            check = {name: getattr(person, name) for name in PERSON_RULES} | cleaned
            if "id_number" in cleaned:  # a corrected number brings its own birth date and sex
                for name in ("birth_date", "sex"):
                    check[name] = cleaned.get(name)
            check_person(check)
            for name in ("birth_date", "sex"):
                if check[name] != getattr(person, name):
                    cleaned[name] = check[name]
        if "id_number" in cleaned:
            await check_unique(
                Person, RecordKind.PERSON, "id_number", cleaned["id_number"], except_id=person.id
            )
        result: Person = await finish_update(actor, RecordKind.PERSON, person, cleaned)
        return result


async def move_person(
    *,
    actor: Principal,
    person_id: uuid.UUID,
    region_code: str | None = None,
    house_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    relation_to_head: str | None = None,
    leave_household: bool = False,
    reason: str = "",
    expected_version: int | None = None,
) -> Person:
    """A person moves house, household or grid (人员迁移); their special-group records follow
    them to the new grid."""
    async with in_transaction():
        person = await readable_record(actor, Person, person_id, kind=RecordKind.PERSON, lock=True)
        authorize(actor.assignments, "registry", "move", at=person.region_code)
        check_version(person, expected_version)
        if person.status is not RecordStatus.ACTIVE:
            raise Conflict(_("the person is deregistered"), field="id")
        target: dict[str, Any] = {}
        if region_code is not None:
            target["region_code"] = await writable_region(actor, region_code, "move")
        if house_id is not None:
            house = await referenced_record(
                actor, House, house_id, kind=RecordKind.HOUSE, field="houseId"
            )
            assert house is not None
            target["house_id"] = house.id
        if household_id is not None:
            household = await referenced_record(
                actor, Household, household_id, kind=RecordKind.HOUSEHOLD, field="householdId"
            )
            assert household is not None
            target["household_id"] = household.id
            target["relation_to_head"] = clean_relation(relation_to_head, field="relationToHead")
        elif leave_household:
            target["household_id"] = None
            target["relation_to_head"] = None
        elif relation_to_head is not None:
            if person.household_id is None:
                raise ValidationFailed(
                    _("relationToHead needs a household"), field="relationToHead"
                )
            target["relation_to_head"] = clean_relation(relation_to_head, field="relationToHead")
        if not target:
            raise ValidationFailed(
                _("say where to: regionCode, houseId or householdId"), field="regionCode"
            )
        changes = apply_changes(person, target)
        if changes:
            note = text(MAX_REASON).clean(reason, field="reason")
            if note:
                changes["reason"] = {"old": None, "new": note}
            person.version += 1
            await person.save()
            if "region_code" in changes:
                await SpecialGroupRecord.filter(person_id=person.id).update(
                    region_code=person.region_code
                )
                await PartyMember.filter(person_id=person.id).update(region_code=person.region_code)
                await Volunteer.filter(person_id=person.id).update(region_code=person.region_code)
                await Enrolment.filter(person_id=person.id).update(region_code=person.region_code)
            await write_history(actor, RecordKind.PERSON, person, ChangeAction.MOVE, changes)
        return person


@dataclass(frozen=True, slots=True)
class PersonFilter:
    region_code: str | None = None
    person_type: PersonType | None = None
    special_group: SpecialGroup | None = None
    programme: Programme | None = None
    left_behind_type: str | None = None
    age_from: int | None = None
    age_to: int | None = None
    text: str | None = None
    tags: Sequence[str] = ()
    household_id: uuid.UUID | None = None
    house_id: uuid.UUID | None = None
    include_deregistered: bool = False


def years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


async def search_people(
    *, actor: Principal, page: PageRequest, filters: PersonFilter, redis: Redis
) -> tuple[Page[Person], Any]:
    """People in scope matching the filters; a lookup by whole ID number from a caller who sees
    numbers masked is counted against an hourly allowance and audited."""
    query = in_subtree(Person.all(), actor, "registry", filters.region_code)
    ranked: search.Ranking | None = None
    if not filters.include_deregistered:
        query = query.filter(status=RecordStatus.ACTIVE)
    if filters.person_type:
        query = query.filter(person_type=filters.person_type)
    if filters.left_behind_type:
        query = query.filter(left_behind_type=filters.left_behind_type)
    if filters.special_group:
        # membership is itself sensitive: only inside the special-group read scope
        records = SpecialGroupRecord.filter(
            readable(actor, "special_group"),
            group=filters.special_group,
            status=RecordStatus.ACTIVE,
        ).values("person_id")
        query = query.filter(id__in=Subquery(records))
    if filters.programme:
        # as sensitive: only inside the enrolment read scope
        enrolled = Enrolment.filter(
            readable(actor, "enrolment"), programme=filters.programme, status=RecordStatus.ACTIVE
        ).values("person_id")
        query = query.filter(id__in=Subquery(enrolled))
    for bound, date in age_bounds(filters):
        query = query.filter(**{f"birth_date__{bound}": date})
    term, number = await searched_text(actor, filters, redis)
    if number:
        query = query.filter(id_number=number)
    elif term:
        # characters, full pinyin or initials, by prefix (拼音检索); exact characters first
        query = query.filter(search.matching(RecordKind.PERSON, term))
        ranked = search.ranking(term, "name", "former_name")
    if filters.tags:
        query = query.filter(tags__contains=list(filters.tags))
    if filters.household_id:
        query = query.filter(household_id=filters.household_id)
    if filters.house_id:
        query = query.filter(house_id=filters.house_id)
    if ranked is not None:
        return await ranked_page(query, page, ranked), query
    return await keyset_page(query, page), query


def age_bounds(filters: PersonFilter) -> list[tuple[str, dt.date]]:
    """The birth-date bounds of the filter's ages: ("lte" | "gt", date) pairs."""
    today = clock.now().date()
    bounds = []
    for bound, value in (("from", filters.age_from), ("to", filters.age_to)):
        if value is None:
            continue
        if not 0 <= value <= 150:
            raise ValidationFailed(_("ages lie between 0 and 150"), field=f"age{bound.title()}")
        if bound == "from":
            bounds.append(("lte", years_ago(today, value)))
        else:
            bounds.append(("gt", years_ago(today, value + 1)))
    return bounds


async def searched_text(
    actor: Principal, filters: PersonFilter, redis: Redis
) -> tuple[str, str | None]:
    """The search's text cleaned, and the ID number when it is one: a lookup by whole number
    from a caller who sees numbers masked is counted against an hourly allowance and audited."""
    if not filters.text:
        return "", None
    term = text(50).clean(filters.text, field="text")
    # Each branch has its own index: an ID number is looked up whole, a name by prefix.
    if not (len(term) == 18 and term[:17].isdigit()):
        return term, None
    number = term.upper()
    if sees_numbers_masked(actor):
        await count_whole_id_lookup(actor, redis)
        await AuditEntry.create(
            actor_id=actor.user_id or actor.api_key_id,
            actor_label=actor.label[:100],
            action="person.lookup_by_id_number",
            object_type="person",
            object_id="",
            region_code=filters.region_code
            or (actor.assignments[0].region_code if actor.assignments else ""),
            detail={"id_number": mask(number)},
        )
    return term, number
