"""Mutations of diaries, patrols, household visits and investigation rounds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, cast

import strawberry
from strawberry.file_uploads import Upload

from api.domains.diaries import patrols, rounds, service, visits
from api.domains.diaries.enums import DiaryKind, ProblemType, QuotaPeriod
from api.domains.diaries.models import Diary
from api.errors import NotFound
from api.uploads import UploadedFile
from schema.diaries.types import (
    DiaryQuotaType,
    DiaryType,
    HouseholdAssignmentType,
    HouseholdVisitType,
    InvestigationRoundType,
    PatrolType,
    present,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info


def _uuid(value: strawberry.ID, what: str) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value)
    return parsed


@strawberry.input(description="How many problems of a kind the diary notes.")
class ProblemCountInput:
    type: ProblemType
    count: int


@strawberry.input(description="A diary entry (民情日记).")
class WriteDiaryInput:
    day: date = strawberry.field(description="The China-time day it is about; not in the future.")
    kind: DiaryKind
    text: str
    problems: list[ProblemCountInput] = strawberry.field(default_factory=list)
    household_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Registry households visited (in your area)."
    )
    client_id: uuid.UUID | None = strawberry.field(
        default=None,
        description="A client-chosen id (a UUID): a retried write with it (offline phones) "
        "returns the same diary.",
    )


@strawberry.type(description="The diary as stored.")
class DiaryPayload:
    diary: DiaryType


DiaryResult = Annotated[
    DiaryPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("DiaryResult", description="Outcome of a change to a diary."),
]


@strawberry.input(description="A problem of a diary to report as an event.")
class RaiseEventFromDiaryInput:
    diary_id: strawberry.ID
    problem: ProblemType
    title: str
    description: str = ""
    category_key: str = strawberry.field(description="e.g. dispute.0201")
    event_id: uuid.UUID | None = strawberry.field(
        default=None, description="Choose it offline: a retry is the same event."
    )


@strawberry.type(description="The diary and the event raised from it.")
class RaisedEventPayload:
    diary: DiaryType
    event_id: strawberry.ID
    case_number: str | None


RaisedEventResult = Annotated[
    RaisedEventPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("RaisedEventResult", description="Outcome of raising an event."),
]


@strawberry.type(description="The patrol as stored.")
class PatrolPayload:
    patrol: PatrolType


PatrolResult = Annotated[
    PatrolPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PatrolResult", description="Outcome of starting or ending a patrol."),
]


@strawberry.input(description="A visit to a household (走访).")
class RecordVisitInput:
    household_id: strawberry.ID
    visited_at: datetime
    minutes: int
    purpose: str
    notes: str = ""
    follow_up_needed: bool = False
    care_record_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The care-group record (关爱对象) of a household member the visit was for.",
    )
    client_id: uuid.UUID | None = strawberry.field(
        default=None,
        description="A client-chosen id (a UUID): a retried record with it (offline phones) "
        "returns the same visit.",
    )


@strawberry.type(description="The visit as stored.")
class VisitPayload:
    visit: HouseholdVisitType


VisitResult = Annotated[
    VisitPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("VisitResult", description="Outcome of recording a visit."),
]


@strawberry.type(description="The assignments as stored.")
class AssignHouseholdsPayload:
    assignments: list[HouseholdAssignmentType]


AssignHouseholdsResult = Annotated[
    AssignHouseholdsPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("AssignHouseholdsResult", description="Outcome of assigning households."),
]


@strawberry.input(description="What a round found (排查情况).")
class RoundFiguresInput:
    disputes_found: int
    resolved_on_the_spot: int
    escalated_as_events: int
    hidden_dangers: int
    notes: str = ""


@strawberry.type(description="The round as stored.")
class RoundPayload:
    round: InvestigationRoundType


RoundResult = Annotated[
    RoundPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("RoundResult", description="Outcome of submitting a round."),
]


@strawberry.input(description="A new version of a quota.")
class DiaryQuotaInput:
    role: str = strawberry.field(description="grid_worker, grid_leader, community_staff …")
    region_code: str = strawberry.field(description="Applies to this region's subtree.")
    period: QuotaPeriod
    min_diaries: int
    min_visits: int
    min_visit_minutes: int


@strawberry.type(description="The quota version as stored.")
class DiaryQuotaPayload:
    quota: DiaryQuotaType


DiaryQuotaResult = Annotated[
    DiaryQuotaPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("DiaryQuotaResult", description="Outcome of setting a quota."),
]


async def _diary_payload(diary: Diary) -> DiaryPayload:
    return DiaryPayload(diary=(await present([diary]))[0])


@strawberry.type
class DiariesMutation:
    @strawberry.mutation(
        description="Write a diary of your grid; it goes to your community for review.",
        extensions=allow("diary", "write"),
    )
    async def write_diary(
        self,
        info: Info,
        input: WriteDiaryInput,
        photos: Annotated[
            list[Upload] | None,
            strawberry.argument(
                description="Photos (multipart upload; type sniffed, size bounded)."
            ),
        ] = None,
    ) -> DiaryResult:
        settings = info.context.settings
        problems: dict[str, int] = {}
        for problem in input.problems:
            problems[problem.type.value] = problems.get(problem.type.value, 0) + problem.count
        diary = await service.write(
            actor=info.context.principal,
            day=input.day,
            kind=input.kind,
            text=input.text,
            problems=problems,
            household_ids=[_uuid(h, "household") for h in input.household_ids],
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            photos=cast("list[UploadedFile]", photos or []),
            files=service.FileLimits(
                root=settings.attachment_dir,
                max_bytes=settings.gridgov_max_upload_bytes,
                max_files=settings.gridgov_max_upload_files,
            ),
            client_id=input.client_id,
        )
        return await _diary_payload(diary)

    @strawberry.mutation(
        description="Approve a diary, or return it with a remark (点评, required to return).",
        extensions=allow("diary", "review"),
    )
    async def review_diary(
        self,
        info: Info,
        id: strawberry.ID,
        approve: bool,
        remark: str = "",
        version: int | None = None,
    ) -> DiaryResult:
        diary = await service.review(
            actor=info.context.principal,
            diary_id=_uuid(id, "diary"),
            approve=approve,
            remark=remark,
            version=version,
        )
        return await _diary_payload(diary)

    @strawberry.mutation(
        description="Revise a diary returned to you and submit it again.",
        extensions=allow("diary", "write"),
    )
    async def resubmit_diary(
        self, info: Info, id: strawberry.ID, text: str, version: int | None = None
    ) -> DiaryResult:
        diary = await service.resubmit(
            actor=info.context.principal, diary_id=_uuid(id, "diary"), text=text, version=version
        )
        return await _diary_payload(diary)

    @strawberry.mutation(
        description="Report a problem noted in a diary as an event, linked both ways.",
        extensions=allow("event", "report"),
    )
    async def raise_event_from_diary(
        self, info: Info, input: RaiseEventFromDiaryInput
    ) -> RaisedEventResult:
        diary, event = await service.raise_event(
            actor=info.context.principal,
            diary_id=_uuid(input.diary_id, "diary"),
            problem=input.problem,
            title=input.title,
            description=input.description,
            category_key=input.category_key,
            event_id=input.event_id,
        )
        return RaisedEventPayload(
            diary=(await present([diary]))[0],
            event_id=strawberry.ID(str(event.id)),
            case_number=event.case_number,
        )

    @strawberry.mutation(
        description="Start a patrol of your grid; positions you report meanwhile are its track.",
        extensions=allow("patrol", "run"),
    )
    async def start_patrol(
        self,
        info: Info,
        client_id: Annotated[
            uuid.UUID | None,
            strawberry.argument(
                description="A client-chosen id (a UUID): a retried start with it (offline "
                "phones) returns the same patrol."
            ),
        ] = None,
    ) -> PatrolResult:
        patrol = await patrols.start(actor=info.context.principal, client_id=client_id)
        return PatrolPayload(patrol=PatrolType.from_model(patrol))

    @strawberry.mutation(
        description="End your running patrol: its track is kept, its distance measured.",
        extensions=allow("patrol", "run"),
    )
    async def end_patrol(self, info: Info, id: strawberry.ID) -> PatrolResult:
        patrol = await patrols.end(actor=info.context.principal, patrol_id=_uuid(id, "patrol"))
        return PatrolPayload(patrol=PatrolType.from_model(patrol))

    @strawberry.mutation(
        description="Record a visit to a household in your area.",
        extensions=allow("household_visit", "record"),
    )
    async def record_visit(self, info: Info, input: RecordVisitInput) -> VisitResult:
        visit = await visits.record(
            actor=info.context.principal,
            household_id=_uuid(input.household_id, "household"),
            visited_at=input.visited_at,
            minutes=input.minutes,
            purpose=input.purpose,
            notes=input.notes,
            follow_up_needed=input.follow_up_needed,
            care_record_id=(
                _uuid(input.care_record_id, "care record") if input.care_record_id else None
            ),
            client_id=input.client_id,
        )
        return VisitPayload(visit=HouseholdVisitType.from_model(visit))

    @strawberry.mutation(
        description="Assign households of your area to a person to look after (分片包户).",
        extensions=allow("household_assignment", "assign"),
    )
    async def assign_households(
        self, info: Info, user_id: strawberry.ID, household_ids: list[strawberry.ID]
    ) -> AssignHouseholdsResult:
        rows = await visits.assign(
            actor=info.context.principal,
            user_id=_uuid(user_id, "user"),
            household_ids=[_uuid(h, "household") for h in household_ids],
        )
        return AssignHouseholdsPayload(
            assignments=[HouseholdAssignmentType.from_model(row) for row in rows]
        )

    @strawberry.mutation(
        description="Fill in and submit an investigation round (once; again is a conflict).",
        extensions=allow("investigation_round", "submit"),
    )
    async def submit_investigation_round(
        self, info: Info, id: strawberry.ID, input: RoundFiguresInput, version: int | None = None
    ) -> RoundResult:
        round_ = await rounds.submit(
            actor=info.context.principal,
            round_id=_uuid(id, "investigation round"),
            figures=rounds.RoundFigures(
                disputes_found=input.disputes_found,
                resolved_on_the_spot=input.resolved_on_the_spot,
                escalated_as_events=input.escalated_as_events,
                hidden_dangers=input.hidden_dangers,
                notes=input.notes,
            ),
            version=version,
        )
        return RoundPayload(round=InvestigationRoundType.from_model(round_))

    @strawberry.mutation(
        description="Set a new version of the diary and visit quota of a role under a region.",
        extensions=allow("diary_quota", "set"),
    )
    async def set_diary_quota(self, info: Info, input: DiaryQuotaInput) -> DiaryQuotaResult:
        quota = await service.set_quota(
            actor=info.context.principal,
            role=input.role,
            region_code=input.region_code,
            period=input.period,
            min_diaries=input.min_diaries,
            min_visits=input.min_visits,
            min_visit_minutes=input.min_visit_minutes,
        )
        return DiaryQuotaPayload(quota=DiaryQuotaType.from_model(quota))
