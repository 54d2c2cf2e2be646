"""Messages (信息发送): threads between staff and from a centre to a region's staff, unread
counts, and the live `messages` feed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry

from api.domains.announcements import messages as service
from api.domains.announcements.enums import ThreadKind
from api.domains.announcements.models import Message, MessageThread, ThreadParticipant
from api.errors import NotFound, ValidationFailed
from api.feeds import messages as feeds
from api.i18n import _
from api.pagination import page_request
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.events import types as event_types  # noqa: F401  (the feeds' enums registered first)
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.realtime.subscriptions import feed
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(ThreadKind, name="MessageThreadKind")


def _thread_id(value: strawberry.ID) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound("thread", value, field="threadId")
    return parsed


@strawberry.type(name="Message", description="One message of a thread.")
class MessageType:
    record: strawberry.Private[Message]

    @strawberry.field(description="Pass as `after` to page back from here.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def sender_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.sender_id))

    @strawberry.field
    def sender_name(self) -> str:
        return self.record.sender_label

    @strawberry.field
    def body(self) -> str:
        return self.record.body

    @strawberry.field
    def sent_at(self) -> datetime:
        return self.record.created_at


@strawberry.type(description="A thread as one participant sees it.")
class MessageThreadType:
    record: strawberry.Private[MessageThread]
    mine: strawberry.Private[ThreadParticipant]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def subject(self) -> str:
        return self.record.subject

    @strawberry.field
    def kind(self) -> ThreadKind:
        return self.record.kind

    @strawberry.field
    def started_by_name(self) -> str:
        return self.record.started_by_label

    @strawberry.field
    def region_code(self) -> str:
        return self.record.region_code

    @strawberry.field
    def participant_count(self) -> int:
        return self.record.participant_count

    @strawberry.field
    def last_message_at(self) -> datetime:
        return self.record.last_message_at

    @strawberry.field(description="Messages of others you have not read.")
    def unread(self) -> int:
        return self.mine.unread

    @strawberry.field(description="The messages, newest first.")
    async def messages(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MessageType]:
        page, filtered = await service.messages(
            actor=info.context.principal, thread_id=self.record.id, page=page_request(first, after)
        )
        return connection(page, filtered, lambda m: MessageType(record=m))


@strawberry.type(description="A message as it arrives to you.")
class MessageArrival:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    thread_id: strawberry.ID
    message_id: strawberry.ID
    subject: str
    sender_name: str
    excerpt: str
    sent_at: datetime


def _arrival(message: dict[str, Any]) -> MessageArrival:
    return MessageArrival(
        sequence=message["sequence"],
        thread_id=strawberry.ID(message["thread_id"]),
        message_id=strawberry.ID(str(message["message_id"])),
        subject=message["subject"],
        sender_name=message["sender"],
        excerpt=message["excerpt"],
        sent_at=datetime.fromisoformat(message["created_at"]),
    )


@strawberry.input(description="A new thread: to named staff, or to the staff of regions.")
class SendMessageInput:
    subject: str
    body: str
    user_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="a direct message (at most 100)"
    )
    region_codes: list[str] = strawberry.field(
        default_factory=list, description="a centre's message to the staff working there"
    )
    roles: list[str] = strawberry.field(
        default_factory=list, description="within the regions; none: every staff role"
    )
    id: strawberry.ID | None = strawberry.field(
        default=None, description="a client-chosen id: a retried send returns the same thread"
    )


@strawberry.type
class MessageThreadPayload:
    thread: MessageThreadType


@strawberry.type
class MessagePayload:
    thread_message: MessageType = strawberry.field(
        description="named apart from the errors' `message` text, so both select in one query"
    )


MessageThreadResult = Annotated[
    MessageThreadPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MessageThreadResult"),
]
MessageResult = Annotated[
    MessagePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MessageResult"),
]


@strawberry.type
class MessagesQuery:
    @strawberry.field(
        description="Your message threads, the latest message first.", extensions=signed_in()
    )
    async def message_threads(
        self,
        info: Info,
        unread_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MessageThreadType]:
        page, filtered = await service.threads(
            actor=info.context.principal, page=page_request(first, after), unread_only=unread_only
        )
        return connection(page, filtered, lambda i: MessageThreadType(record=i[0], mine=i[1]))

    @strawberry.field(
        description="A thread you take part in; null if none.", extensions=signed_in()
    )
    async def message_thread(self, info: Info, id: strawberry.ID) -> MessageThreadType | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            record, mine = await service.thread(actor=info.context.principal, thread_id=parsed)
        except NotFound:
            return None
        return MessageThreadType(record=record, mine=mine)

    @strawberry.field(description="Unread messages over all your threads.", extensions=signed_in())
    async def unread_message_count(self, info: Info) -> int:
        return await service.unread_count(actor=info.context.principal)


@strawberry.type
class MessagesMutation:
    @strawberry.mutation(
        description="Start a thread: a direct message, or a centre's message to a region's staff.",
        extensions=allow("message", "send"),
    )
    async def send_message(self, info: Info, input: SendMessageInput) -> MessageThreadResult:
        users = []
        for value in input.user_ids:
            one = parse_uuid(value)
            if one is None:
                raise ValidationFailed(_("{value!r} is not an id", value=value), field="userIds")
            users.append(one)
        thread_id = None
        if input.id is not None:
            thread_id = parse_uuid(input.id)
            if thread_id is None:
                raise ValidationFailed(_("not an id"), field="id")
        record = await service.send(
            actor=info.context.principal,
            subject=input.subject,
            body=input.body,
            user_ids=users,
            region_codes=input.region_codes,
            roles=input.roles,
            thread_id=thread_id,
        )
        record, mine = await service.thread(actor=info.context.principal, thread_id=record.id)
        return MessageThreadPayload(thread=MessageThreadType(record=record, mine=mine))

    @strawberry.mutation(description="Answer in a thread.", extensions=signed_in())
    async def reply_to_thread(
        self, info: Info, thread_id: strawberry.ID, body: str
    ) -> MessageResult:
        message = await service.reply(
            actor=info.context.principal, thread_id=_thread_id(thread_id), body=body
        )
        return MessagePayload(thread_message=MessageType(record=message))

    @strawberry.mutation(description="Mark a thread read.", extensions=signed_in())
    async def mark_thread_read(self, info: Info, thread_id: strawberry.ID) -> MessageThreadResult:
        actor = info.context.principal
        await service.mark_read(actor=actor, thread_id=_thread_id(thread_id))
        record, mine = await service.thread(actor=actor, thread_id=_thread_id(thread_id))
        return MessageThreadPayload(thread=MessageThreadType(record=record, mine=mine))


@strawberry.type
class MessagesSubscription:
    @strawberry.subscription(
        description="Messages to you as they arrive, resumable with `after` like eventChanges.",
        extensions=signed_in(),
    )
    async def messages(
        self, info: Info, after: int | None = None
    ) -> AsyncGenerator[MessageArrival, None]:
        principal = info.context.principal
        async for arrival in feed(
            info.context, lambda: feeds.messages(actor=principal), _arrival, after=after
        ):
            yield arrival
