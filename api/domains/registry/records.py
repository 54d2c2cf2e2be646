"""Shared by every kind of record: read scope, the region a write lands in, natural keys,
versions, the change-history row written with every change, and deregistration (注销)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any, Final, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, RawSQL
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.hierarchy.models import Region
from api.domains.registry import search
from api.domains.registry.enums import (
    ChangeAction,
    RecordKind,
    RecordStatus,
)
from api.domains.registry.models import (
    Building,
    Enrolment,
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
from api.domains.registry.review_flow import held, hold
from api.domains.registry.search import Ranking
from api.domains.registry.validation import field_name, text
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.query import subtree_filter
from api.regions import Level
from policies.enforcer import authorize, scope_prefixes

M = TypeVar("M", bound=Model)


MAX_REASON = 200


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
    RecordKind.ENROLMENT: Enrolment,
}


NATURAL_KEYS: Final[Mapping[RecordKind, str]] = {
    RecordKind.PERSON: "id_number",
    RecordKind.HOUSEHOLD: "household_number",
    RecordKind.HOUSE: "house_code",
    RecordKind.BUILDING: "building_code",
    RecordKind.ORGANISATION: "credit_code",
}


# Records as sensitive as the membership they say (特殊人群, 低保 …) have a policy object of
# their own; every other kind is `registry`.
SENSITIVE_KINDS: Final[Mapping[RecordKind, str]] = {
    RecordKind.SPECIAL_GROUP: "special_group",
    RecordKind.ENROLMENT: "enrolment",
}


def policy_object(kind: RecordKind) -> str:
    return SENSITIVE_KINDS.get(kind, "registry")


def readable(actor: Principal, obj: str = "registry") -> Q:
    """Records whose region lies inside the caller's read scope (empty scope: nothing)."""
    return subtree_filter(scope_prefixes(actor.assignments, obj, "read"), "region_code")


def valid_region_code(value: str | None, *, field: str = "regionCode") -> str:
    code = (value or "").strip()
    if Level.of_code(code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code (4, 6, 9, 12 or 15 digits)"),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    return code


async def writable_region(
    actor: Principal,
    code: str | None,
    action: str,
    *,
    obj: str = "registry",
    field: str = "regionCode",
) -> str:
    """An existing active region where the caller may `action`; out of scope is not found."""
    region_code = valid_region_code(code, field=field)
    authorize(actor.assignments, obj, action, at=region_code)
    if not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field=field)
    return region_code


async def readable_record(
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


async def referenced_record(
    actor: Principal, model: type[M], record_id: uuid.UUID | None, *, kind: RecordKind, field: str
) -> M | None:
    """A record another one points at: readable by the caller and still registered."""
    if record_id is None:
        return None
    found = await readable_record(actor, model, record_id, kind=kind, field=field)
    if getattr(found, "status", RecordStatus.ACTIVE) is not RecordStatus.ACTIVE:
        raise ValidationFailed(
            _("{value} {record_id} is deregistered", value=kind.value, record_id=record_id),
            field=field,
        )
    return found


def jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def changed(record: Model, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The values that differ from the record's, as field → {old, new} (JSON-ready)."""
    changes: dict[str, dict[str, Any]] = {}
    for name, new in values.items():
        old = getattr(record, name)
        if jsonable(old) != jsonable(new):
            changes[name] = {"old": jsonable(old), "new": jsonable(new)}
    return changes


def apply_changes(record: Model, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the values that differ; return them as field → {old, new} (JSON-ready)."""
    changes = changed(record, values)
    for name in changes:
        setattr(record, name, values[name])
    return changes


async def write_history(
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


HELD = "_held_change"


async def finish_update(
    actor: Principal, kind: RecordKind, record: Any, cleaned: Mapping[str, Any]
) -> Any:
    """Apply the cleaned values to the (locked) record with its history row, or, where the
    record's community reviews edits and the caller is not its reviewer, hold them as a pending
    change (the record stays as it was; `held_change` names the pending change)."""
    if await held(actor, kind, record.region_code):
        changes = changed(record, cleaned)
        if changes:
            setattr(record, HELD, await hold(actor, kind, record, changes))
        return record
    changes = apply_changes(record, cleaned)
    if changes:
        record.version += 1
        await save_record(record, kind=kind)
        await write_history(actor, kind, record, ChangeAction.UPDATE, changes)
    return record


def held_change(record: Any) -> Any:
    """The pending change an update of `record` was held as, if it was."""
    return getattr(record, HELD, None)


def created_changes(record: Model, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    return {
        name: {"old": None, "new": jsonable(getattr(record, name))}
        for name in names
        if getattr(record, name) not in (None, [], "")
    }


async def save_record(record: Model, *, kind: RecordKind) -> None:
    """Save; a natural key taken meanwhile (or by an import) is a typed error, not a 500. A
    named record's pinyin keys follow its names."""
    try:
        await record.save()
    except IntegrityError as error:
        key = NATURAL_KEYS.get(kind, "id")
        raise ValidationFailed(
            _(
                "{value} with this {field_name} is already registered",
                value=kind.value,
                field_name=field_name(key),
            ),
            field=field_name(key),
            code=ErrorCode.ALREADY_EXISTS,
        ) from error
    if kind in search.NAMED:
        await search.keep(kind, record)


async def check_unique(
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
            _(
                "{value} with this {field_name} is already registered",
                value=kind.value,
                field_name=field_name(key),
            ),
            field=field_name(key, prefix),
            code=ErrorCode.ALREADY_EXISTS,
        )


def check_version(record: Any, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise Conflict(
            _(
                "the record changed meanwhile (version {version}, you had {expected_version})",
                version=record.version,
                expected_version=expected_version,
            ),
            field="expectedVersion",
        )


async def create_record(
    actor: Principal,
    kind: RecordKind,
    region_code: str,
    cleaned: dict[str, Any],
    *,
    record_id: uuid.UUID | None = None,
) -> Any:
    model = MODELS[kind]
    key = NATURAL_KEYS.get(kind)
    if key is not None:
        await check_unique(model, kind, key, cleaned.get(key))
    record = model(id=record_id or uuid.uuid4(), region_code=region_code, **cleaned)
    await save_record(record, kind=kind)
    await write_history(
        actor, kind, record, ChangeAction.CREATE, created_changes(record, [*cleaned, "region_code"])
    )
    return record


async def _retried(actor: Principal, kind: RecordKind, record_id: uuid.UUID) -> Any:
    """The record a retried create names, if it exists: the caller's own creation is returned,
    anyone else's (or an id of another record) is a conflict."""
    found = await MODELS[kind].get_or_none(id=record_id)
    if found is None:
        return None
    author = actor.user_id or actor.api_key_id
    mine = await RegistryChange.exists(
        record_kind=kind, record_id=record_id, action=ChangeAction.CREATE, actor_id=author
    )
    if not mine:
        raise Conflict(
            _("a {value} with this id exists", value=kind.value),
            field="clientId",
            code=ErrorCode.ALREADY_EXISTS,
        )
    return found


async def create_once(
    actor: Principal,
    kind: RecordKind,
    client_id: uuid.UUID | None,
    create: Callable[[], Awaitable[M]],
) -> M:
    """Run `create` (its own transaction) unless the client's id names a record it already
    created: an offline phone's retry, sequential or concurrent, gets the same record. A retry
    racing the first write loses on the primary key (or the natural key) and finds it."""
    if client_id is None:
        return await create()
    existing = await _retried(actor, kind, client_id)
    if existing is not None:
        return existing
    try:
        return await create()
    except (IntegrityError, ValidationFailed):
        existing = await _retried(actor, kind, client_id)
        if existing is None:
            raise
        return existing


def within_region(query: QuerySet[Any], region_code: str | None) -> QuerySet[Any]:
    if region_code:
        return query.filter(region_code__startswith=valid_region_code(region_code))
    return query


# Code lengths of the levels whose subtree has an index on (that ancestor of region_code, id)
# (migration 0050): district, township, community; a grid's code is whole, indexed as
# (region_code, id). A city's prefix matches every row of a one-city database, which the primary
# key walks in id order already.
_PATH_LENGTHS: Final = (6, 9, 12)
_GRID_LENGTH: Final = 15
# the tables with those indexes (the big ones); the others keep the prefix form and its index
_PATH_INDEXED: Final = frozenset(
    {
        "registry_people",
        "registry_households",
        "registry_houses",
        "registry_buildings",
        "registry_organisations",
    }
)


def one_subtree(prefixes: Sequence[str], code: str | None, table: str) -> str | None:
    """The one subtree (a region code) that read scope `prefixes` and the asked region `code`
    (checked) come down to on `table`, when they do and the table has its ancestor-code
    indexes; else None (the general form applies). Said as an equality on that level's ancestor
    code, alone, a keyset page by id reads that index range in order and stops after the page;
    `region_code LIKE prefix%` leaves PostgreSQL to sort the subtree by id or walk the primary
    key filtering, and both forms together mislead its estimates (it takes them for independent
    and expects a handful of rows)."""
    if len(prefixes) != 1 or table not in _PATH_INDEXED:
        return None
    scope = prefixes[0]
    narrowest = None
    if code is None or code.startswith(scope):
        narrowest = code or scope
    elif scope.startswith(code):
        narrowest = scope
    if narrowest is not None and len(narrowest) in (*_PATH_LENGTHS, _GRID_LENGTH):
        return narrowest
    return None


def subtree_column(code: str) -> str:
    """The SQL expression `one_subtree`'s code equals: the region code itself for a grid, else
    its ancestor of that level (the length is one of ours, never the client's text)."""
    return '"region_code"' if len(code) == _GRID_LENGTH else f'left("region_code", {len(code)})'


def in_subtree(
    query: QuerySet[Any], actor: Principal, obj: str, region_code: str | None
) -> QuerySet[Any]:
    """readable(actor, obj) and within_region(region_code) on `query`: the same rows, said as
    `one_subtree` says them where it can."""
    prefixes = scope_prefixes(actor.assignments, obj, "read")
    code = valid_region_code(region_code) if region_code else None
    narrowest = one_subtree(prefixes, code, query.model._meta.db_table)
    if narrowest is not None and len(narrowest) == _GRID_LENGTH:
        return query.filter(region_code=narrowest)
    if narrowest is not None:
        ancestor = RawSQL(subtree_column(narrowest))
        return query.annotate(region_path=ancestor).filter(region_path=narrowest)
    return within_region(query.filter(subtree_filter(prefixes, "region_code")), code)


async def keyset_page(query: QuerySet[M], page: PageRequest) -> Page[M]:
    """Keyset page ordered by id (stable, on the primary key)."""
    if page.after is not None:
        try:
            after = uuid.UUID(page.after)
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
        query = query.filter(id__gt=after)
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda row: row.pk)


async def ranked_page(query: QuerySet[M], page: PageRequest, ranking: Ranking) -> Page[M]:
    """Keyset page of a search, exact characters first: the names equal to or starting with
    the query's characters (ranks 0 and 1, off the name index), then the rest found by pinyin
    (rank 2) by id, which the database reads in primary-key order probing each row's keys, so
    a prefix matching one person in eight still stops after a page. The cursor is `rank|id`."""
    after_rank, after_id = "", None
    if page.after is not None:
        after_rank, _unused, id_text = page.after.partition("|")
        try:
            after_id = uuid.UUID(id_text)
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
        if after_rank not in {"0", "1", "2"}:
            raise ValidationFailed(_("malformed cursor"), field="after")
    wanted = page.first + 1
    rows: list[Any] = []
    if after_rank != "2":
        named = query.filter(ranking.starts).annotate(search_rank=ranking.rank)
        if after_id is not None:
            named = named.filter(
                Q(search_rank__gt=after_rank) | Q(search_rank=after_rank, id__gt=after_id)
            )
        rows = list(await named.order_by("search_rank", "id").limit(wanted))
    if len(rows) < wanted:
        rest = query.filter(~ranking.starts)
        if after_rank == "2":
            rest = rest.filter(id__gt=after_id)
        for row in await rest.order_by("id").limit(wanted - len(rows)):
            row.search_rank = "2"
            rows.append(row)
    return make_page(rows, page, lambda row: f"{row.search_rank}|{row.pk}")


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
        record: Any = await readable_record(actor, model, record_id, kind=kind, lock=True)
        action = "end" if kind in SENSITIVE_KINDS else "deregister"
        authorize(actor.assignments, policy_object(kind), action, at=record.region_code)
        check_version(record, expected_version)
        note = text(MAX_REASON, required=True).clean(reason, field="reason")
        if record.status is RecordStatus.DEREGISTERED:
            raise Conflict(_("the {value} is already deregistered", value=kind.value), field="id")
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
                _(
                    "the {value} still holds registered records: move or deregister them first",
                    value=kind.value,
                ),
                field="id",
            )
        changes = apply_changes(record, {"status": RecordStatus.DEREGISTERED})
        if kind is RecordKind.PERSON:
            changes |= apply_changes(record, {"deregistered_reason": note})
        else:
            changes["reason"] = {"old": None, "new": note}
        record.version += 1
        await record.save()
        if kind is RecordKind.PERSON:
            await SpecialGroupRecord.filter(person_id=record.id, status=active).update(
                status=RecordStatus.DEREGISTERED
            )
            await Enrolment.filter(person_id=record.id, status=active).update(
                status=RecordStatus.DEREGISTERED
            )
        await write_history(actor, kind, record, ChangeAction.DEREGISTER, changes)
        return record
