"""Reads over every kind of record: one by id, lists of places, a record's history, and the
masking of what a caller may not see in it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.queryset import QuerySet

from api import geo
from api.auth import Principal
from api.domains.audit.models import AuditEntry
from api.domains.registry import search
from api.domains.registry.enums import (
    OrganisationKind,
    PartyOrganisationLevel,
    Programme,
    RecordKind,
    RecordStatus,
    SpecialGroup,
)
from api.domains.registry.models import (
    Building,
    RegistryChange,
)
from api.domains.registry.privacy import (
    REVEALING_COLUMNS,
    SENSITIVE_COLUMNS,
    WITHHELD,
    mask,
    may_read_sensitive,
)
from api.domains.registry.records import (
    MODELS,
    in_subtree,
    keyset_page,
    policy_object,
    ranked_page,
    readable_record,
)
from api.domains.registry.validation import text
from api.errors import ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import ORDER


async def get_record(*, actor: Principal, kind: RecordKind, record_id: uuid.UUID) -> Any:
    """A record of any kind inside the caller's read scope."""
    return await readable_record(actor, MODELS[kind], record_id, kind=kind)


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
    programme: Programme | None = None
    area: geo.Area | None = None  # buildings, and houses by their building: where it stands


async def list_records(
    *, actor: Principal, kind: RecordKind, page: PageRequest, filters: PlaceFilter
) -> tuple[Page[Any], Any]:
    """Households, houses, buildings, organisations, special-group records, enrolments, party
    organisations and members, volunteers in scope."""
    model = MODELS[kind]
    query = in_subtree(model.all(), actor, policy_object(kind), filters.region_code)
    if not filters.include_deregistered:
        query = query.filter(status=RecordStatus.ACTIVE)
    term = text(50).clean(filters.text, field="text") if filters.text else ""
    if filters.area is not None:
        if kind not in (RecordKind.BUILDING, RecordKind.HOUSE):
            raise ValidationFailed(_("an area selects buildings and houses"), field="area")
        located = Subquery(buildings_in(filters.area).values("id"))
        if kind is RecordKind.BUILDING:
            query = query.filter(id__in=located)
        else:
            query = query.filter(building_id__in=located)
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
        query = query.filter(Q(building_code=term) | search.matching(kind, term))
    elif kind is RecordKind.ORGANISATION:
        if filters.kind:
            query = query.filter(kind=filters.kind)
        if filters.attention_level:
            query = query.filter(attention_level=filters.attention_level)
        if term:
            query = query.filter(Q(credit_code=term.upper()) | search.matching(kind, term))
    elif kind is RecordKind.SPECIAL_GROUP:
        if filters.group:
            query = query.filter(group=filters.group)
        if filters.risk_level:
            query = query.filter(risk_level=filters.risk_level)
    elif kind is RecordKind.ENROLMENT and filters.programme:
        query = query.filter(programme=filters.programme)
    elif kind is RecordKind.PARTY_ORGANISATION and filters.party_level:
        query = query.filter(level=filters.party_level)
    if term and kind in (RecordKind.BUILDING, RecordKind.ORGANISATION):
        # found by characters, full pinyin or initials (拼音检索); exact characters first
        ranked = search.ranking(term, "name")
        return await ranked_page(query, page, ranked), query
    return await keyset_page(query, page), query


def buildings_in(area: geo.Area) -> QuerySet[Building]:
    """Buildings whose point lies in the area: the box by the latitude/longitude columns, a
    circle by the same haversine distance as the map queries (api/geo.py)."""
    box = area.box() if isinstance(area, geo.Near) else area
    located = Building.filter(
        lat__gte=box.south, lat__lte=box.north, lng__gte=box.west, lng__lte=box.east
    )
    if isinstance(area, geo.Near):
        located = located.annotate(distance=RawSQL(geo.distance_sql(area, None))).filter(
            distance__lte=area.radius
        )
    return located


async def history(
    *, actor: Principal, kind: RecordKind, record_id: uuid.UUID, page: PageRequest
) -> tuple[Page[RegistryChange], Any]:
    """A record's change history, oldest first (readable with the record itself)."""
    await readable_record(actor, MODELS[kind], record_id, kind=kind)
    query = RegistryChange.filter(record_kind=kind, record_id=record_id)
    if page.after is not None:
        if not page.after.isdigit():
            raise ValidationFailed(_("malformed cursor"), field="after")
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
        elif name in REVEALING_COLUMNS and isinstance(values, dict):
            values = {
                side: WITHHELD if value is not None else None for side, value in values.items()
            }
        shown[name] = values
    return shown


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


def common_region(codes: Iterable[str]) -> str:
    """The lowest region holding every one of these codes ('' when they share no city)."""
    shared = ""
    for number, code in enumerate(codes):
        if number == 0:
            shared = code
            continue
        while not code.startswith(shared):
            shared = shared[:-1]
    lengths = [level.code_length for level in ORDER if level.code_length <= len(shared)]
    return shared[: lengths[-1]] if lengths else ""


async def record_page_read(
    actor: Principal, kind: RecordKind, reads: Mapping[str, Sequence[str]], regions: Iterable[str]
) -> None:
    """One audit row for a page of records whose identifiers were read whole: the records
    (id → the columns read), at the lowest region holding them all (where the audit log's
    readers find it). Awaited before the page is answered, in its own statement: an answered
    page has its row committed, whatever happens to the process afterwards."""
    if not reads:
        return
    await AuditEntry.create(
        actor_id=actor.user_id or actor.api_key_id,
        actor_label=actor.label[:100],
        action="registry.read_sensitive",
        object_type=kind.value,
        object_id=next(iter(reads)) if len(reads) == 1 else "",
        region_code=common_region(regions),
        detail={"records": {record: sorted(columns) for record, columns in reads.items()}},
    )
