"""The basic-data registry (基础数据): grid workers register people and places of their grid,
every level reads its subtree.

Every write authorises the caller at the record's region, validates each field against its
rule (code tables, ID checksums, phone numbers), and writes the record and its change-history
row (who, when, field → old/new) in one transaction; a bad value writes nothing."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Final, TypeVar

from stdnum.cn import ric
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.audit.models import AuditEntry
from api.domains.hierarchy.enums import Level
from api.domains.hierarchy.models import Region
from api.domains.registry import groups
from api.domains.registry.enums import (
    ChangeAction,
    HouseholdType,
    OrganisationKind,
    PartyOrganisationLevel,
    PersonType,
    RecordKind,
    RecordStatus,
    SpecialGroup,
)
from api.domains.registry.models import (
    Building,
    House,
    Household,
    Organisation,
    PartyMember,
    PartyOrganisation,
    Person,
    RegistryChange,
    SpecialGroupRecord,
    Volunteer,
)
from api.domains.registry.privacy import SENSITIVE_COLUMNS, mask, may_read_sensitive
from api.domains.registry.validation import Rule, clean, coded, field_name, text
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.pagination import Page, PageRequest, make_page
from api.query import subtree_filter
from api.spreadsheets import formula_safe
from policies.enforcer import authorize, scope_prefixes

M = TypeVar("M", bound=Model)

MAX_REASON = 200

# ---------------------------------------------------------------- field rules

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
HOUSEHOLD_RULES: Final[Mapping[str, Rule]] = {
    "household_number": text(40, required=True),
    "household_type": Rule("enum", enum=HouseholdType),
    "address": text(200),
}
BUILDING_RULES: Final[Mapping[str, Rule]] = {
    "building_code": text(40, required=True),
    "name": text(100, required=True),
    "address": text(200, required=True),
    "use": coded("5.17"),
    "floors_above": Rule("int", minimum=0, maximum=200),
    "floors_below": Rule("int", minimum=0, maximum=20),
    "lat": Rule("float", minimum=-90, maximum=90),
    "lng": Rule("float", minimum=-180, maximum=180),
}
HOUSE_RULES: Final[Mapping[str, Rule]] = {
    "house_code": text(40, required=True),
    "address": text(200, required=True),
    "unit": text(10),
    "floor": Rule("int", minimum=-20, maximum=200),
    "number": text(20),
    "area": Rule("decimal", minimum=0, maximum=1_000_000),
    "use": coded("5.17"),
    "owner_name": text(50),
    "owner_id_number": Rule("id_number"),
    "owner_phone": Rule("phone"),
    "is_rental": Rule("bool"),
    "landlord_name": text(50),
    "landlord_id_number": Rule("id_number"),
    "landlord_phone": Rule("phone"),
    "rental_use": coded("5.18"),
    "hazard_type": coded("5.19"),
}
ORGANISATION_RULES: Final[Mapping[str, Rule]] = {
    "kind": Rule("enum", enum=OrganisationKind, required=True),
    "name": text(200, required=True),
    "credit_code": Rule("credit_code"),
    "enterprise_category": coded("5.44"),
    "social_organisation_type": coded("5.47"),
    "registration_type": coded("5.51"),
    "legal_person_name": text(50),
    "legal_person_id_number": Rule("id_number"),
    "legal_person_phone": Rule("phone"),
    "address": text(200),
    "employee_count": Rule("int", minimum=0, maximum=10_000_000),
    "safety_hazard_type": coded("5.45"),
    "attention_level": coded("5.46"),
}
SPECIAL_GROUP_RULES: Final[Mapping[str, Rule]] = {
    "risk_level": text(2),  # checked against the group's own table below
    "management_status": coded("5.37"),
    "attention_level": coded("5.46"),
    "helpers": Rule("texts", max_length=50),
    "follow_up_note": text(2000),
}
PARTY_ORGANISATION_RULES: Final[Mapping[str, Rule]] = {
    "name": text(100, required=True),
    "level": Rule("enum", enum=PartyOrganisationLevel, required=True),
    "secretary_name": text(50),
    "secretary_phone": Rule("phone"),
}
PARTY_MEMBER_RULES: Final[Mapping[str, Rule]] = {
    "workplace": text(200),
    "specialties": Rule("codes", table="5.5"),
    "contact_phone": Rule("phone"),
    "is_in_service": Rule("bool"),
    "registered_community_code": text(12),
}
VOLUNTEER_RULES: Final[Mapping[str, Rule]] = {
    "team": text(100),
    "specialties": Rule("codes", table="5.5"),
    "service_hours": Rule("decimal", minimum=0, maximum=100_000),
}

# Which parent level each party organisation level hangs under, and the region level it sits at.
PARTY_PARENT: Final = {
    PartyOrganisationLevel.COMMUNITY_COMMITTEE: None,
    PartyOrganisationLevel.LARGE_GRID_BRANCH: PartyOrganisationLevel.COMMUNITY_COMMITTEE,
    PartyOrganisationLevel.MEDIUM_GRID_GROUP: PartyOrganisationLevel.LARGE_GRID_BRANCH,
}

MODELS: Final[Mapping[RecordKind, type[Model]]] = {
    RecordKind.PERSON: Person,
    RecordKind.HOUSEHOLD: Household,
    RecordKind.HOUSE: House,
    RecordKind.BUILDING: Building,
    RecordKind.ORGANISATION: Organisation,
    RecordKind.SPECIAL_GROUP: SpecialGroupRecord,
    RecordKind.PARTY_ORGANISATION: PartyOrganisation,
    RecordKind.PARTY_MEMBER: PartyMember,
    RecordKind.VOLUNTEER: Volunteer,
}
NATURAL_KEYS: Final[Mapping[RecordKind, str]] = {
    RecordKind.PERSON: "id_number",
    RecordKind.HOUSEHOLD: "household_number",
    RecordKind.HOUSE: "house_code",
    RecordKind.BUILDING: "building_code",
    RecordKind.ORGANISATION: "credit_code",
}


def policy_object(kind: RecordKind) -> str:
    return "special_group" if kind is RecordKind.SPECIAL_GROUP else "registry"


# ---------------------------------------------------------------- scope


def readable(actor: Principal, obj: str = "registry") -> Q:
    """Records whose region lies inside the caller's read scope (empty scope: nothing)."""
    return subtree_filter(scope_prefixes(actor.assignments, obj, "read"), "region_code")


def _region_code(value: str | None, *, field: str = "regionCode") -> str:
    code = (value or "").strip()
    if Level.of_code(code) is None:
        raise ValidationFailed(
            "regionCode must be a region code (4, 6, 9, 12 or 15 digits)",
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    return code


async def _writable_region(
    actor: Principal,
    code: str | None,
    action: str,
    *,
    obj: str = "registry",
    field: str = "regionCode",
) -> str:
    """An existing active region where the caller may `action`; out of scope is not found."""
    region_code = _region_code(code, field=field)
    authorize(actor.assignments, obj, action, at=region_code)
    if not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field=field)
    return region_code


async def _get(
    actor: Principal,
    model: type[M],
    record_id: uuid.UUID,
    *,
    kind: RecordKind,
    lock: bool = False,
    field: str | None = None,
) -> M:
    query = model.filter(readable(actor, policy_object(kind)), id=record_id)
    if lock:
        query = query.select_for_update()
    found = await query.first()
    if found is None:
        raise NotFound(kind.value, record_id, field=field)
    return found


async def _reference(
    actor: Principal, model: type[M], record_id: uuid.UUID | None, *, kind: RecordKind, field: str
) -> M | None:
    """A record another one points at: readable by the caller and still registered."""
    if record_id is None:
        return None
    found = await _get(actor, model, record_id, kind=kind, field=field)
    if getattr(found, "status", RecordStatus.ACTIVE) is not RecordStatus.ACTIVE:
        raise ValidationFailed(f"{kind.value} {record_id} is deregistered", field=field)
    return found


# ---------------------------------------------------------------- history


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _apply(record: Model, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the values that differ; return them as field → {old, new} (JSON-ready)."""
    changes: dict[str, dict[str, Any]] = {}
    for name, new in values.items():
        old = getattr(record, name)
        if _jsonable(old) == _jsonable(new):
            continue
        changes[name] = {"old": _jsonable(old), "new": _jsonable(new)}
        setattr(record, name, new)
    return changes


async def _history(
    actor: Principal,
    kind: RecordKind,
    record: Any,
    action: ChangeAction,
    changes: Mapping[str, Any],
) -> None:
    await RegistryChange.create(
        record_kind=kind,
        record_id=record.id,
        region_code=record.region_code,
        action=action,
        actor_id=actor.user_id or actor.api_key_id,
        actor_label=actor.label[:100],
        changes=dict(changes),
        at=clock.now(),
    )


def _created(record: Model, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    return {
        name: {"old": None, "new": _jsonable(getattr(record, name))}
        for name in names
        if getattr(record, name) not in (None, [], "")
    }


async def _save(record: Model, *, kind: RecordKind) -> None:
    """Save; a natural key taken meanwhile (or by an import) is a typed error, not a 500."""
    try:
        await record.save()
    except IntegrityError as error:
        key = NATURAL_KEYS.get(kind, "id")
        raise ValidationFailed(
            f"{kind.value} with this {field_name(key)} is already registered",
            field=field_name(key),
            code=ErrorCode.ALREADY_EXISTS,
        ) from error


async def _unique(
    model: type[Model],
    kind: RecordKind,
    key: str,
    value: Any,
    *,
    prefix: str = "",
    except_id: uuid.UUID | None = None,
) -> None:
    if value is None:
        return
    query = model.filter(**{key: value})
    if except_id is not None:
        query = query.exclude(id=except_id)
    if await query.exists():
        raise ValidationFailed(
            f"{kind.value} with this {field_name(key)} is already registered",
            field=field_name(key, prefix),
            code=ErrorCode.ALREADY_EXISTS,
        )


def _check_version(record: Any, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise Conflict(
            f"the record changed meanwhile (version {record.version}, you had {expected_version})",
            field="expectedVersion",
        )


# ---------------------------------------------------------------- people


def _check_person(values: dict[str, Any], *, prefix: str = "") -> None:
    """What the ID number says (birth date, sex) must agree with the fields given; type-only
    fields belong to their type."""
    number = values.get("id_number")
    person_type = values.get("person_type")
    if number:
        birth = ric.get_birth_date(number)
        sex = "1" if int(number[16]) % 2 else "2"
        if values.get("birth_date") is None:
            values["birth_date"] = birth
        elif values["birth_date"] != birth:
            raise ValidationFailed(
                f"birthDate differs from the ID number's ({birth.isoformat()})",
                field=field_name("birth_date", prefix),
            )
        if values.get("sex") is None:
            values["sex"] = sex
        elif values["sex"] in {"1", "2"} and values["sex"] != sex:
            raise ValidationFailed(
                "sex differs from the ID number's", field=field_name("sex", prefix)
            )
    if number and number.startswith("9") and person_type is not PersonType.FOREIGN:
        raise ValidationFailed(
            "a permanent-residence number (9…) belongs to a foreign resident",
            field=field_name("person_type", prefix),
        )
    if person_type is not None:
        for other_type, names in TYPE_FIELDS.items():
            if other_type == person_type:
                continue
            for name in sorted(names):
                if values.get(name) not in (None, ""):
                    raise ValidationFailed(
                        f"{field_name(name)} is only for {other_type.value} people",
                        field=field_name(name, prefix),
                    )


def _clean_person(values: Mapping[str, Any], *, partial: bool, prefix: str = "") -> dict[str, Any]:
    cleaned = clean(PERSON_RULES, values, partial=partial, prefix=prefix)
    if cleaned.get("birth_date") and cleaned["birth_date"] > clock.now().date():
        raise ValidationFailed(
            "birthDate lies in the future", field=field_name("birth_date", prefix)
        )
    return cleaned


async def _new_person(
    actor: Principal,
    values: Mapping[str, Any],
    *,
    region_code: str,
    household: Household | None = None,
    relation_to_head: str | None = None,
    house: House | None = None,
    prefix: str = "",
) -> Person:
    cleaned = _clean_person(values, partial=False, prefix=prefix)
    _check_person(cleaned, prefix=prefix)
    await _unique(Person, RecordKind.PERSON, "id_number", cleaned["id_number"], prefix=prefix)
    person = Person(
        id=uuid.uuid4(),
        region_code=region_code,
        household=household,
        relation_to_head=relation_to_head,
        house=house,
        **cleaned,
    )
    await _save(person, kind=RecordKind.PERSON)
    await _history(
        actor,
        RecordKind.PERSON,
        person,
        ChangeAction.CREATE,
        _created(person, [*cleaned, "region_code", "relation_to_head", "household_id", "house_id"]),
    )
    return person


def _relation(value: str | None, *, field: str) -> str | None:
    return coded("relation_to_head").clean(value, field=field)


async def register_person(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    household_id: uuid.UUID | None = None,
    relation_to_head: str | None = None,
    house_id: uuid.UUID | None = None,
) -> Person:
    """Register a person (实有人口登记) in a grid, optionally into a household and a house."""
    async with in_transaction():
        code = await _writable_region(actor, region_code, "create")
        household = await _reference(
            actor, Household, household_id, kind=RecordKind.HOUSEHOLD, field="householdId"
        )
        house = await _reference(actor, House, house_id, kind=RecordKind.HOUSE, field="houseId")
        relation = _relation(relation_to_head, field="relationToHead")
        if relation and household is None:
            raise ValidationFailed("relationToHead needs a household", field="relationToHead")
        if household is not None and house is None and household.house_id is not None:
            house = await House.get(id=household.house_id)
        return await _new_person(
            actor,
            values,
            region_code=code,
            household=household,
            relation_to_head=relation,
            house=house,
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
        person = await _get(actor, Person, person_id, kind=RecordKind.PERSON, lock=True)
        authorize(actor.assignments, "registry", "update", at=person.region_code)
        _check_version(person, expected_version)
        if person.status is not RecordStatus.ACTIVE:
            raise Conflict("the person is deregistered", field="id")
        cleaned = _clean_person(values, partial=True)
        if cleaned.keys() & {"id_number", "birth_date", "sex", "person_type"}:
            check = {name: getattr(person, name) for name in PERSON_RULES} | cleaned
            if "id_number" in cleaned:  # a corrected number brings its own birth date and sex
                for name in ("birth_date", "sex"):
                    check[name] = cleaned.get(name)
            _check_person(check)
            for name in ("birth_date", "sex"):
                if check[name] != getattr(person, name):
                    cleaned[name] = check[name]
        if "id_number" in cleaned:
            await _unique(
                Person, RecordKind.PERSON, "id_number", cleaned["id_number"], except_id=person.id
            )
        changes = _apply(person, cleaned)
        if changes:
            person.version += 1
            await _save(person, kind=RecordKind.PERSON)
            await _history(actor, RecordKind.PERSON, person, ChangeAction.UPDATE, changes)
        return person


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
        person = await _get(actor, Person, person_id, kind=RecordKind.PERSON, lock=True)
        authorize(actor.assignments, "registry", "move", at=person.region_code)
        _check_version(person, expected_version)
        if person.status is not RecordStatus.ACTIVE:
            raise Conflict("the person is deregistered", field="id")
        target: dict[str, Any] = {}
        if region_code is not None:
            target["region_code"] = await _writable_region(actor, region_code, "move")
        if house_id is not None:
            house = await _reference(actor, House, house_id, kind=RecordKind.HOUSE, field="houseId")
            assert house is not None
            target["house_id"] = house.id
        if household_id is not None:
            household = await _reference(
                actor, Household, household_id, kind=RecordKind.HOUSEHOLD, field="householdId"
            )
            assert household is not None
            target["household_id"] = household.id
            target["relation_to_head"] = _relation(relation_to_head, field="relationToHead")
        elif leave_household:
            target["household_id"] = None
            target["relation_to_head"] = None
        elif relation_to_head is not None:
            if person.household_id is None:
                raise ValidationFailed("relationToHead needs a household", field="relationToHead")
            target["relation_to_head"] = _relation(relation_to_head, field="relationToHead")
        if not target:
            raise ValidationFailed(
                "say where to: regionCode, houseId or householdId", field="regionCode"
            )
        changes = _apply(person, target)
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
            await _history(actor, RecordKind.PERSON, person, ChangeAction.MOVE, changes)
        return person


# ---------------------------------------------------------------- households


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
) -> Household:
    """Register a household (户) with its members: new people, or people already registered
    who move into it. All or nothing."""
    async with in_transaction():
        code = await _writable_region(actor, region_code, "create")
        cleaned = clean(HOUSEHOLD_RULES, values)
        await _unique(
            Household, RecordKind.HOUSEHOLD, "household_number", cleaned["household_number"]
        )
        house = await _reference(actor, House, house_id, kind=RecordKind.HOUSE, field="houseId")
        household = Household(id=uuid.uuid4(), region_code=code, house=house, **cleaned)
        await _save(household, kind=RecordKind.HOUSEHOLD)
        head_name: str | None = None
        seen: set[str] = set()
        for index, member in enumerate(members):
            prefix = f"members.{index}."
            relation = _relation(member.relation_to_head, field=f"{prefix}relationToHead")
            if member.person is not None:
                number = str(member.person.get("id_number") or "").strip().upper()
                if number and number in seen:
                    raise ValidationFailed(
                        "the same person is listed twice",
                        field=f"{prefix}person.idNumber",
                        code=ErrorCode.ALREADY_EXISTS,
                    )
                seen.add(number)
                person = await _new_person(
                    actor,
                    member.person,
                    region_code=code,
                    household=household,
                    relation_to_head=relation,
                    house=house,
                    prefix=f"{prefix}person.",
                )
            elif member.person_id is not None:
                person = await _get(
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
                changes = _apply(person, target)
                person.version += 1
                await person.save()
                await _history(actor, RecordKind.PERSON, person, ChangeAction.MOVE, changes)
            else:
                raise ValidationFailed("give personId or person", field=f"{prefix}person")
            if relation in {"01", "02"} and head_name is None:
                head_name = person.name
        household.head_name = head_name
        await household.save(update_fields=["head_name"])
        await _history(
            actor,
            RecordKind.HOUSEHOLD,
            household,
            ChangeAction.CREATE,
            _created(household, [*cleaned, "region_code", "house_id", "head_name"]),
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
        household = await _get(actor, Household, household_id, kind=RecordKind.HOUSEHOLD, lock=True)
        authorize(actor.assignments, "registry", "update", at=household.region_code)
        _check_version(household, expected_version)
        cleaned = clean(HOUSEHOLD_RULES, values, partial=True)
        if "household_number" in cleaned:
            await _unique(
                Household,
                RecordKind.HOUSEHOLD,
                "household_number",
                cleaned["household_number"],
                except_id=household.id,
            )
        if house_id is not None:
            house = await _reference(actor, House, house_id, kind=RecordKind.HOUSE, field="houseId")
            assert house is not None
            cleaned["house_id"] = house.id
        return await _finish_update(actor, RecordKind.HOUSEHOLD, household, cleaned)


async def household_members(household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Person]]:
    grouped: dict[uuid.UUID, list[Person]] = {}
    rows = await Person.filter(
        household_id__in=list(household_ids), status=RecordStatus.ACTIVE
    ).order_by("relation_to_head", "birth_date")
    for person in rows:
        grouped.setdefault(person.household_id, []).append(person)
    return grouped


# ---------------------------------------------------------------- places and organisations


async def _finish_update(
    actor: Principal, kind: RecordKind, record: Any, cleaned: Mapping[str, Any]
) -> Any:
    changes = _apply(record, cleaned)
    if changes:
        record.version += 1
        await _save(record, kind=kind)
        await _history(actor, kind, record, ChangeAction.UPDATE, changes)
    return record


async def _create_record(
    actor: Principal,
    kind: RecordKind,
    region_code: str,
    cleaned: dict[str, Any],
) -> Any:
    model = MODELS[kind]
    key = NATURAL_KEYS.get(kind)
    if key is not None:
        await _unique(model, kind, key, cleaned.get(key))
    record = model(id=uuid.uuid4(), region_code=region_code, **cleaned)
    await _save(record, kind=kind)
    await _history(
        actor, kind, record, ChangeAction.CREATE, _created(record, [*cleaned, "region_code"])
    )
    return record


def _check_rental(values: Mapping[str, Any]) -> None:
    if not values.get("is_rental"):
        for name in ("landlord_name", "landlord_id_number", "landlord_phone", "rental_use"):
            if values.get(name) not in (None, ""):
                raise ValidationFailed(
                    f"{field_name(name)} is only for a rental house (isRental)",
                    field=field_name(name),
                )


async def register_building(
    *, actor: Principal, region_code: str, values: Mapping[str, Any]
) -> Building:
    """Register a building (楼栋)."""
    async with in_transaction():
        code = await _writable_region(actor, region_code, "create")
        cleaned = clean(BUILDING_RULES, values)
        if (cleaned.get("lat") is None) != (cleaned.get("lng") is None):
            raise ValidationFailed("give both lat and lng, or neither", field="lng")
        building: Building = await _create_record(actor, RecordKind.BUILDING, code, cleaned)
        return building


async def update_building(
    *,
    actor: Principal,
    building_id: uuid.UUID,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> Building:
    """Correct a building's fields."""
    async with in_transaction():
        building = await _get(actor, Building, building_id, kind=RecordKind.BUILDING, lock=True)
        authorize(actor.assignments, "registry", "update", at=building.region_code)
        _check_version(building, expected_version)
        cleaned = clean(BUILDING_RULES, values, partial=True)
        if "building_code" in cleaned:
            await _unique(
                Building,
                RecordKind.BUILDING,
                "building_code",
                cleaned["building_code"],
                except_id=building.id,
            )
        result: Building = await _finish_update(actor, RecordKind.BUILDING, building, cleaned)
        return result


async def register_house(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
) -> House:
    """Register a house (房屋); a rental house (出租房屋) with its landlord and use."""
    async with in_transaction():
        code = await _writable_region(actor, region_code, "create")
        cleaned = clean(HOUSE_RULES, values)
        _check_rental(cleaned)
        building = await _reference(
            actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
        )
        if building is not None:
            cleaned["building_id"] = building.id
        house: House = await _create_record(actor, RecordKind.HOUSE, code, cleaned)
        return house


async def update_house(
    *,
    actor: Principal,
    house_id: uuid.UUID,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> House:
    """Correct a house's fields (a rental's landlord, use, hidden danger)."""
    async with in_transaction():
        house = await _get(actor, House, house_id, kind=RecordKind.HOUSE, lock=True)
        authorize(actor.assignments, "registry", "update", at=house.region_code)
        _check_version(house, expected_version)
        cleaned = clean(HOUSE_RULES, values, partial=True)
        _check_rental({name: getattr(house, name) for name in HOUSE_RULES} | cleaned)
        if "house_code" in cleaned:
            await _unique(
                House, RecordKind.HOUSE, "house_code", cleaned["house_code"], except_id=house.id
            )
        if building_id is not None:
            building = await _reference(
                actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
            )
            assert building is not None
            cleaned["building_id"] = building.id
        result: House = await _finish_update(actor, RecordKind.HOUSE, house, cleaned)
        return result


def _check_organisation(values: Mapping[str, Any]) -> None:
    kind = values.get("kind")
    if kind is OrganisationKind.ENTERPRISE:
        if not values.get("credit_code"):
            raise ValidationFailed("an enterprise needs its creditCode", field="creditCode")
        if values.get("social_organisation_type"):
            raise ValidationFailed(
                "socialOrganisationType is only for social organisations",
                field="socialOrganisationType",
            )
    elif kind is OrganisationKind.SOCIAL and values.get("enterprise_category"):
        raise ValidationFailed(
            "enterpriseCategory is only for enterprises", field="enterpriseCategory"
        )


async def register_organisation(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    building_id: uuid.UUID | None = None,
) -> Organisation:
    """Register an enterprise (非公有制经济组织) or a social organisation (社会组织)."""
    async with in_transaction():
        code = await _writable_region(actor, region_code, "create")
        cleaned = clean(ORGANISATION_RULES, values)
        _check_organisation(cleaned)
        building = await _reference(
            actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
        )
        if building is not None:
            cleaned["building_id"] = building.id
        organisation: Organisation = await _create_record(
            actor, RecordKind.ORGANISATION, code, cleaned
        )
        return organisation


async def update_organisation(
    *,
    actor: Principal,
    organisation_id: uuid.UUID,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> Organisation:
    """Correct an organisation's fields."""
    async with in_transaction():
        organisation = await _get(
            actor, Organisation, organisation_id, kind=RecordKind.ORGANISATION, lock=True
        )
        authorize(actor.assignments, "registry", "update", at=organisation.region_code)
        _check_version(organisation, expected_version)
        cleaned = clean(ORGANISATION_RULES, values, partial=True)
        _check_organisation(
            {name: getattr(organisation, name) for name in ORGANISATION_RULES} | cleaned
        )
        if cleaned.get("credit_code"):
            await _unique(
                Organisation,
                RecordKind.ORGANISATION,
                "credit_code",
                cleaned["credit_code"],
                except_id=organisation.id,
            )
        result: Organisation = await _finish_update(
            actor, RecordKind.ORGANISATION, organisation, cleaned
        )
        return result


# ---------------------------------------------------------------- special groups


def clean_follow_up(
    group: SpecialGroup, values: Mapping[str, Any], *, partial: bool
) -> dict[str, Any]:
    cleaned = clean(SPECIAL_GROUP_RULES, values, partial=partial)
    if cleaned.get("risk_level"):
        cleaned["risk_level"] = coded(groups.RISK_TABLES[group]).clean(
            cleaned["risk_level"], field="riskLevel"
        )
    return cleaned


async def add_to_special_group(
    *,
    actor: Principal,
    person_id: uuid.UUID,
    group: SpecialGroup,
    values: Mapping[str, Any],
    details: Mapping[str, Any],
) -> SpecialGroupRecord:
    """Put a registered person under special-group management (特殊人群管理)."""
    async with in_transaction():
        person = await _get(
            actor, Person, person_id, kind=RecordKind.PERSON, lock=True, field="personId"
        )
        authorize(actor.assignments, "special_group", "create", at=person.region_code)
        if person.status is not RecordStatus.ACTIVE:
            raise Conflict("the person is deregistered", field="personId")
        cleaned = clean_follow_up(group, values, partial=False)
        checked = groups.clean_details(group, details)
        if await SpecialGroupRecord.exists(
            person_id=person.id, group=group, status=RecordStatus.ACTIVE
        ):
            raise ValidationFailed(
                f"the person is already in group {group.value}",
                field="group",
                code=ErrorCode.ALREADY_EXISTS,
            )
        record = SpecialGroupRecord(
            id=uuid.uuid4(),
            person=person,
            group=group,
            region_code=person.region_code,
            details=checked,
            **cleaned,
        )
        await record.save()
        await _history(
            actor,
            RecordKind.SPECIAL_GROUP,
            record,
            ChangeAction.CREATE,
            _created(record, [*cleaned, "group", "person_id", "details"]),
        )
        return record


async def record_follow_up(
    *,
    actor: Principal,
    record_id: uuid.UUID,
    values: Mapping[str, Any],
    details: Mapping[str, Any] | None = None,
    followed_up: bool = True,
    expected_version: int | None = None,
) -> SpecialGroupRecord:
    """Update a special-group record: a follow-up visit (随访) and its findings."""
    async with in_transaction():
        record = await _get(
            actor, SpecialGroupRecord, record_id, kind=RecordKind.SPECIAL_GROUP, lock=True
        )
        authorize(actor.assignments, "special_group", "update", at=record.region_code)
        _check_version(record, expected_version)
        if record.status is not RecordStatus.ACTIVE:
            raise Conflict("the record is ended", field="id")
        cleaned = clean_follow_up(record.group, values, partial=True)
        if details is not None:
            cleaned["details"] = record.details | groups.clean_details(record.group, details)
        if followed_up:
            cleaned["last_follow_up_at"] = clock.now()
        result: SpecialGroupRecord = await _finish_update(
            actor, RecordKind.SPECIAL_GROUP, record, cleaned
        )
        return result


async def special_group_records(
    person_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[SpecialGroupRecord]]:
    grouped: dict[uuid.UUID, list[SpecialGroupRecord]] = {}
    for record in await SpecialGroupRecord.filter(person_id__in=list(person_ids)).order_by(
        "created_at"
    ):
        grouped.setdefault(record.person_id, []).append(record)
    return grouped


# ---------------------------------------------------------------- party and volunteers


async def register_party_organisation(
    *,
    actor: Principal,
    region_code: str,
    values: Mapping[str, Any],
    parent_id: uuid.UUID | None = None,
) -> PartyOrganisation:
    """A party organisation of the grid structure (社区党委 → 大网格党支部 → 中网格党小组)."""
    async with in_transaction():
        code = await _writable_region(actor, region_code, "create")
        cleaned = clean(PARTY_ORGANISATION_RULES, values)
        level: PartyOrganisationLevel = cleaned["level"]
        parent = await _reference(
            actor,
            PartyOrganisation,
            parent_id,
            kind=RecordKind.PARTY_ORGANISATION,
            field="parentId",
        )
        expected = PARTY_PARENT[level]
        if expected is None:
            if parent is not None:
                raise ValidationFailed(
                    "a community party committee has no parent", field="parentId"
                )
            if len(code) != 12:
                raise ValidationFailed(
                    "a community party committee sits at a community", field="regionCode"
                )
        else:
            if parent is None or parent.level is not expected:
                raise ValidationFailed(
                    f"a {level.value} hangs under a {expected.value}", field="parentId"
                )
            if not code.startswith(parent.region_code):
                raise ValidationFailed(
                    "regionCode lies outside the parent's region", field="regionCode"
                )
            cleaned["parent_id"] = parent.id
        result: PartyOrganisation = await _create_record(
            actor, RecordKind.PARTY_ORGANISATION, code, cleaned
        )
        return result


async def register_party_member(
    *,
    actor: Principal,
    person_id: uuid.UUID,
    values: Mapping[str, Any],
    party_organisation_id: uuid.UUID | None = None,
    building_id: uuid.UUID | None = None,
) -> PartyMember:
    """A party member (党员) of a registered person; an in-service member (在职党员) reports to
    the community where they live."""
    async with in_transaction():
        person = await _reference(
            actor, Person, person_id, kind=RecordKind.PERSON, field="personId"
        )
        assert person is not None
        authorize(actor.assignments, "registry", "create", at=person.region_code)
        cleaned = clean(PARTY_MEMBER_RULES, values)
        if (
            cleaned.get("registered_community_code")
            and len(cleaned["registered_community_code"]) != 12
        ):
            raise ValidationFailed(
                "registeredCommunityCode is a 12-digit community code",
                field="registeredCommunityCode",
            )
        organisation = await _reference(
            actor,
            PartyOrganisation,
            party_organisation_id,
            kind=RecordKind.PARTY_ORGANISATION,
            field="partyOrganisationId",
        )
        building = await _reference(
            actor, Building, building_id, kind=RecordKind.BUILDING, field="buildingId"
        )
        if await PartyMember.exists(person_id=person.id):
            raise ValidationFailed(
                "the person is already registered as a party member",
                field="personId",
                code=ErrorCode.ALREADY_EXISTS,
            )
        cleaned |= {
            "person_id": person.id,
            "party_organisation_id": organisation.id if organisation else None,
            "building_id": building.id if building else None,
        }
        result: PartyMember = await _create_record(
            actor, RecordKind.PARTY_MEMBER, person.region_code, cleaned
        )
        return result


async def register_volunteer(
    *, actor: Principal, person_id: uuid.UUID, values: Mapping[str, Any]
) -> Volunteer:
    """A volunteer (志愿者) among the registered people."""
    async with in_transaction():
        person = await _reference(
            actor, Person, person_id, kind=RecordKind.PERSON, field="personId"
        )
        assert person is not None
        authorize(actor.assignments, "registry", "create", at=person.region_code)
        cleaned = clean(VOLUNTEER_RULES, values)
        if await Volunteer.exists(person_id=person.id):
            raise ValidationFailed(
                "the person is already a volunteer", field="personId", code=ErrorCode.ALREADY_EXISTS
            )
        cleaned["person_id"] = person.id
        result: Volunteer = await _create_record(
            actor, RecordKind.VOLUNTEER, person.region_code, cleaned
        )
        return result


UPDATE_RULES: Final[Mapping[RecordKind, Mapping[str, Rule]]] = {
    RecordKind.PARTY_ORGANISATION: {
        name: rule for name, rule in PARTY_ORGANISATION_RULES.items() if name != "level"
    },
    RecordKind.PARTY_MEMBER: PARTY_MEMBER_RULES,
    RecordKind.VOLUNTEER: VOLUNTEER_RULES,
}


async def update_party_record(
    *,
    actor: Principal,
    kind: RecordKind,
    record_id: uuid.UUID,
    values: Mapping[str, Any],
    party_organisation_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Any:
    """Correct a party organisation, a party member (and the organisation it belongs to) or a
    volunteer."""
    async with in_transaction():
        record: Any = await _get(actor, MODELS[kind], record_id, kind=kind, lock=True)
        authorize(actor.assignments, "registry", "update", at=record.region_code)
        _check_version(record, expected_version)
        if record.status is not RecordStatus.ACTIVE:
            raise Conflict(f"the {kind.value} is deregistered", field="id")
        cleaned = clean(UPDATE_RULES[kind], values, partial=True)
        if kind is RecordKind.PARTY_MEMBER and party_organisation_id is not None:
            organisation = await _reference(
                actor,
                PartyOrganisation,
                party_organisation_id,
                kind=RecordKind.PARTY_ORGANISATION,
                field="partyOrganisationId",
            )
            assert organisation is not None
            cleaned["party_organisation_id"] = organisation.id
        return await _finish_update(actor, kind, record, cleaned)


# ---------------------------------------------------------------- deregistration


async def deregister(
    *,
    actor: Principal,
    kind: RecordKind,
    record_id: uuid.UUID,
    reason: str,
    expected_version: int | None = None,
) -> Any:
    """Deregister (注销) a record: it stays, with its history, but leaves counts and lists of
    registered records. A place still holding registered people or rooms says so."""
    async with in_transaction():
        model = MODELS[kind]
        record: Any = await _get(actor, model, record_id, kind=kind, lock=True)
        action = "end" if kind is RecordKind.SPECIAL_GROUP else "deregister"
        authorize(actor.assignments, policy_object(kind), action, at=record.region_code)
        _check_version(record, expected_version)
        note = text(MAX_REASON, required=True).clean(reason, field="reason")
        if record.status is RecordStatus.DEREGISTERED:
            raise Conflict(f"the {kind.value} is already deregistered", field="id")
        active = RecordStatus.ACTIVE
        blockers: dict[RecordKind, QuerySet[Any]] = {
            RecordKind.HOUSEHOLD: Person.filter(household_id=record.id, status=active),
            RecordKind.HOUSE: Person.filter(house_id=record.id, status=active),
            RecordKind.BUILDING: House.filter(building_id=record.id, status=active),
            RecordKind.PARTY_ORGANISATION: PartyOrganisation.filter(
                parent_id=record.id, status=active
            ),
        }
        if kind in blockers and await blockers[kind].exists():
            raise Conflict(
                f"the {kind.value} still holds registered records: move or deregister them first",
                field="id",
            )
        changes = _apply(record, {"status": RecordStatus.DEREGISTERED})
        if kind is RecordKind.PERSON:
            changes |= _apply(record, {"deregistered_reason": note})
        else:
            changes["reason"] = {"old": None, "new": note}
        record.version += 1
        await record.save()
        if kind is RecordKind.PERSON:
            await SpecialGroupRecord.filter(person_id=record.id, status=active).update(
                status=RecordStatus.DEREGISTERED
            )
        await _history(actor, kind, record, ChangeAction.DEREGISTER, changes)
        return record


# ---------------------------------------------------------------- reads


async def get_record(*, actor: Principal, kind: RecordKind, record_id: uuid.UUID) -> Any:
    """A record of any kind inside the caller's read scope."""
    return await _get(actor, MODELS[kind], record_id, kind=kind)


@dataclass(frozen=True, slots=True)
class PersonFilter:
    region_code: str | None = None
    person_type: PersonType | None = None
    special_group: SpecialGroup | None = None
    left_behind_type: str | None = None
    age_from: int | None = None
    age_to: int | None = None
    text: str | None = None
    tags: Sequence[str] = ()
    household_id: uuid.UUID | None = None
    house_id: uuid.UUID | None = None
    include_deregistered: bool = False


def _subtree(query: QuerySet[Any], region_code: str | None) -> QuerySet[Any]:
    if region_code:
        return query.filter(region_code__startswith=_region_code(region_code))
    return query


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


async def _page(query: QuerySet[M], page: PageRequest) -> Page[M]:
    """Keyset page ordered by id (stable, on the primary key)."""
    if page.after is not None:
        try:
            after = uuid.UUID(page.after)
        except ValueError as error:
            raise ValidationFailed("malformed cursor", field="after") from error
        query = query.filter(id__gt=after)
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda row: row.pk)


async def search_people(
    *, actor: Principal, page: PageRequest, filters: PersonFilter
) -> tuple[Page[Person], Any]:
    """People in scope matching the filters."""
    query = _subtree(Person.filter(readable(actor)), filters.region_code)
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
    today = clock.now().date()
    for bound, value in (("from", filters.age_from), ("to", filters.age_to)):
        if value is None:
            continue
        if not 0 <= value <= 150:
            raise ValidationFailed("ages lie between 0 and 150", field=f"age{bound.title()}")
        if bound == "from":
            query = query.filter(birth_date__lte=_years_ago(today, value))
        else:
            query = query.filter(birth_date__gt=_years_ago(today, value + 1))
    if filters.text:
        term = text(50).clean(filters.text, field="text")
        # Each branch has its own index: an ID number is looked up whole, a name by prefix.
        if len(term) == 18 and term[:17].isdigit():
            query = query.filter(id_number=term.upper())
        elif term:
            query = query.filter(Q(name__startswith=term) | Q(former_name__startswith=term))
    if filters.tags:
        query = query.filter(tags__contains=list(filters.tags))
    if filters.household_id:
        query = query.filter(household_id=filters.household_id)
    if filters.house_id:
        query = query.filter(house_id=filters.house_id)
    return await _page(query, page), query


@dataclass(frozen=True, slots=True)
class PlaceFilter:
    region_code: str | None = None
    text: str | None = None
    include_deregistered: bool = False
    is_rental: bool | None = None
    hazard_type: str | None = None
    building_id: uuid.UUID | None = None
    kind: OrganisationKind | None = None
    attention_level: str | None = None
    group: SpecialGroup | None = None
    risk_level: str | None = None
    party_level: PartyOrganisationLevel | None = None


async def list_records(
    *, actor: Principal, kind: RecordKind, page: PageRequest, filters: PlaceFilter
) -> tuple[Page[Any], Any]:
    """Households, houses, buildings, organisations, special-group records, party
    organisations and members, volunteers in scope."""
    model = MODELS[kind]
    query = _subtree(model.filter(readable(actor, policy_object(kind))), filters.region_code)
    if not filters.include_deregistered:
        query = query.filter(status=RecordStatus.ACTIVE)
    term = text(50).clean(filters.text, field="text") if filters.text else ""
    if kind is RecordKind.HOUSE:
        if filters.is_rental is not None:
            query = query.filter(is_rental=filters.is_rental)
        if filters.hazard_type:
            query = query.filter(hazard_type=filters.hazard_type)
        if filters.building_id:
            query = query.filter(building_id=filters.building_id)
        if term:
            query = query.filter(Q(house_code=term) | Q(address__startswith=term))
    elif kind is RecordKind.HOUSEHOLD and term:
        query = query.filter(Q(household_number=term) | Q(head_name__startswith=term))
    elif kind is RecordKind.BUILDING and term:
        query = query.filter(Q(building_code=term) | Q(name__startswith=term))
    elif kind is RecordKind.ORGANISATION:
        if filters.kind:
            query = query.filter(kind=filters.kind)
        if filters.attention_level:
            query = query.filter(attention_level=filters.attention_level)
        if term:
            query = query.filter(Q(credit_code=term.upper()) | Q(name__startswith=term))
    elif kind is RecordKind.SPECIAL_GROUP:
        if filters.group:
            query = query.filter(group=filters.group)
        if filters.risk_level:
            query = query.filter(risk_level=filters.risk_level)
    elif kind is RecordKind.PARTY_ORGANISATION and filters.party_level:
        query = query.filter(level=filters.party_level)
    return await _page(query, page), query


async def history(
    *, actor: Principal, kind: RecordKind, record_id: uuid.UUID, page: PageRequest
) -> tuple[Page[RegistryChange], Any]:
    """A record's change history, oldest first (readable with the record itself)."""
    await _get(actor, MODELS[kind], record_id, kind=kind)
    query = RegistryChange.filter(record_kind=kind, record_id=record_id)
    if page.after is not None:
        if not page.after.isdigit():
            raise ValidationFailed("malformed cursor", field="after")
        query = query.filter(id__gt=int(page.after))
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda change: change.id), RegistryChange.filter(
        record_kind=kind, record_id=record_id
    )


def visible_changes(actor: Principal, change: RegistryChange) -> dict[str, Any]:
    """The change's field → {old, new}, identifiers masked unless the caller may see them."""
    if may_read_sensitive(actor, change.region_code):
        return dict(change.changes)
    shown: dict[str, Any] = {}
    for name, values in change.changes.items():
        if name in SENSITIVE_COLUMNS:
            values = {
                side: mask(str(value)) if value is not None else None
                for side, value in values.items()
            }
        shown[name] = values
    return shown


# ---------------------------------------------------------------- batched reads


async def residents(house_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Person]]:
    grouped: dict[uuid.UUID, list[Person]] = {}
    rows = await Person.filter(house_id__in=list(house_ids), status=RecordStatus.ACTIVE).order_by(
        "name", "id"
    )
    for person in rows:
        grouped.setdefault(person.house_id, []).append(person)
    return grouped


async def record_unmasked_reads(reads: Sequence[tuple[Principal, str, str, str, str]]) -> None:
    """One audit row per caller and record whose identifiers were read whole, naming the
    fields (who, what, when); written as one INSERT."""
    by_record: dict[tuple[Principal, str, str, str], list[str]] = {}
    for actor, kind, record_id, region_code, column in reads:
        by_record.setdefault((actor, kind, record_id, region_code), []).append(column)
    await AuditEntry.bulk_create(
        [
            AuditEntry(
                actor_id=actor.user_id or actor.api_key_id,
                actor_label=actor.label[:100],
                action="registry.read_sensitive",
                object_type=kind,
                object_id=record_id,
                region_code=region_code,
                detail={"fields": sorted(columns)},
            )
            for (actor, kind, record_id, region_code), columns in by_record.items()
        ]
    )


# ---------------------------------------------------------------- export

EXPORT_LIMIT: Final = 5000
EXPORT_COLUMNS: Final = (
    "id_number",
    "name",
    "sex",
    "birth_date",
    "person_type",
    "region_code",
    "phone",
    "current_address",
    "relation_to_head",
)


async def export_people(*, actor: Principal, filters: PersonFilter) -> tuple[str, int, bool]:
    """The people of a search as CSV (at most EXPORT_LIMIT rows), identifiers masked where the
    caller may not see them; every export is written to the audit log. Returns (csv, rows,
    truncated)."""
    prefixes = scope_prefixes(actor.assignments, "registry", "export")
    where = filters.region_code or (prefixes[0] if len(prefixes) == 1 else None)
    if where is None:
        raise ValidationFailed("give the regionCode to export", field="regionCode")
    authorize(actor.assignments, "registry", "export", at=_region_code(where))
    _, query = await search_people(
        actor=actor, page=PageRequest(first=1, after=None), filters=filters
    )
    query = query.filter(region_code__startswith=where)
    rows = await query.order_by("id").limit(EXPORT_LIMIT + 1)
    truncated = len(rows) > EXPORT_LIMIT
    rows = rows[:EXPORT_LIMIT]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    unmasked = 0
    for person in rows:
        whole = may_read_sensitive(actor, person.region_code)
        unmasked += whole
        writer.writerow(
            [
                _export_value(
                    getattr(person, column), masked=column in SENSITIVE_COLUMNS and not whole
                )
                for column in EXPORT_COLUMNS
            ]
        )
    await AuditEntry.create(
        actor_id=actor.user_id or actor.api_key_id,
        actor_label=actor.label[:100],
        action="registry.export",
        object_type="person",
        object_id=f"export:{len(rows)}",
        region_code=where,
        detail={
            "rows": len(rows),
            "unmasked_rows": unmasked,
            "truncated": truncated,
            "filters": _jsonable(
                {
                    k: v
                    for k, v in dataclasses.asdict(filters).items()
                    if v not in (None, (), [], False)
                }
            ),
        },
    )
    return out.getvalue(), len(rows), truncated


def _export_value(value: Any, *, masked: bool) -> str:
    if value is None:
        return ""
    shown = str(_jsonable(value))
    return formula_safe(mask(shown) if masked else shown)
