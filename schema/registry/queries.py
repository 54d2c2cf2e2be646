"""Registry queries: records of your subtree, their history, area statistics, code tables."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import strawberry

from api.domains.registry import analysis, code_tables, people_rows, service, statistics
from api.domains.registry.enums import (
    OrganisationKind,
    PartyOrganisationLevel,
    PersonType,
    Programme,
    RecordKind,
    SpecialGroup,
)
from api.domains.registry.privacy import mask, may_read_sensitive
from api.errors import DomainError, NotFound
from api.pagination import page_request
from schema.errors import NotAllowedError, NotFoundError, ValidationError, error_result
from schema.fast.selection import selected_below
from schema.geo import MapAreaInput, area_of
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.registry.types import (
    CONVERTERS,
    BuildingType,
    CodeTableType,
    EnrolmentType,
    HouseholdNode,
    HouseType,
    OrganisationType,
    PartyMemberType,
    PartyOrganisationType,
    PersonNode,
    RegistryBreakdownCell,
    RegistryChangeType,
    RegistryCount,
    RegistryMonth,
    RegistryStatistics,
    SpecialGroupRecordType,
    VolunteerType,
)
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.input(description="Filters of the people search; all optional, combined with AND.")
class PersonFilterInput:
    region_code: str | None = strawberry.field(default=None, description="In this subtree.")
    person_type: PersonType | None = None
    special_group: SpecialGroup | None = strawberry.field(
        default=None, description="Members of this group (needs the special-group read role)."
    )
    programme: Programme | None = strawberry.field(
        default=None, description="Enrolled in this programme (needs the enrolment read role)."
    )
    left_behind_type: str | None = strawberry.field(default=None, description="5.15 code")
    age_from: int | None = strawberry.field(default=None, description="At least this old.")
    age_to: int | None = strawberry.field(default=None, description="At most this old.")
    text: str | None = strawberry.field(
        default=None, description="Name or former name prefix, or a whole ID number."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Carrying every tag.")
    household_id: strawberry.ID | None = None
    house_id: strawberry.ID | None = None
    include_deregistered: bool = False


@strawberry.input(description="Filters of the other registry lists; each applies where it fits.")
class RegistryFilterInput:
    region_code: str | None = strawberry.field(default=None, description="In this subtree.")
    text: str | None = strawberry.field(
        default=None, description="Name or address prefix, or a whole code."
    )
    include_deregistered: bool = False
    is_rental: bool | None = strawberry.field(default=None, description="Houses.")
    hazard_type: str | None = strawberry.field(default=None, description="Houses: 5.19 code.")
    building_id: strawberry.ID | None = strawberry.field(default=None, description="Houses.")
    kind: OrganisationKind | None = strawberry.field(default=None, description="Organisations.")
    attention_level: str | None = strawberry.field(
        default=None, description="Organisations: 5.46 code."
    )
    group: SpecialGroup | None = strawberry.field(default=None, description="Special groups.")
    risk_level: str | None = strawberry.field(default=None, description="Special groups.")
    party_level: PartyOrganisationLevel | None = strawberry.field(
        default=None, description="Party organisations."
    )
    programme: Programme | None = strawberry.field(default=None, description="Enrolments.")
    area: MapAreaInput | None = strawberry.field(
        default=None, description="Buildings, and houses by their building: where it stands."
    )


RegistryStatisticsResult = Annotated[
    RegistryStatistics | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("RegistryStatisticsResult", description="Counts for the map, or why not."),
]


@strawberry.type(description="A CSV export of people (audited).")
class PeopleExport:
    csv: str = strawberry.field(description="UTF-8 CSV with a header row.")
    row_count: int
    truncated: bool = strawberry.field(description="More people matched than one export holds.")


def _id(value: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID | None:
    if value is None:
        return None
    parsed = parse_uuid(value, type_name)
    if parsed is None:
        raise NotFound(type_name.lower(), value, field=field)
    return parsed


def person_filter(value: PersonFilterInput | None) -> service.PersonFilter:
    if value is None:
        return service.PersonFilter()
    return service.PersonFilter(
        region_code=value.region_code,
        person_type=value.person_type,
        special_group=value.special_group,
        programme=value.programme,
        left_behind_type=value.left_behind_type,
        age_from=value.age_from,
        age_to=value.age_to,
        text=value.text,
        tags=value.tags or (),
        household_id=_id(value.household_id, "Household", "householdId"),
        house_id=_id(value.house_id, "House", "houseId"),
        include_deregistered=value.include_deregistered,
    )


def place_filter(value: RegistryFilterInput | None) -> service.PlaceFilter:
    if value is None:
        return service.PlaceFilter()
    return service.PlaceFilter(
        region_code=value.region_code,
        text=value.text,
        include_deregistered=value.include_deregistered,
        is_rental=value.is_rental,
        hazard_type=value.hazard_type,
        building_id=_id(value.building_id, "Building", "buildingId"),
        kind=value.kind,
        attention_level=value.attention_level,
        group=value.group,
        risk_level=value.risk_level,
        party_level=value.party_level,
        programme=value.programme,
        area=area_of(value.area, field="filter.area") if value.area is not None else None,
    )


async def _one(info: Info, kind: RecordKind, type_name: str, id: strawberry.ID) -> Any:
    record_id = parse_uuid(id, type_name)
    if record_id is None:
        return None
    try:
        record = await service.get_record(
            actor=info.context.principal, kind=kind, record_id=record_id
        )
    except NotFound:
        return None
    return CONVERTERS[kind](record)


async def _list(
    info: Info,
    kind: RecordKind,
    filter: RegistryFilterInput | None,
    first: int | None,
    after: str | None,
) -> Any:
    page, filtered = await service.list_records(
        actor=info.context.principal,
        kind=kind,
        page=page_request(first, after),
        filters=place_filter(filter),
    )
    return connection(page, filtered, CONVERTERS[kind])


READ = allow("registry", "read")

# A person's identifiers by their GraphQL names: masked or whole (and audited) per row.
_PERSON_IDENTIFIERS = {
    "idNumber": "id_number",
    "phone": "phone",
    "certificateNumber": "certificate_number",
    "passportNumber": "passport_number",
}


@strawberry.type
class RegistryQuery:
    @strawberry.field(description="A person in your scope; null otherwise.", extensions=READ)
    async def person(self, info: Info, id: strawberry.ID) -> PersonNode | None:
        return await _one(info, RecordKind.PERSON, "Person", id)

    @strawberry.field(description="Search the people of your scope.", extensions=READ)
    async def people(
        self,
        info: Info,
        filter: PersonFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PersonNode]:
        actor = info.context.principal
        page, filtered = await people_rows.list_people(
            actor=actor,
            page=page_request(first, after),
            filters=person_filter(filter),
            redis=info.context.redis,
        )
        # the identifiers the page shows: only those are audited as read whole
        selected = selected_below(info, ("edges", "node"), always=True) or frozenset()
        columns = tuple(column for name, column in _PERSON_IDENTIFIERS.items() if name in selected)
        nodes = {id(row): PersonNode.from_row(row) for row in page.items}
        reads: dict[str, list[str]] = {}
        regions: list[str] = []
        nodes_region: dict[str, str] = {}
        whole_at: dict[str, bool] = {}
        for row in page.items:
            node = nodes[id(row)]
            region = node.region_code
            whole = whole_at.get(region)
            if whole is None:
                whole = whole_at[region] = may_read_sensitive(actor, region)
            shown = {column: row[column] for column in columns}
            if whole:
                read = [column for column, value in shown.items() if value is not None]
                if read:
                    reads[str(node.uuid)] = read
                    nodes_region[str(node.uuid)] = region
                    regions.append(region)
            else:
                shown = {c: None if v is None else mask(v) for c, v in shown.items()}
            node.shown = shown
        # One audit row for the page's whole identifiers, committed before the page is answered
        # (if it cannot be written, the page fails); the same reads further down the request (a
        # member of a listed household) are then known as audited and not written again.
        await service.record_page_read(actor, RecordKind.PERSON, reads, regions)
        audited = info.context.loaders.sensitive_read
        for record_id, read in reads.items():
            region = nodes_region[record_id]
            for column in read:
                audited.prime((actor, RecordKind.PERSON.value, record_id, region, column), True)
        return connection(page, filtered, lambda row: nodes[id(row)])

    @strawberry.field(description="A household in your scope; null otherwise.", extensions=READ)
    async def household(self, info: Info, id: strawberry.ID) -> HouseholdNode | None:
        return await _one(info, RecordKind.HOUSEHOLD, "Household", id)

    @strawberry.field(description="Households of your scope.", extensions=READ)
    async def households(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[HouseholdNode]:
        return await _list(info, RecordKind.HOUSEHOLD, filter, first, after)

    @strawberry.field(description="A house in your scope; null otherwise.", extensions=READ)
    async def house(self, info: Info, id: strawberry.ID) -> HouseType | None:
        return await _one(info, RecordKind.HOUSE, "House", id)

    @strawberry.field(description="Houses (rental too) of your scope.", extensions=READ)
    async def houses(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[HouseType]:
        return await _list(info, RecordKind.HOUSE, filter, first, after)

    @strawberry.field(description="A building in your scope; null otherwise.", extensions=READ)
    async def building(self, info: Info, id: strawberry.ID) -> BuildingType | None:
        return await _one(info, RecordKind.BUILDING, "Building", id)

    @strawberry.field(description="Buildings of your scope.", extensions=READ)
    async def buildings(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[BuildingType]:
        return await _list(info, RecordKind.BUILDING, filter, first, after)

    @strawberry.field(description="An organisation in your scope; null otherwise.", extensions=READ)
    async def organisation(self, info: Info, id: strawberry.ID) -> OrganisationType | None:
        return await _one(info, RecordKind.ORGANISATION, "Organisation", id)

    @strawberry.field(description="Enterprises and social organisations.", extensions=READ)
    async def organisations(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OrganisationType]:
        return await _list(info, RecordKind.ORGANISATION, filter, first, after)

    @strawberry.field(
        description="Special-group records of your scope (roles that manage or supervise them).",
        extensions=allow("special_group", "read"),
    )
    async def special_group_records(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[SpecialGroupRecordType]:
        return await _list(info, RecordKind.SPECIAL_GROUP, filter, first, after)

    @strawberry.field(
        description="Programme enrolments of your scope (roles that may read them, as for "
        "special groups).",
        extensions=allow("enrolment", "read"),
    )
    async def enrolments(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EnrolmentType]:
        return await _list(info, RecordKind.ENROLMENT, filter, first, after)

    @strawberry.field(description="Party organisations of the grid structure.", extensions=READ)
    async def party_organisations(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PartyOrganisationType]:
        return await _list(info, RecordKind.PARTY_ORGANISATION, filter, first, after)

    @strawberry.field(description="Party members of your scope.", extensions=READ)
    async def party_members(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PartyMemberType]:
        return await _list(info, RecordKind.PARTY_MEMBER, filter, first, after)

    @strawberry.field(description="Volunteers of your scope.", extensions=READ)
    async def volunteers(
        self,
        info: Info,
        filter: RegistryFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VolunteerType]:
        return await _list(info, RecordKind.VOLUNTEER, filter, first, after)

    @strawberry.field(
        description="Change history of a record, oldest first (who, when, field → old/new).",
        extensions=READ,
    )
    async def registry_history(
        self,
        info: Info,
        kind: RecordKind,
        id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RegistryChangeType]:
        record_id = parse_uuid(id)
        if record_id is None:
            raise NotFound(kind.value, id, field="id")
        page, filtered = await service.history(
            actor=info.context.principal,
            kind=kind,
            record_id=record_id,
            page=page_request(first, after),
        )
        return connection(
            page, filtered, lambda change: RegistryChangeType.from_model(change, info)
        )

    @strawberry.field(
        description="Counts for the map (区域统计): people per type, households, houses, "
        "buildings, organisations (and special groups, if yours to see) per child region.",
        extensions=READ,
    )
    async def registry_statistics(
        self,
        info: Info,
        region_code: str,
        by: Annotated[
            list[analysis.Attribute] | None,
            strawberry.argument(
                description="Break down by one attribute or two (统计分析); special groups need"
                " the special-group read role."
            ),
        ] = None,
        per_child: Annotated[
            bool, strawberry.argument(description="The breakdown per child region.")
        ] = False,
        trend_months: Annotated[
            int | None,
            strawberry.argument(description="The monthly trend of the last N months (1–36)."),
        ] = None,
    ) -> RegistryStatisticsResult:
        actor = info.context.principal
        below = selected_below(info, ())
        wanted = below is None or bool(below & {"children", "totals"})
        try:
            found = await statistics.registry_statistics(
                actor=actor, region_code=region_code, counts=wanted
            )
            cells = (
                await analysis.breakdown(
                    actor=actor, region_code=region_code, attributes=by, per_child=per_child
                )
                if by is not None
                else []
            )
            months = (
                await analysis.trend(actor=actor, region_code=region_code, months=trend_months)
                if trend_months is not None
                else []
            )
        except DomainError as error:
            return error_result(error)
        return RegistryStatistics(
            region_code=found.region_code,
            children=[
                RegistryCount(region_code=c.region_code, kind=c.kind, count=c.count)
                for c in found.children
            ],
            totals=[
                RegistryCount(region_code=c.region_code, kind=c.kind, count=c.count)
                for c in found.totals
            ],
            breakdown=[
                RegistryBreakdownCell(region_code=c.region_code, values=c.values, count=c.count)
                for c in cells
            ],
            trend=[
                RegistryMonth(
                    month=m.month,
                    registered=m.registered,
                    deregistered=m.deregistered,
                    registered_at_end=m.registered_at_end,
                )
                for m in months
            ],
        )

    @strawberry.field(
        description="People of a search as CSV (≤ 5000 rows; audited).",
        extensions=allow("registry", "export"),
    )
    async def export_people(
        self, info: Info, filter: PersonFilterInput | None = None
    ) -> PeopleExport:
        text, rows, truncated = await service.export_people(
            actor=info.context.principal, filters=person_filter(filter), redis=info.context.redis
        )
        return PeopleExport(csv=text, row_count=rows, truncated=truncated)

    @strawberry.field(
        description='A code table: GB/T 31000 ("5.11") or a national one ("ethnicity", "sex", '
        '"education", "political_status", "marital_status", "religion", "relation_to_head").',
        extensions=signed_in(),
    )
    async def registry_code_table(self, key: str) -> CodeTableType | None:
        found = (await code_tables.live_tables()).get(key)
        return None if found is None else CodeTableType.from_table(found)
