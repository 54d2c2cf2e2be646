"""The citizens' channel: phone accounts, appeals with photos, progress and ratings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, cast
from uuid import UUID

import strawberry
from strawberry.file_uploads import Upload

from api import phones
from api.domains.engagement import service
from api.domains.engagement.verification import phone_verifier
from api.domains.events import attachments
from api.domains.events.enums import Action, EventStatus
from api.domains.events.models import Event, TimelineEntry
from api.errors import NotFound, RateLimited
from api.pagination import page_request
from api.regions import Level
from schema.accounts.mutations import LoginResult, _auth_payload, _ttls
from schema.errors import (
    ConflictError,
    DomainErrorResults,
    NotAllowedError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from schema.events.types import AttachmentType
from schema.hierarchy.types import GeoPoint, GeoPointInput
from schema.pagination import Connection, connection
from schema.permissions import allow, public
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.type(name="AppealStep", description="A step of an appeal's handling, as shown to you.")
class AppealStepType:
    action: Action
    status: EventStatus | None = strawberry.field(description="The status after the step.")
    note: str = strawberry.field(description="The reason or result, where one is given to you.")
    handling_level: Level | None = strawberry.field(
        description="The level holding the appeal after the step (the first step: who received "
        "it, by the channel's rule)."
    )
    at: datetime

    @classmethod
    def from_model(cls, entry: TimelineEntry) -> AppealStepType:
        return cls(
            action=entry.action,
            status=entry.to_status,
            note=entry.note if entry.action in service.NOTES_SHOWN else "",
            handling_level=Level.of_code(entry.to_region_code) if entry.to_region_code else None,
            at=entry.at,
        )


@strawberry.type(name="Appeal", description="Your appeal (诉求) and how it is being handled.")
class AppealType:
    uuid: UUID = strawberry.field(description="Id of the appeal.")
    case_number: str
    title: str
    description: str
    category_key: str
    status: EventStatus
    location: GeoPoint | None
    address: str | None
    satisfaction: int | None = strawberry.field(description="Your rating, 1–5.")
    reported_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @strawberry.field(description="The handling so far, oldest first.")
    async def progress(self, info: Info) -> list[AppealStepType]:
        entries = await info.context.loaders.timeline_by_event.load(self.uuid)
        return [AppealStepType.from_model(e) for e in service.visible_progress(entries)]

    @strawberry.field(
        description="Your photos, voice and video; download with your Authorization header."
    )
    async def photos(self, info: Info) -> list[AttachmentType]:
        rows = await info.context.loaders.attachments_by_event.load(self.uuid)
        return [AttachmentType.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, event: Event) -> AppealType:
        return cls(
            uuid=event.id,
            case_number=event.case_number,
            title=event.title,
            description=event.description,
            category_key=event.category_key,
            status=event.status,
            location=GeoPoint(lat=event.lat, lng=event.lng)
            if event.lat is not None and event.lng is not None
            else None,
            address=event.address,
            satisfaction=event.satisfaction,
            reported_at=event.reported_at,
            updated_at=event.updated_at,
            closed_at=event.closed_at,
        )


@strawberry.input(description="A citizen's appeal: what, which category, where.")
class AppealInput:
    id: UUID | None = strawberry.field(
        default=None, description="Choose it in the app: a retried submission is the same appeal."
    )
    title: str
    description: str = ""
    category_key: str = strawberry.field(description="e.g. city.0502 or dispute.0201")
    location: GeoPointInput | None = strawberry.field(
        default=None, description="Where (WGS-84 unless the point says GCJ02)."
    )
    address: str | None = None
    region_code: str | None = strawberry.field(
        default=None, description="Where, if known; else from the location."
    )
    public: bool = strawberry.field(
        default=False,
        description="Show it on the public board once closed (title, category, community, "
        "status, result and rating only).",
    )


@strawberry.input(description="A citizen's new account.")
class RegisterCitizenInput:
    phone: str = strawberry.field(description="A mobile number; Chinese numbers may omit +86.")
    password: str = strawberry.field(description="≥ 10 characters mixing three kinds.")
    verification_code: str = strawberry.field(description="The code sent by requestPhoneCode.")
    display_name: str | None = None
    city_code: str | None = strawberry.field(
        default=None, description="Needed only where the installation serves several cities."
    )


@strawberry.type(description="A code was sent.")
class PhoneCodePayload:
    phone: str = strawberry.field(description="The number it went to, masked.")
    resend_after_seconds: int


@strawberry.type(description="Your new account; sign in with citizenLogin.")
class CitizenPayload:
    username: str
    display_name: str
    phone: str = strawberry.field(description="Masked.")


@strawberry.type(description="The appeal after the change.")
class AppealPayload:
    appeal: AppealType


PhoneCodeResult = Annotated[
    PhoneCodePayload | ValidationError | NotAllowedError | RateLimitedError,
    strawberry.union("PhoneCodeResult", description="Outcome of asking for a code."),
]
RegisterCitizenResult = Annotated[
    CitizenPayload
    | ValidationError
    | NotFoundError
    | ConflictError
    | NotAllowedError
    | RateLimitedError,
    strawberry.union("RegisterCitizenResult", description="Outcome of registering."),
]
AppealResult = Annotated[
    AppealPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("AppealResult", description="Outcome of an appeal change."),
]


def _appeal_id(value: str) -> UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound("appeal", value, field="id")
    return parsed


@strawberry.type
class EngagementQuery:
    @strawberry.field(description="Your appeals, newest first.", extensions=allow("appeal", "read"))
    async def my_appeals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AppealType]:
        page, filtered = await service.list_appeals(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, AppealType.from_model)

    @strawberry.field(
        description="One of your appeals; null for anyone else's.",
        extensions=allow("appeal", "read"),
    )
    async def my_appeal(self, info: Info, id: strawberry.ID) -> AppealType | None:
        try:
            event = await service.get_appeal(actor=info.context.principal, appeal_id=_appeal_id(id))
        except NotFound:
            return None
        return AppealType.from_model(event)


@strawberry.type
class EngagementMutation:
    @strawberry.mutation(
        description="Send a verification code to a mobile number (once a minute).",
        extensions=[DomainErrorResults(raises=(RateLimited,)), *public()],
    )
    async def request_phone_code(self, info: Info, phone: str) -> PhoneCodeResult:
        settings = info.context.settings
        interval = timedelta(seconds=settings.gridgov_phone_code_interval_seconds)
        number = await service.request_code(
            phone=phone,
            verifier=phone_verifier(settings),
            redis=info.context.redis,
            interval=interval,
            ip=info.context.client_ip,
        )
        return PhoneCodePayload(
            phone=phones.masked(number), resend_after_seconds=int(interval.total_seconds())
        )

    @strawberry.mutation(
        description="注册: a citizen's account by phone, verified by the code sent.",
        extensions=public(),
    )
    async def register_citizen(
        self, info: Info, input: RegisterCitizenInput
    ) -> RegisterCitizenResult:
        user = await service.register(
            phone=input.phone,
            password=input.password,
            verification_code=input.verification_code,
            verifier=phone_verifier(info.context.settings),
            throttle=info.context.throttle,
            ip=info.context.client_ip,
            display_name=input.display_name,
            city_code=input.city_code,
        )
        return CitizenPayload(
            username=user.username,
            display_name=user.display_name,
            phone=phones.masked(user.phone or ""),
        )

    @strawberry.mutation(
        description="Sign in with phone and password (the same tokens as login).",
        extensions=public(),
    )
    async def citizen_login(self, info: Info, phone: str, password: str) -> LoginResult:
        context = info.context
        tokens = await service.sign_in(
            phone=phone,
            password=password,
            throttle=context.throttle,
            secret=context.settings.secret_key(),
            ip=context.client_ip,
            user_agent=context.request.headers.get("user-agent"),
            **_ttls(info),
        )
        return _auth_payload(tokens)

    @strawberry.mutation(
        description="诉求: submit an appeal with photos, voice or video (multipart request; "
        "types sniffed) and location; through WeChat its source is WECHAT, and the channel's "
        "rule says who receives it.",
        extensions=allow("appeal", "submit"),
    )
    async def submit_appeal(
        self, info: Info, input: AppealInput, photos: list[Upload] | None = None
    ) -> AppealResult:
        settings = info.context.settings
        event = await service.submit_appeal(
            actor=info.context.principal,
            data=service.AppealInput(
                title=input.title,
                description=input.description,
                category_key=input.category_key,
                lat=input.location.lat if input.location else None,
                lng=input.location.lng if input.location else None,
                address=input.address,
                region_code=input.region_code,
                appeal_id=input.id,
                public=input.public,
            ),
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            photos=cast("list[attachments.UploadedFile]", photos or []),
            root=settings.attachment_dir,
            max_bytes=settings.gridgov_max_upload_bytes,
            max_files=settings.gridgov_max_upload_files,
        )
        return AppealPayload(appeal=AppealType.from_model(event))

    @strawberry.mutation(
        description="补充: add to your open appeal.", extensions=allow("appeal", "follow_up")
    )
    async def follow_up_appeal(self, info: Info, id: strawberry.ID, note: str) -> AppealResult:
        outcome = await service.follow_up_appeal(
            actor=info.context.principal, appeal_id=_appeal_id(id), note=note
        )
        return AppealPayload(appeal=AppealType.from_model(outcome.event))

    @strawberry.mutation(
        description="评价: rate the result of your closed appeal, 1–5 (once).",
        extensions=allow("appeal", "rate"),
    )
    async def rate_appeal(
        self, info: Info, id: strawberry.ID, satisfaction: int, note: str = ""
    ) -> AppealResult:
        outcome = await service.rate_appeal(
            actor=info.context.principal,
            appeal_id=_appeal_id(id),
            satisfaction=satisfaction,
            note=note,
        )
        return AppealPayload(appeal=AppealType.from_model(outcome.event))
