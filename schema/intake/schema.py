"""Hotline work orders (12345 工单), called with the integration's API key."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api import phones
from api.domains.events.enums import Priority
from api.domains.events.models import Event
from api.domains.intake import models, service
from api.errors import DomainError
from api.pagination import page_request
from schema.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)
from schema.events.types import EventType, TimelineEntryType
from schema.hierarchy.types import GeoPointInput
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.types import Info


@strawberry.input(description="A hotline work order (工单) as the 12345 system registered it.")
class WorkOrderInput:
    ticket_id: str = strawberry.field(description="The hotline's own ticket number (unique).")
    idempotency_key: str = strawberry.field(
        description="The same key on a retry returns the first result and creates nothing."
    )
    content: str = strawberry.field(description="What the caller reported (诉求内容).")
    category_key: str = strawberry.field(description="e.g. city.0502 or dispute.0201")
    title: str | None = strawberry.field(
        default=None, description="Short title; the first line of the content if omitted."
    )
    caller_name: str | None = None
    caller_phone: str | None = strawberry.field(
        default=None, description="Validated; Chinese numbers may omit +86."
    )
    urgency: Priority = Priority.NORMAL
    region_code: str | None = strawberry.field(
        default=None, description="Where, if the hotline knows the region; else the location."
    )
    location: GeoPointInput | None = strawberry.field(
        default=None, description="Where (WGS-84 unless the point says GCJ02)."
    )
    address: str | None = None


@strawberry.type(name="WorkOrder", description="A hotline's work order and the event it became.")
class WorkOrderType:
    ticket_id: str
    caller_name: str | None
    caller_phone: str | None = strawberry.field(description="Masked.")
    callback_satisfaction: int | None = strawberry.field(description="回访: 1–5.")
    callback_note: str | None
    callback_at: datetime | None
    created_at: datetime
    event: EventType = strawberry.field(description="Status, handling level and history.")

    @classmethod
    def from_models(cls, work_order: models.WorkOrder, event: Event) -> WorkOrderType:
        return cls(
            ticket_id=work_order.ticket_id,
            caller_name=work_order.caller_name,
            caller_phone=phones.masked(work_order.caller_phone)
            if work_order.caller_phone
            else None,
            callback_satisfaction=work_order.callback_satisfaction,
            callback_note=work_order.callback_note,
            callback_at=work_order.callback_at,
            created_at=work_order.created_at,
            event=EventType.from_model(event),
        )


@strawberry.type(description="The work order; `created` is false for a retry.")
class WorkOrderPayload:
    work_order: WorkOrderType
    created: bool = strawberry.field(description="false: this key was seen; nothing new made.")


@strawberry.type(description="The work order after the step, and the step's timeline entry.")
class WorkOrderStepPayload:
    work_order: WorkOrderType
    entry: TimelineEntryType


SubmitWorkOrderResult = Annotated[
    WorkOrderPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("SubmitWorkOrderResult", description="Outcome of submitting a work order."),
]
WorkOrderStepResult = Annotated[
    WorkOrderStepPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("WorkOrderStepResult", description="Outcome of a follow-up or callback."),
]


def _input(value: WorkOrderInput) -> service.WorkOrderInput:
    return service.WorkOrderInput(
        ticket_id=value.ticket_id,
        idempotency_key=value.idempotency_key,
        content=value.content,
        category_key=value.category_key,
        title=value.title,
        caller_name=value.caller_name,
        caller_phone=value.caller_phone,
        urgency=value.urgency,
        region_code=value.region_code,
        lat=value.location.lat if value.location else None,
        lng=value.location.lng if value.location else None,
        address=value.address,
    )


@strawberry.type
class IntakeQuery:
    @strawberry.field(
        description="Your work order by its ticket number; null if you never submitted it.",
        extensions=allow("work_order", "read"),
    )
    async def work_order(self, info: Info, ticket_id: str) -> WorkOrderType | None:
        try:
            work_order, event = await service.get_work_order(
                actor=info.context.principal, ticket_id=ticket_id
            )
        except DomainError:
            return None
        return WorkOrderType.from_models(work_order, event)

    @strawberry.field(
        description="Your work orders, newest first.", extensions=allow("work_order", "read")
    )
    async def work_orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[WorkOrderType]:
        page, filtered = await service.list_work_orders(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, lambda pair: WorkOrderType.from_models(*pair))


@strawberry.type
class IntakeMutation:
    @strawberry.mutation(
        description="受理: submit a hotline work order; it becomes an event (source HOTLINE).",
        extensions=allow("work_order", "submit"),
    )
    async def submit_work_order(self, info: Info, input: WorkOrderInput) -> SubmitWorkOrderResult:
        submission = await service.submit_work_order(
            actor=info.context.principal, data=_input(input)
        )
        return WorkOrderPayload(
            work_order=WorkOrderType.from_models(submission.work_order, submission.event),
            created=submission.created,
        )

    @strawberry.mutation(
        description="补充信息: add what the caller said on a later call to an open work order.",
        extensions=allow("work_order", "follow_up"),
    )
    async def add_work_order_follow_up(
        self, info: Info, ticket_id: str, note: str
    ) -> WorkOrderStepResult:
        work_order, outcome = await service.add_follow_up(
            actor=info.context.principal, ticket_id=ticket_id, note=note
        )
        return WorkOrderStepPayload(
            work_order=WorkOrderType.from_models(work_order, outcome.event),
            entry=TimelineEntryType.from_model(outcome.entry),
        )

    @strawberry.mutation(
        description="回访: record the caller's satisfaction (1–5) with a closed work order.",
        extensions=allow("work_order", "callback"),
    )
    async def record_work_order_callback(
        self, info: Info, ticket_id: str, satisfaction: int, note: str = ""
    ) -> WorkOrderStepResult:
        work_order, outcome = await service.record_callback(
            actor=info.context.principal,
            ticket_id=ticket_id,
            satisfaction=satisfaction,
            note=note,
        )
        return WorkOrderStepPayload(
            work_order=WorkOrderType.from_models(work_order, outcome.event),
            entry=TimelineEntryType.from_model(outcome.entry),
        )
