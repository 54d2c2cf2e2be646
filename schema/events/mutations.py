"""The closed loop's steps as mutations; each returns the event or a typed error."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, cast

import strawberry
from strawberry.file_uploads import Upload

from api.domains.events import attachments, reference, service
from api.domains.events.cohandling import MAX_COHANDLERS
from api.domains.events.enums import DeadlineUnit, Priority, Source, Stage
from api.errors import NotFound
from schema.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)
from schema.events.cohandling import EventCohandlerInput, EventSiteCheckInput
from schema.events.types import CalendarDayType, DeadlineRuleType, EventType, TimelineEntryType
from schema.hierarchy.types import GeoPointInput
from schema.permissions import allow, signed_in
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.input(description="A new event, as a grid worker's app or a centre reports it.")
class ReportEventInput:
    id: uuid.UUID | None = strawberry.field(
        default=None, description="Choose it offline: a retry is the same event."
    )
    title: str
    description: str = ""
    category_key: str = strawberry.field(description="e.g. city.0502 or dispute.0201")
    source: Source = Source.GRID_PATROL
    priority: Priority = Priority.NORMAL
    region_code: str | None = strawberry.field(
        default=None, description="Where; else from the location or your grid."
    )
    location: GeoPointInput | None = None
    address: str | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None


@strawberry.type(description="The event after the step, and the step's timeline entry.")
class EventPayload:
    event: EventType
    entry: TimelineEntryType | None = strawberry.field(description="null for a repeated report")


@strawberry.type(description="The time limit after the change.")
class DeadlineRulePayload:
    rule: DeadlineRuleType


@strawberry.type(description="The calendar day after the change (null once removed).")
class CalendarDayPayload:
    day: CalendarDayType | None


DeadlineRuleResult = Annotated[
    DeadlineRulePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("DeadlineRuleResult", description="Outcome of setting a time limit."),
]
CalendarDayResult = Annotated[
    CalendarDayPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CalendarDayResult", description="Outcome of a calendar change."),
]

EventResult = Annotated[
    EventPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("EventResult", description="Outcome of a step of the closed loop."),
]


def event_id_of(value: str, field: str = "id") -> uuid.UUID:
    """An event's id as a client gave it (UUID or node id); not found when it is neither."""
    parsed = parse_uuid(value, "Event")
    if parsed is None:
        raise NotFound("event", value, field=field)
    return parsed


_event_id = event_id_of


async def _run(step: Callable[[], Awaitable[service.StepOutcome]]) -> EventResult:
    outcome = await step()
    return EventPayload(
        event=EventType.from_model(outcome.event), entry=TimelineEntryType.from_model(outcome.entry)
    )


def _report_input(value: ReportEventInput) -> service.ReportInput:
    return service.ReportInput(
        title=value.title,
        description=value.description,
        category_key=value.category_key,
        source=value.source,
        priority=value.priority,
        region_code=value.region_code,
        lat=value.location.lat if value.location else None,
        lng=value.location.lng if value.location else None,
        address=value.address,
        citizen_name=value.citizen_name,
        citizen_phone=value.citizen_phone,
        event_id=value.id,
    )


@strawberry.type
class EventsMutation:
    """Steps declare `signed_in()` only: whether a role may take a step depends on the level
    holding the event, so the service answers with a typed NotAllowedError, never a top-level one."""

    @strawberry.mutation(description="Step 1, 上报: report an event.", extensions=signed_in())
    async def report_event(self, info: Info, input: ReportEventInput) -> EventResult:
        event = await service.report(actor=info.context.principal, data=_report_input(input))
        return EventPayload(event=EventType.from_model(event), entry=None)

    @strawberry.mutation(
        description="A grid leader reports and resolves a simple issue at once (logged).",
        extensions=signed_in(),
    )
    async def self_handle_event(self, info: Info, input: ReportEventInput) -> EventResult:
        event = await service.report(
            actor=info.context.principal, data=_report_input(input), close_at_once=True
        )
        return EventPayload(event=EventType.from_model(event), entry=None)

    @strawberry.mutation(
        description=(
            "Step 2, 立案: accept the report as a case; `categoryKey`: the category the desk "
            "chose instead of the reporter's (分拨; counted by suggestionAcceptance)."
        ),
        extensions=signed_in(),
    )
    async def file_event(
        self,
        info: Info,
        id: strawberry.ID,
        note: str = "",
        expected_version: int | None = None,
        category_key: str | None = None,
    ) -> EventResult:
        return await _run(
            lambda: service.file(
                actor=info.context.principal,
                event_id=_event_id(id),
                note=note,
                expected_version=expected_version,
                category_key=category_key,
            )
        )

    @strawberry.mutation(
        description="不予立案: reject the report, with a reason.",
        extensions=signed_in(),
    )
    async def reject_event(
        self, info: Info, id: strawberry.ID, note: str, expected_version: int | None = None
    ) -> EventResult:
        return await _run(
            lambda: service.reject(
                actor=info.context.principal,
                event_id=_event_id(id),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="Step 3, 派遣: dispatch to a department and/or a person.",
        extensions=signed_in(),
    )
    async def assign_event(
        self,
        info: Info,
        id: strawberry.ID,
        department_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        note: str = "",
        expected_version: int | None = None,
        cohandlers: Annotated[
            list[EventCohandlerInput] | None,
            strawberry.argument(
                description="协办: departments that work the event beside the lead (at most 10)."
            ),
        ] = None,
    ) -> EventResult:
        def ids() -> tuple[uuid.UUID | None, uuid.UUID | None]:
            department = parse_uuid(department_id, "Department") if department_id else None
            user = parse_uuid(user_id, "User") if user_id else None
            if department_id and department is None:
                raise NotFound("department", department_id, field="departmentId")
            if user_id and user is None:
                raise NotFound("user", user_id, field="userId")
            return department, user

        async def step() -> service.StepOutcome:
            department, user = ids()
            return await service.assign(
                actor=info.context.principal,
                event_id=_event_id(id),
                department_id=department,
                user_id=user,
                note=note,
                expected_version=expected_version,
                cohandlers=[c.to_request() for c in cohandlers[: MAX_COHANDLERS + 1]]
                if cohandlers
                else (),
            )

        return await _run(step)

    @strawberry.mutation(
        description="协办反馈: a co-handling department reports its part (its own task only).",
        extensions=signed_in(),
    )
    async def report_event_cohandling(
        self,
        info: Info,
        id: strawberry.ID,
        result: str,
        expected_version: Annotated[
            int | None, strawberry.argument(description="The event's version.")
        ] = None,
    ) -> EventResult:
        async def step() -> service.StepOutcome:
            task = parse_uuid(id, "EventCohandling")
            if task is None:
                raise NotFound("cohandling", id, field="id")
            return await service.report_cohandling(
                actor=info.context.principal,
                cohandling_id=task,
                result=result,
                expected_version=expected_version,
            )

        return await _run(step)

    @strawberry.mutation(
        description=(
            "现场核查: the leader of the event's grid verifies the result on site "
            "(categories verified on site); failed sends it back with the reason."
        ),
        extensions=signed_in(),
    )
    async def verify_event_on_site(
        self,
        info: Info,
        id: strawberry.ID,
        input: EventSiteCheckInput,
        expected_version: int | None = None,
    ) -> EventResult:
        return await _run(
            lambda: service.verify_on_site(
                actor=info.context.principal,
                event_id=_event_id(id),
                check=input.to_check(),
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="Step 4, 受理: the assignee takes the work on.",
        extensions=signed_in(),
    )
    async def accept_event(
        self, info: Info, id: strawberry.ID, note: str = "", expected_version: int | None = None
    ) -> EventResult:
        return await _run(
            lambda: service.accept(
                actor=info.context.principal,
                event_id=_event_id(id),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="回退: not our competence; back to the centre, with a reason.",
        extensions=signed_in(),
    )
    async def return_event(
        self, info: Info, id: strawberry.ID, note: str, expected_version: int | None = None
    ) -> EventResult:
        return await _run(
            lambda: service.return_dispatch(
                actor=info.context.principal,
                event_id=_event_id(id),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(description="Step 5, 处置反馈: submit the result.", extensions=signed_in())
    async def submit_event_result(
        self, info: Info, id: strawberry.ID, note: str, expected_version: int | None = None
    ) -> EventResult:
        return await _run(
            lambda: service.submit(
                actor=info.context.principal,
                event_id=_event_id(id),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="核查: pass, or fail with a reason (rework).",
        extensions=signed_in(),
    )
    async def verify_event(
        self,
        info: Info,
        id: strawberry.ID,
        passed: bool,
        note: str = "",
        expected_version: int | None = None,
    ) -> EventResult:
        return await _run(
            lambda: service.verify(
                actor=info.context.principal,
                event_id=_event_id(id),
                passed=passed,
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(description="Step 6, 结案归档.", extensions=signed_in())
    async def close_event(
        self, info: Info, id: strawberry.ID, note: str = "", expected_version: int | None = None
    ) -> EventResult:
        return await _run(
            lambda: service.close(
                actor=info.context.principal,
                event_id=_event_id(id),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(description="Step 7, 回访评价: satisfaction 1–5.", extensions=signed_in())
    async def evaluate_event(
        self,
        info: Info,
        id: strawberry.ID,
        satisfaction: int,
        note: str = "",
        expected_version: int | None = None,
    ) -> EventResult:
        return await _run(
            lambda: service.evaluate(
                actor=info.context.principal,
                event_id=_event_id(id),
                satisfaction=satisfaction,
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="上报上级: hand to the level above (urgent: district, major: city).",
        extensions=signed_in(),
    )
    async def escalate_event(
        self, info: Info, id: strawberry.ID, note: str, expected_version: int | None = None
    ) -> EventResult:
        return await _run(
            lambda: service.escalate(
                actor=info.context.principal,
                event_id=_event_id(id),
                note=note,
                expected_version=expected_version,
            )
        )

    @strawberry.mutation(
        description="督办: press for progress from a level above.",
        extensions=signed_in(),
    )
    async def supervise_event(self, info: Info, id: strawberry.ID, note: str) -> EventResult:
        return await _run(
            lambda: service.supervise(
                actor=info.context.principal, event_id=_event_id(id), note=note
            )
        )

    @strawberry.mutation(
        description="点评: a leader's remark on the handling.", extensions=signed_in()
    )
    async def comment_event(self, info: Info, id: strawberry.ID, note: str) -> EventResult:
        return await _run(
            lambda: service.comment(actor=info.context.principal, event_id=_event_id(id), note=note)
        )

    @strawberry.mutation(
        description="Add photos, video, audio or documents (multipart upload; type sniffed, size bounded).",
        extensions=signed_in(),
    )
    async def attach_to_event(
        self, info: Info, id: strawberry.ID, files: list[Upload], note: str = ""
    ) -> EventResult:
        settings = info.context.settings
        event, entry = await attachments.attach(
            actor=info.context.principal,
            event_id=_event_id(id),
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            files=cast("list[attachments.UploadedFile]", files),
            note=note,
            root=settings.attachment_dir,
            max_bytes=settings.gridgov_max_upload_bytes,
            max_files=settings.gridgov_max_upload_files,
        )
        return EventPayload(
            event=EventType.from_model(event), entry=TimelineEntryType.from_model(entry)
        )

    @strawberry.mutation(
        description="Set the time limit of a stage for a category (or the default). City admin.",
        extensions=allow("deadline_rule", "update"),
    )
    async def set_deadline_rule(
        self,
        info: Info,
        stage: Stage,
        amount: int,
        unit: DeadlineUnit,
        category_key: str | None = None,
        reminder_share: float = 0.8,
        red_share: float = 1.5,
    ) -> DeadlineRuleResult:
        rule = await reference.set_deadline_rule(
            actor=info.context.principal,
            category_key=category_key,
            stage=stage,
            amount=amount,
            unit=unit,
            reminder_share=reminder_share,
            red_share=red_share,
        )
        return DeadlineRulePayload(rule=DeadlineRuleType.from_model(rule))

    @strawberry.mutation(
        description="Mark a holiday or a worked weekend day (调休). City admin.",
        extensions=allow("calendar", "update"),
    )
    async def set_calendar_day(
        self, info: Info, day: date, is_workday: bool, name: str
    ) -> CalendarDayResult:
        entry = await reference.set_calendar_day(
            actor=info.context.principal, day=day, is_workday=is_workday, name=name
        )
        return CalendarDayPayload(day=CalendarDayType.from_model(entry))

    @strawberry.mutation(
        description="Return a day to the ordinary week. City admin.",
        extensions=allow("calendar", "update"),
    )
    async def remove_calendar_day(self, info: Info, day: date) -> CalendarDayResult:
        await reference.remove_calendar_day(actor=info.context.principal, day=day)
        return CalendarDayPayload(day=None)
