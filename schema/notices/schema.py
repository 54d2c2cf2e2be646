"""Notices of the signed-in user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.domains.notices import models, service
from api.pagination import page_request
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import signed_in
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.type(name="Notice", description="A notice to you: supervision, dispatch, reminder …")
class NoticeType:
    notice_id: strawberry.Private[object]
    notice: strawberry.Private[models.Notice]
    kind: str
    event_id: strawberry.ID | None
    region_code: str
    created_at: datetime
    read_at: datetime | None

    @strawberry.field(description="Id of the notice.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.notice_id))

    # A notice the system wrote follows its reader (api/messages.py): in the request's language;
    # text typed by a person, and older notices, as they were written.
    @strawberry.field(
        description="What the notice is about, in your language where it was written by the system."
    )
    def title(self, info: Info) -> str:
        return service.text(self.notice, "title", info.context.language)

    @strawberry.field(
        description="More of it (empty when there is nothing more), in your "
        "language where it was written by the system."
    )
    def body(self, info: Info) -> str:
        return service.text(self.notice, "body", info.context.language)

    @classmethod
    def from_model(cls, notice: models.Notice) -> NoticeType:
        return cls(
            notice_id=notice.id,
            notice=notice,
            kind=notice.kind,
            event_id=strawberry.ID(str(notice.event_id)) if notice.event_id else None,
            region_code=notice.region_code,
            created_at=notice.created_at,
            read_at=notice.read_at,
        )


@strawberry.type(description="How many notices were marked read.")
class MarkNoticesReadPayload:
    marked: int


MarkNoticesReadResult = Annotated[
    MarkNoticesReadPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MarkNoticesReadResult", description="Outcome of marking notices read."),
]


@strawberry.type
class NoticesQuery:
    @strawberry.field(description="Your notices, newest first.", extensions=signed_in())
    async def my_notices(
        self,
        info: Info,
        unread_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NoticeType]:
        page, filtered = await service.list_notices(
            actor=info.context.principal, page=page_request(first, after), unread_only=unread_only
        )
        return connection(page, filtered, NoticeType.from_model)


@strawberry.type
class NoticesMutation:
    @strawberry.mutation(
        description="Mark notices read (all of yours when ids is omitted).", extensions=signed_in()
    )
    async def mark_notices_read(
        self, info: Info, ids: list[strawberry.ID] | None = None
    ) -> MarkNoticesReadResult:
        parsed = None
        if ids is not None:
            parsed = [i for i in (parse_uuid(value) for value in ids) if i is not None]
        marked = await service.mark_read(actor=info.context.principal, notice_ids=parsed)
        return MarkNoticesReadPayload(marked=marked)
