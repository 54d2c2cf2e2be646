"""GraphQL of the event ledgers (台账): the 社情民意 and 矛盾纠纷排查 ledgers of a region and
period, a page at a time or exported as XLSX by a worker job, with its live progress."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from api.domains.events.enums import Card, EventStatus, Source
from api.domains.ledgers import service
from api.domains.ledgers.enums import LedgerKind
from api.domains.ledgers.models import EventLedgerExport
from api.errors import NotFound
from api.feeds import FeedSource
from api.feeds import ledgers as feeds_ledgers
from api.pagination import page_request
from schema.errors import NotAllowedError, NotFoundError, ValidationError
from schema.exports import ExportFields, ExportState, export_fields
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.realtime.subscriptions import feed
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(
    LedgerKind,
    name="LedgerKind",
    description="社情民意信息台账 (PUBLIC_OPINION) or 矛盾纠纷排查台账 (DISPUTES).",
)


@strawberry.type(description="An event as a ledger lists it.")
class EventLedgerEntry:
    event_id: strawberry.ID = strawberry.field(description="The event (pass to `event`).")
    case_number: str
    reported_at: datetime
    region_code: str = strawberry.field(description="Where it happened (the grid).")
    region_name: str | None
    category_key: str
    category_name: str | None
    category_group: str = strawberry.field(
        description="The category group (大类, or a dispute's class) the ledger sorts by."
    )
    category_group_name: str | None
    source: Source
    title: str
    status: EventStatus
    card: Card = strawberry.field(description="The worst card so far.")
    department_name: str | None = strawberry.field(description="The department handling it.")
    handler_name: str | None = strawberry.field(description="The person handling it.")
    outcome: str | None = strawberry.field(
        description="The note of its last result, on-the-spot handling or rejection."
    )
    closed_at: datetime | None

    @classmethod
    def from_entry(cls, entry: service.LedgerEntry) -> EventLedgerEntry:
        return cls(
            event_id=strawberry.ID(str(entry.event_id)),
            case_number=entry.case_number,
            reported_at=entry.reported_at,
            region_code=entry.region_code,
            region_name=entry.region_name,
            category_key=entry.category_key,
            category_name=entry.category_name,
            category_group=entry.group_key,
            category_group_name=entry.group_name,
            source=Source(entry.source),
            title=entry.title,
            status=EventStatus(entry.status),
            card=Card(entry.card),
            department_name=entry.department_name,
            handler_name=entry.assignee_name,
            outcome=entry.outcome,
            closed_at=entry.closed_at,
        )


@strawberry.type(description="An XLSX export of a ledger, written by a worker job.")
class EventLedgerExportType(ExportFields):
    kind: LedgerKind

    @classmethod
    def from_model(cls, export: EventLedgerExport) -> EventLedgerExportType:
        return cls(kind=export.kind, **export_fields(export, download_path="/exports/event-ledger"))


@strawberry.type(description="The export as queued.")
class EventLedgerExportPayload:
    export: EventLedgerExportType


EventLedgerExportResult = Annotated[
    EventLedgerExportPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union(
        "EventLedgerExportResult", description="Outcome of asking for a ledger export."
    ),
]


@strawberry.type(description="A ledger export's progress as it changes, in sequence order.")
class EventLedgerExportProgress:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    export_id: strawberry.ID
    state: ExportState
    rows_total: int | None
    rows_written: int
    error: str | None
    at: datetime


def _progress(message: dict[str, Any]) -> EventLedgerExportProgress:
    return EventLedgerExportProgress(
        sequence=message["sequence"],
        export_id=strawberry.ID(message["export_id"]),
        state=ExportState(message["state"]),
        rows_total=message.get("rows_total"),
        rows_written=message["rows_written"],
        error=message.get("error"),
        at=datetime.fromisoformat(message["at"]),
    )


@strawberry.type
class LedgersQuery:
    @strawberry.field(
        description="A ledger (台账) of a region and period (China-time days, at most a year): "
        "the events of its kind by category group, then as reported, with status, handler "
        "and outcome.",
        extensions=allow("ledger", "read"),
    )
    async def event_ledger(
        self,
        info: Info,
        kind: LedgerKind,
        region_code: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
        category_group: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EventLedgerEntry]:
        page, counted = await service.ledger(
            actor=info.context.principal,
            filters=service.LedgerFilter(
                kind=kind,
                region_code=region_code,
                first_day=first_day,
                last_day=last_day,
                category_group=category_group,
            ),
            page=page_request(first, after),
        )
        return connection(page, counted, EventLedgerEntry.from_entry)

    @strawberry.field(
        description="A ledger export you asked for, with its progress; null if not yours.",
        extensions=allow("ledger", "read"),
    )
    async def event_ledger_export(
        self, info: Info, id: strawberry.ID
    ) -> EventLedgerExportType | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            found = await service.mine(actor=info.context.principal, export_id=parsed)
        except NotFound:
            return None
        return EventLedgerExportType.from_model(found)


@strawberry.type
class LedgersMutation:
    @strawberry.mutation(
        description="Export a ledger of a region and period as XLSX: a worker writes it; "
        "follow eventLedgerExportProgress (or eventLedgerExport) for progress and the "
        "download link, which only you can use.",
        extensions=allow("ledger", "read"),
    )
    async def export_event_ledger(
        self,
        info: Info,
        kind: LedgerKind,
        region_code: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
    ) -> EventLedgerExportResult:
        export = await service.start(
            actor=info.context.principal,
            filters=service.LedgerFilter(
                kind=kind, region_code=region_code, first_day=first_day, last_day=last_day
            ),
            redis=info.context.redis,
        )
        return EventLedgerExportPayload(export=EventLedgerExportType.from_model(export))


@strawberry.type
class LedgersSubscription:
    @strawberry.subscription(
        description="Progress of your ledger export: every message since it was queued (or "
        "since `after`), then live; ends once it is done or failed.",
        extensions=signed_in(),
    )
    async def event_ledger_export_progress(
        self, info: Info, export_id: strawberry.ID, after: int | None = None
    ) -> AsyncGenerator[EventLedgerExportProgress, None]:
        principal = info.context.principal

        async def source() -> FeedSource:
            parsed = parse_uuid(export_id)
            if parsed is None:
                raise NotFound("ledger export", export_id, field="exportId")
            return await feeds_ledgers.ledger_export_progress(actor=principal, export_id=parsed)

        async for message in feed(info.context, source, _progress, after=after):
            yield message
            if message.state in (ExportState.DONE, ExportState.FAILED):
                return
