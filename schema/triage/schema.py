"""Intake triage: probable duplicates of an event, merging a report into its main event and
undoing it, and the reports merged into an event."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.domains.triage import service
from api.pagination import page_request
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.events.mutations import EventPayload, EventResult, event_id_of
from schema.events.types import EventType, TimelineEntryType
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.triage.types import (
    DuplicateCandidates,
    DuplicateCandidateType,
    SpikeWarningPayload,
    SpikeWarningType,
    SuggestionAcceptance,
)
from schema.types import Info

DuplicateCandidatesResult = Annotated[
    DuplicateCandidates | NotFoundError | ValidationError,
    strawberry.union(
        "DuplicateCandidatesResult", description="The probable duplicates, or why not."
    ),
]

SpikeWarningResult = Annotated[
    SpikeWarningPayload | NotFoundError | ConflictError | ValidationError,
    strawberry.union("SpikeWarningResult", description="The acknowledged warning, or why not."),
]


@strawberry.type
class TriageQuery:
    @strawberry.field(
        description=(
            "重复件: open events in your scope that this event probably repeats (same or sibling "
            "category, near in place and time, alike in wording), best first."
        ),
        extensions=allow("event", "read"),
    )
    async def duplicate_candidates(
        self, info: Info, event_id: strawberry.ID, first: int = 5
    ) -> DuplicateCandidatesResult:
        found = await service.candidates_for(
            actor=info.context.principal, event_id=event_id_of(event_id, "eventId"), first=first
        )
        return DuplicateCandidates(
            candidates=[DuplicateCandidateType.from_candidate(c) for c in found]
        )

    @strawberry.field(
        description="The reports merged into an event (重复件), oldest first; only your scope's.",
        extensions=allow("event", "read"),
    )
    async def merged_reports(
        self,
        info: Info,
        event_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EventType]:
        page, filtered = await service.merged_reports(
            actor=info.context.principal,
            event_id=event_id_of(event_id, "eventId"),
            page=page_request(first, after),
        )
        return connection(page, filtered, EventType.from_model)

    @strawberry.field(
        description=(
            "智能分拨: how often events reported since `since` in your scope got the category and "
            "department suggested first or among the three, and the newest classifier's figures."
        ),
        extensions=allow("statistics", "read"),
    )
    async def suggestion_acceptance(self, info: Info, since: datetime) -> SuggestionAcceptance:
        figures = await service.acceptance(actor=info.context.principal, since=since)
        newest = await service.newest_classifier()
        return SuggestionAcceptance(
            suggested=figures.suggested,
            category_top1=figures.category_top1,
            category_top3=figures.category_top3,
            dispatched=figures.dispatched,
            department_top1=figures.department_top1,
            department_top3=figures.department_top3,
            classifier_version=newest.id if newest else None,
            held_out_top1=newest.top1 if newest else None,
            held_out_top3=newest.top3 if newest else None,
        )

    @strawberry.field(
        description=(
            "预警: spike warnings of the communities under a region in your scope, newest first"
            " (only those not yet acknowledged, unless `openOnly` is false)."
        ),
        extensions=allow("spike_warning", "read"),
    )
    async def spike_warnings(
        self,
        info: Info,
        region_code: str,
        open_only: bool = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[SpikeWarningType]:
        page, filtered = await service.spike_warnings(
            actor=info.context.principal,
            region_code=region_code,
            open_only=open_only,
            page=page_request(first, after),
        )
        return connection(page, filtered, SpikeWarningType.from_model)


@strawberry.type
class TriageMutation:
    @strawberry.mutation(
        description="Take note of a spike warning (once), with what is being done about it.",
        extensions=allow("spike_warning", "acknowledge"),
    )
    async def acknowledge_spike_warning(
        self, info: Info, id: strawberry.ID, note: str = ""
    ) -> SpikeWarningResult:
        warning = await service.acknowledge_spike(
            actor=info.context.principal, warning_id=parse_uuid(id, "SpikeWarning"), note=note
        )
        return SpikeWarningPayload(warning=SpikeWarningType.from_model(warning))

    @strawberry.mutation(
        description=(
            "重复件合并: merge a report into the open event it repeats. The report keeps its "
            "reporter, photos and history, stops its own clock and ends with the main event."
        ),
        extensions=allow("event", "merge"),
    )
    async def merge_event(
        self,
        info: Info,
        report_id: strawberry.ID,
        into_id: strawberry.ID,
        note: str = "",
        expected_version: int | None = None,
    ) -> EventResult:
        outcome = await service.merge(
            actor=info.context.principal,
            report_id=event_id_of(report_id, "reportId"),
            into_id=event_id_of(into_id, "intoId"),
            note=note,
            expected_version=expected_version,
        )
        return EventPayload(
            event=EventType.from_model(outcome.event),
            entry=TimelineEntryType.from_model(outcome.entry),
        )

    @strawberry.mutation(
        description="Undo a merge while the main event is open: the report is its own case again.",
        extensions=allow("event", "merge"),
    )
    async def unmerge_event(
        self,
        info: Info,
        report_id: strawberry.ID,
        note: str = "",
        expected_version: int | None = None,
    ) -> EventResult:
        outcome = await service.unmerge(
            actor=info.context.principal,
            report_id=event_id_of(report_id, "reportId"),
            note=note,
            expected_version=expected_version,
        )
        return EventPayload(
            event=EventType.from_model(outcome.event),
            entry=TimelineEntryType.from_model(outcome.entry),
        )
