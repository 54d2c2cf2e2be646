"""Published notices: publishing to an audience, the recipients' inbox, read receipts,
acknowledgement and revocation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.file_uploads import Upload

from api.domains.announcements import service
from api.domains.announcements.enums import AnnouncementStatus, BodyFormat, Priority
from api.domains.announcements.models import Announcement, AnnouncementFile, AnnouncementRecipient
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.pagination import page_request
from api.uploads import UploadedFile
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import signed_in
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(AnnouncementStatus, name="PublishedNoticeStatus")
strawberry.enum(Priority, name="NoticePriority")
strawberry.enum(BodyFormat, name="NoticeBodyFormat", description="plain text or safe Markdown")


def _id(value: strawberry.ID) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound("notice", value, field="id")
    return parsed


@strawberry.type(description="How far a notice has been read and acknowledged.")
class NoticeReceipts:
    recipients: int
    read: int
    unread: int
    acknowledged: int
    reminded: int = strawberry.field(description="not acknowledged by the reminder: reminded")

    @classmethod
    def of(cls, r: service.Receipts) -> NoticeReceipts:
        return cls(
            recipients=r.recipients,
            read=r.read,
            unread=r.unread,
            acknowledged=r.acknowledged,
            reminded=r.reminded,
        )


@strawberry.type(description="A file of a notice, downloaded at /announcement-files/{id}.")
class NoticeFile:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int

    @classmethod
    def of(cls, f: AnnouncementFile) -> NoticeFile:
        return cls(
            id=strawberry.ID(str(f.id)),
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
        )


@strawberry.type(description="The receipts of the recipients working in one region.")
class RegionNoticeReceipts:
    region_code: str
    receipts: NoticeReceipts


@strawberry.type(description="A recipient's receipt, as the publisher sees it.")
class NoticeRecipient:
    user_id: strawberry.ID
    region_code: str
    read_at: datetime | None
    acknowledged_at: datetime | None
    reminded_at: datetime | None

    @classmethod
    def of(cls, r: AnnouncementRecipient) -> NoticeRecipient:
        return cls(
            user_id=strawberry.ID(str(r.user_id)),
            region_code=r.region_code,
            read_at=r.read_at,
            acknowledged_at=r.acknowledged_at,
            reminded_at=r.reminded_at,
        )


@strawberry.type(description="A notice as its publisher and their superiors see it.")
class PublishedNotice:
    record: strawberry.Private[Announcement]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def title(self) -> str:
        return self.record.title

    @strawberry.field
    def body(self) -> str:
        return self.record.body

    @strawberry.field
    def body_format(self) -> BodyFormat:
        return self.record.body_format

    @strawberry.field
    def priority(self) -> Priority:
        return self.record.priority

    @strawberry.field
    def status(self) -> AnnouncementStatus:
        return self.record.status

    @strawberry.field
    def require_acknowledgement(self) -> bool:
        return self.record.require_acknowledgement

    @strawberry.field
    def acknowledge_by(self) -> datetime | None:
        return self.record.acknowledge_by

    @strawberry.field(description="The region the notice went out from.")
    def region_code(self) -> str:
        return self.record.region_code

    @strawberry.field
    def publisher_name(self) -> str:
        return self.record.publisher_label

    @strawberry.field
    def recipient_count(self) -> int:
        return self.record.recipient_count

    @strawberry.field(description="yellow at the deadline with laggards, red well past it")
    def card(self) -> str:
        return self.record.card

    @strawberry.field
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field
    def revoked_at(self) -> datetime | None:
        return self.record.revoked_at

    @strawberry.field(description="Changes with every step (revoke takes it).")
    def version(self) -> int:
        return self.record.version

    @strawberry.field
    async def files(self) -> list[NoticeFile]:
        return [NoticeFile.of(f) for f in await service.files_of(self.record.id)]

    @strawberry.field(description="Read / acknowledged counts, under a region when given.")
    async def receipts(self, info: Info, region_code: str | None = None) -> NoticeReceipts:
        return NoticeReceipts.of(
            await service.receipts(
                actor=info.context.principal,
                announcement_id=self.record.id,
                region_code=region_code,
            )
        )

    @strawberry.field(
        description="Receipts of each region directly below regionCode (default: the region "
        "it went out from) that has recipients."
    )
    async def receipts_by_region(
        self, info: Info, region_code: str | None = None
    ) -> list[RegionNoticeReceipts]:
        rows = await service.receipts_by_region(
            actor=info.context.principal, announcement_id=self.record.id, region_code=region_code
        )
        return [
            RegionNoticeReceipts(region_code=r.region_code, receipts=NoticeReceipts.of(r.receipts))
            for r in rows
        ]

    @strawberry.field(
        description="Recipients who have not acknowledged (unread: not read), oldest first."
    )
    async def pending(
        self,
        info: Info,
        region_code: str | None = None,
        unread: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NoticeRecipient]:
        page, filtered = await service.pending(
            actor=info.context.principal,
            announcement_id=self.record.id,
            page=page_request(first, after),
            region_code=region_code,
            unread=unread,
        )
        return connection(page, filtered, NoticeRecipient.of)


@strawberry.type(description="A notice published to you, with your receipt.")
class InboxNotice:
    item: strawberry.Private[service.InboxItem]

    @strawberry.field(description="Id of the published notice.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.item.announcement.id))

    @strawberry.field
    def title(self) -> str:
        return self.item.announcement.title

    @strawberry.field
    def body(self) -> str:
        return self.item.announcement.body

    @strawberry.field
    def body_format(self) -> BodyFormat:
        return self.item.announcement.body_format

    @strawberry.field
    def priority(self) -> Priority:
        return self.item.announcement.priority

    @strawberry.field
    def publisher_name(self) -> str:
        return self.item.announcement.publisher_label

    @strawberry.field
    def require_acknowledgement(self) -> bool:
        return self.item.announcement.require_acknowledgement

    @strawberry.field
    def acknowledge_by(self) -> datetime | None:
        return self.item.announcement.acknowledge_by

    @strawberry.field
    def published_at(self) -> datetime:
        return self.item.announcement.created_at

    @strawberry.field
    async def files(self) -> list[NoticeFile]:
        return [NoticeFile.of(f) for f in await service.files_of(self.item.announcement.id)]

    @strawberry.field
    def read_at(self) -> datetime | None:
        return self.item.receipt.read_at

    @strawberry.field
    def acknowledged_at(self) -> datetime | None:
        return self.item.receipt.acknowledged_at


@strawberry.input(description="Who receives a notice: regions × roles, departments, users.")
class NoticeAudienceInput:
    region_codes: list[str] = strawberry.field(default_factory=list, description="each a subtree")
    roles: list[str] = strawberry.field(
        default_factory=list, description="within the regions; none: every staff role"
    )
    department_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    user_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class PublishNoticeInput:
    title: str
    body: str
    audience: NoticeAudienceInput
    body_format: BodyFormat = BodyFormat.PLAIN
    priority: Priority = Priority.NORMAL
    require_acknowledgement: bool = False
    acknowledge_by: datetime | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None, description="a client-chosen id: a retried publish returns the same notice"
    )


def _ids(values: list[strawberry.ID], field: str) -> list[uuid.UUID]:
    parsed = []
    for value in values:
        one = parse_uuid(value)
        if one is None:
            raise ValidationFailed(_("{value!r} is not an id", value=value), field=field)
        parsed.append(one)
    return parsed


@strawberry.type
class PublishNoticePayload:
    notice: PublishedNotice


@strawberry.type
class RevokeNoticePayload:
    notice: PublishedNotice


@strawberry.type
class InboxNoticePayload:
    notice: InboxNotice


PublishNoticeResult = Annotated[
    PublishNoticePayload | ValidationError | ConflictError,
    strawberry.union("PublishNoticeResult"),
]
RevokeNoticeResult = Annotated[
    RevokeNoticePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RevokeNoticeResult"),
]
InboxNoticeResult = Annotated[
    InboxNoticePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("InboxNoticeResult"),
]


@strawberry.type
class AnnouncementsQuery:
    @strawberry.field(description="Notices published to you, newest first.", extensions=signed_in())
    async def my_inbox(
        self,
        info: Info,
        unread_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InboxNotice]:
        page, filtered = await service.inbox(
            actor=info.context.principal, page=page_request(first, after), unread_only=unread_only
        )
        return connection(page, filtered, lambda item: InboxNotice(item=item))

    @strawberry.field(
        description="Notices you published (mineOnly false: also those published below you).",
        extensions=signed_in(),
    )
    async def published_notices(
        self,
        info: Info,
        mine_only: bool = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PublishedNotice]:
        page, filtered = await service.published(
            actor=info.context.principal, page=page_request(first, after), mine_only=mine_only
        )
        return connection(page, filtered, lambda record: PublishedNotice(record=record))

    @strawberry.field(
        description="A notice you published or supervise; null if none.", extensions=signed_in()
    )
    async def published_notice(self, info: Info, id: strawberry.ID) -> PublishedNotice | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            record = await service.get_published(
                actor=info.context.principal, announcement_id=parsed
            )
        except NotFound:
            return None
        return PublishedNotice(record=record)


@strawberry.type
class AnnouncementsMutation:
    @strawberry.mutation(
        description="Publish a notice to an audience inside your subtree (all or no one).",
        extensions=signed_in(),
    )
    async def publish_notice(
        self,
        info: Info,
        input: PublishNoticeInput,
        files: Annotated[
            list[Upload] | None,
            strawberry.argument(description="Files (multipart upload; type sniffed, bounded)."),
        ] = None,
    ) -> PublishNoticeResult:
        settings = info.context.settings
        audience = service.Audience(
            region_codes=input.audience.region_codes,
            roles=input.audience.roles,
            department_ids=_ids(input.audience.department_ids, "audience.departmentIds"),
            user_ids=_ids(input.audience.user_ids, "audience.userIds"),
        )
        record = await service.publish(
            actor=info.context.principal,
            title=input.title,
            body=input.body,
            audience=audience,
            body_format=input.body_format,
            priority=input.priority,
            require_acknowledgement=input.require_acknowledgement,
            acknowledge_by=input.acknowledge_by,
            announcement_id=_ids([input.id], "id")[0] if input.id is not None else None,
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            files=cast("list[UploadedFile]", files or []),
            limits=service.FileLimits(
                root=settings.attachment_dir,
                max_bytes=settings.gridgov_max_upload_bytes,
                max_files=settings.gridgov_max_upload_files,
            ),
            redis=info.context.redis,
        )
        return PublishNoticePayload(notice=PublishedNotice(record=record))

    @strawberry.mutation(
        description="Withdraw a notice you published: recipients no longer see it.",
        extensions=signed_in(),
    )
    async def revoke_notice(
        self, info: Info, id: strawberry.ID, reason: str, version: int | None = None
    ) -> RevokeNoticeResult:
        record = await service.revoke(
            actor=info.context.principal, announcement_id=_id(id), reason=reason, version=version
        )
        return RevokeNoticePayload(notice=PublishedNotice(record=record))

    @strawberry.mutation(description="Record that you read a notice.", extensions=signed_in())
    async def read_published_notice(self, info: Info, id: strawberry.ID) -> InboxNoticeResult:
        item = await service.mark_read(actor=info.context.principal, announcement_id=_id(id))
        return InboxNoticePayload(notice=InboxNotice(item=item))

    @strawberry.mutation(
        description="Acknowledge a notice that asks for it (reads it too).", extensions=signed_in()
    )
    async def acknowledge_notice(self, info: Info, id: strawberry.ID) -> InboxNoticeResult:
        item = await service.acknowledge(actor=info.context.principal, announcement_id=_id(id))
        return InboxNoticePayload(notice=InboxNotice(item=item))
