"""Public posts (宣传, 党务政务公开, 学习资料): published by a region, read by anyone; study
records for signed-in readers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from api.domains.announcements import posts as service
from api.domains.announcements.enums import BodyFormat, PostKind, PostStatus
from api.domains.announcements.models import PublicPost, StudyRecord
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.pagination import page_request
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import allow, public, signed_in
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(PostKind, name="PublicPostKind", description="宣传, 党务政务公开, 学习资料")
strawberry.enum(PostStatus, name="PublicPostStatus")


def _post_id(value: strawberry.ID, field: str = "id") -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound("post", value, field=field)
    return parsed


@strawberry.type(name="PublicPost", description="A region's post to the public.")
class PublicPostType:
    record: strawberry.Private[PublicPost]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def kind(self) -> PostKind:
        return self.record.kind

    @strawberry.field
    def region_code(self) -> str:
        return self.record.region_code

    @strawberry.field
    def title(self) -> str:
        return self.record.title

    @strawberry.field
    def body(self) -> str:
        return self.record.body

    @strawberry.field
    def body_format(self) -> BodyFormat:
        return self.record.body_format

    @strawberry.field(description="The publishing unit as it signed.")
    def publisher_name(self) -> str:
        return self.record.publisher_label

    @strawberry.field
    def status(self) -> PostStatus:
        return self.record.status

    @strawberry.field
    def published_at(self) -> datetime:
        return self.record.published_at


@strawberry.type(description="学习记录: what was read, when and for how long.")
class StudyRecordType:
    record: strawberry.Private[StudyRecord]
    post: PublicPostType

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def started_at(self) -> datetime:
        return self.record.started_at

    @strawberry.field
    def seconds(self) -> int:
        return self.record.seconds


@strawberry.input
class PublishPostInput:
    region_code: str
    kind: PostKind
    title: str
    body: str
    body_format: BodyFormat = BodyFormat.PLAIN
    id: strawberry.ID | None = strawberry.field(
        default=None, description="a client-chosen id: a retried publish returns the same post"
    )


@strawberry.type
class PublicPostPayload:
    post: PublicPostType


@strawberry.type
class StudyRecordPayload:
    study: StudyRecordType


PublicPostResult = Annotated[
    PublicPostPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("PublicPostResult"),
]
StudyRecordResult = Annotated[
    StudyRecordPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("StudyRecordResult"),
]


def _client_id(value: strawberry.ID | None) -> uuid.UUID | None:
    if value is None:
        return None
    parsed = parse_uuid(value)
    if parsed is None:
        raise ValidationFailed(_("not an id"), field="id")
    return parsed


@strawberry.type
class PostsQuery:
    @strawberry.field(
        description="Posts a resident of regionCode sees (its own and those above it; "
        "includeBelow: also those inside it), newest first; no sign-in needed.",
        extensions=public(),
    )
    async def public_posts(
        self,
        region_code: str,
        kind: PostKind | None = None,
        include_below: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PublicPostType]:
        page, filtered = await service.posts(
            region_code=region_code,
            page=page_request(first, after),
            kind=kind,
            include_below=include_below,
        )
        return connection(page, filtered, lambda p: PublicPostType(record=p))

    @strawberry.field(description="A published post; null if none.", extensions=public())
    async def public_post(self, id: strawberry.ID) -> PublicPostType | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            return PublicPostType(record=await service.get(post_id=parsed))
        except NotFound:
            return None

    @strawberry.field(
        description="Your study records (学习记录), the latest first.", extensions=signed_in()
    )
    async def my_study_records(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[StudyRecordType]:
        page, filtered = await service.my_study(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(
            page, filtered, lambda i: StudyRecordType(record=i[0], post=PublicPostType(record=i[1]))
        )

    @strawberry.field(description="Seconds you have studied, in all.", extensions=signed_in())
    async def my_study_seconds(self, info: Info) -> int:
        return await service.study_seconds(actor=info.context.principal)


@strawberry.type
class PostsMutation:
    @strawberry.mutation(
        description="Publish a post of a region to the public.",
        extensions=allow("public_post", "publish"),
    )
    async def publish_post(self, info: Info, input: PublishPostInput) -> PublicPostResult:
        post = await service.publish(
            actor=info.context.principal,
            region_code=input.region_code,
            kind=input.kind,
            title=input.title,
            body=input.body,
            body_format=input.body_format,
            post_id=_client_id(input.id),
        )
        return PublicPostPayload(post=PublicPostType(record=post))

    @strawberry.mutation(
        description="Take a post down from the public (kept on record).",
        extensions=allow("public_post", "publish"),
    )
    async def withdraw_post(self, info: Info, id: strawberry.ID, reason: str) -> PublicPostResult:
        post = await service.withdraw(
            actor=info.context.principal, post_id=_post_id(id), reason=reason
        )
        return PublicPostPayload(post=PublicPostType(record=post))

    @strawberry.mutation(
        description="学习记录: you read a post from startedAt for seconds (a retry with the "
        "same id is one record).",
        extensions=signed_in(),
    )
    async def record_study(
        self,
        info: Info,
        post_id: strawberry.ID,
        started_at: datetime,
        seconds: int,
        id: strawberry.ID | None = None,
    ) -> StudyRecordResult:
        record = await service.record_study(
            actor=info.context.principal,
            post_id=_post_id(post_id, "postId"),
            started_at=started_at,
            seconds=seconds,
            record_id=_client_id(id),
        )
        post = await service.get(post_id=record.post_id)
        return StudyRecordPayload(
            study=StudyRecordType(record=record, post=PublicPostType(record=post))
        )
