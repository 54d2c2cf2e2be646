"""Meetings: schedule with invitations, leave, sign-in, minutes and files, figures; party
organisations' committee posts, members' standing and the quarter's 三会一课."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, cast

import strawberry
from strawberry.file_uploads import Upload

from api.domains.meetings import organisations, service
from api.domains.meetings.enums import CommitteePost, MeetingKind
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.pagination import page_request
from api.uploads import UploadedFile
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.meetings.types import (
    MeetingInviteeType,
    MeetingType,
    OrganisationLife,
    PartyPostType,
    QuarterLife,
)
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.scalars import parse_uuid
from schema.types import Info


def _uuid(value: strawberry.ID | None, field: str, kind: str = "meeting") -> uuid.UUID:
    parsed = parse_uuid(value) if value is not None else None
    if parsed is None:
        raise NotFound(kind, value, field=field)
    return parsed


def _invitee(value: strawberry.ID | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise NotFound("invitee", value, field="inviteeId") from exc
    if not 0 < number < 2**63:
        raise NotFound("invitee", value, field="inviteeId")
    return number


@strawberry.input(description="A meeting to call; invitees default to the organisation's members.")
class ScheduleMeetingInput:
    kind: MeetingKind
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    agenda: str
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="the organising party organisation (or regionCode)"
    )
    region_code: str | None = strawberry.field(
        default=None, description="the organising region: joint and public-opinion meetings"
    )
    invitee_user_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="invited by name beside the members (at most 200)"
    )
    include_members: bool = strawberry.field(
        default=True,
        description="invite the organising body: the organisation's members (and its groups'), "
        "or the staff working at the organising region itself",
    )
    sign_in_minutes_before: int = strawberry.field(default=30, description="0 to 240")
    sign_in_minutes_after: int = strawberry.field(default=30, description="0 to 240")
    id: strawberry.ID | None = strawberry.field(
        default=None, description="a client-chosen id: a retried call returns the same meeting"
    )


@strawberry.type
class MeetingPayload:
    meeting: MeetingType


@strawberry.type
class MeetingInviteePayload:
    invitee: MeetingInviteeType


@strawberry.type
class PartyPostPayload:
    post: PartyPostType


@strawberry.type
class PartyStandingPayload:
    party_member_id: strawberry.ID
    joined_on: date | None
    probationary: bool
    user_id: strawberry.ID | None


MeetingResult = Annotated[
    MeetingPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MeetingResult", description="Outcome of a change to a meeting."),
]
MeetingInviteeResult = Annotated[
    MeetingInviteePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MeetingInviteeResult", description="Outcome of leave or sign-in."),
]
PartyPostResult = Annotated[
    PartyPostPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("PartyPostResult"),
]
PartyStandingResult = Annotated[
    PartyStandingPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("PartyStandingResult"),
]


@strawberry.type
class MeetingsQuery:
    @strawberry.field(description="A meeting you may read; null if none.", extensions=signed_in())
    async def meeting(self, info: Info, id: strawberry.ID) -> MeetingType | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            return MeetingType(
                record=await service.get(actor=info.context.principal, meeting_id=parsed)
            )
        except NotFound:
            return None

    @strawberry.field(
        description="Meetings you may read, latest start first (mineOnly: those you are "
        "invited to or organise).",
        extensions=signed_in(),
    )
    async def meetings(
        self,
        info: Info,
        organisation_id: strawberry.ID | None = None,
        region_code: str | None = None,
        mine_only: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MeetingType]:
        org = None
        if organisation_id is not None:
            org = parse_uuid(organisation_id)
            if org is None:
                raise ValidationFailed(_("not an id"), field="organisationId")
        page, filtered = await service.meetings(
            actor=info.context.principal,
            page=page_request(first, after),
            organisation_id=org,
            region_code=region_code,
            mine_only=mine_only,
            since=since,
            until=until,
        )
        return connection(page, filtered, lambda m: MeetingType(record=m))

    @strawberry.field(
        description="A party organisation's page: members by standing, committee, warnings.",
        extensions=allow("party_life", "read"),
    )
    async def organisation_life(
        self, info: Info, organisation_id: strawberry.ID
    ) -> OrganisationLife:
        life = await organisations.life_of(
            actor=info.context.principal,
            organisation_id=_uuid(organisation_id, "organisationId", "party organisation"),
        )
        return OrganisationLife(life=life)

    @strawberry.field(
        description="三会一课 completeness and attendance of a party organisation's quarter.",
        extensions=allow("party_life", "read"),
    )
    async def organisation_quarter(
        self, info: Info, organisation_id: strawberry.ID, year: int, quarter: int
    ) -> QuarterLife:
        found = await organisations.quarter_of(
            actor=info.context.principal,
            organisation_id=_uuid(organisation_id, "organisationId", "party organisation"),
            year=year,
            quarter=quarter,
        )
        return QuarterLife.of(found)


@strawberry.type
class MeetingsMutation:
    @strawberry.mutation(
        description="Call a meeting and invite its members (each with an account is told).",
        extensions=allow("meeting", "organise"),
    )
    async def schedule_meeting(self, info: Info, input: ScheduleMeetingInput) -> MeetingResult:
        extra = []
        for value in input.invitee_user_ids:
            one = parse_uuid(value)
            if one is None:
                raise ValidationFailed(
                    _("{value!r} is not an id", value=value), field="inviteeUserIds"
                )
            extra.append(one)
        organisation = None
        if input.organisation_id is not None:
            organisation = parse_uuid(input.organisation_id)
            if organisation is None:
                raise NotFound("party organisation", input.organisation_id, field="organisationId")
        for name, minutes in (
            ("signInMinutesBefore", input.sign_in_minutes_before),
            ("signInMinutesAfter", input.sign_in_minutes_after),
        ):
            if not 0 <= minutes <= 240:
                raise ValidationFailed(_("between 0 and 240 minutes"), field=name)
        meeting_id = None
        if input.id is not None:
            meeting_id = parse_uuid(input.id)
            if meeting_id is None:
                raise ValidationFailed(_("not an id"), field="id")
        record = await service.schedule(
            actor=info.context.principal,
            kind=input.kind,
            title=input.title,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            place=input.place,
            agenda=input.agenda,
            organisation_id=organisation,
            region_code=input.region_code,
            invitee_user_ids=extra,
            include_members=input.include_members,
            sign_in_before=timedelta(minutes=input.sign_in_minutes_before),
            sign_in_after=timedelta(minutes=input.sign_in_minutes_after),
            meeting_id=meeting_id,
        )
        return MeetingPayload(meeting=MeetingType(record=record))

    @strawberry.mutation(
        description="请假: ask to be excused from a meeting you are invited to, before it starts.",
        extensions=signed_in(),
    )
    async def request_meeting_leave(
        self, info: Info, meeting_id: strawberry.ID, reason: str
    ) -> MeetingInviteeResult:
        invitee = await service.request_leave(
            actor=info.context.principal, meeting_id=_uuid(meeting_id, "meetingId"), reason=reason
        )
        return MeetingInviteePayload(invitee=MeetingInviteeType(record=invitee))

    @strawberry.mutation(
        description="Approve or refuse an invitee's leave request.",
        extensions=allow("meeting", "organise"),
    )
    async def decide_meeting_leave(
        self, info: Info, meeting_id: strawberry.ID, invitee_id: strawberry.ID, approve: bool
    ) -> MeetingInviteeResult:
        invitee = await service.decide_leave(
            actor=info.context.principal,
            meeting_id=_uuid(meeting_id, "meetingId"),
            invitee_id=_invitee(invitee_id) or 0,
            approve=approve,
        )
        return MeetingInviteePayload(invitee=MeetingInviteeType(record=invitee))

    @strawberry.mutation(
        description="签到 within the window around the start (your latest reported position, "
        "when fresh, is kept); an organiser signs in an invitee by inviteeId.",
        extensions=signed_in(),
    )
    async def sign_in_to_meeting(
        self, info: Info, meeting_id: strawberry.ID, invitee_id: strawberry.ID | None = None
    ) -> MeetingInviteeResult:
        invitee = await service.sign_in(
            actor=info.context.principal,
            meeting_id=_uuid(meeting_id, "meetingId"),
            invitee_id=_invitee(invitee_id),
        )
        return MeetingInviteePayload(invitee=MeetingInviteeType(record=invitee))

    @strawberry.mutation(
        description="Record the minutes (and files) once the meeting began: it is held.",
        extensions=allow("meeting", "organise"),
    )
    async def record_meeting_minutes(
        self,
        info: Info,
        meeting_id: strawberry.ID,
        minutes: str,
        version: int | None = None,
        files: Annotated[
            list[Upload] | None,
            strawberry.argument(description="Files (multipart upload; type sniffed, bounded)."),
        ] = None,
    ) -> MeetingResult:
        settings = info.context.settings
        record = await service.record_minutes(
            actor=info.context.principal,
            meeting_id=_uuid(meeting_id, "meetingId"),
            minutes=minutes,
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            files=cast("list[UploadedFile]", files or []),
            limits=service.FileLimits(
                root=settings.attachment_dir,
                max_bytes=settings.gridgov_max_upload_bytes,
                max_files=settings.gridgov_max_upload_files,
            ),
            version=version,
        )
        return MeetingPayload(meeting=MeetingType(record=record))

    @strawberry.mutation(
        description="Call a meeting off before it starts; invitees are told.",
        extensions=allow("meeting", "organise"),
    )
    async def cancel_meeting(
        self, info: Info, meeting_id: strawberry.ID, reason: str, version: int | None = None
    ) -> MeetingResult:
        record = await service.cancel(
            actor=info.context.principal,
            meeting_id=_uuid(meeting_id, "meetingId"),
            reason=reason,
            version=version,
        )
        return MeetingPayload(meeting=MeetingType(record=record))

    @strawberry.mutation(
        description="A member takes a committee post for a term.",
        extensions=allow("party_life", "manage"),
    )
    async def appoint_party_post(
        self,
        info: Info,
        organisation_id: strawberry.ID,
        party_member_id: strawberry.ID,
        post: CommitteePost,
        term_start: date,
        term_end: date | None = None,
    ) -> PartyPostResult:
        found = await organisations.appoint(
            actor=info.context.principal,
            organisation_id=_uuid(organisation_id, "organisationId", "party organisation"),
            party_member_id=_uuid(party_member_id, "partyMemberId", "party member"),
            post=post,
            term_start=term_start,
            term_end=term_end,
        )
        return PartyPostPayload(post=PartyPostType(record=found))

    @strawberry.mutation(
        description="A committee post's term ends.", extensions=allow("party_life", "manage")
    )
    async def end_party_post(
        self, info: Info, id: strawberry.ID, term_end: date
    ) -> PartyPostResult:
        found = await organisations.end_term(
            actor=info.context.principal, post_id=_uuid(id, "id", "post"), term_end=term_end
        )
        return PartyPostPayload(post=PartyPostType(record=found))

    @strawberry.mutation(
        description="A member's joining date, probationary or formal, and sign-in account.",
        extensions=allow("party_life", "manage"),
    )
    async def record_party_standing(
        self,
        info: Info,
        party_member_id: strawberry.ID,
        probationary: bool,
        joined_on: date | None = None,
        user_id: strawberry.ID | None = None,
    ) -> PartyStandingResult:
        account = None
        if user_id is not None:
            account = parse_uuid(user_id)
            if account is None:
                raise ValidationFailed(_("not an id"), field="userId")
        standing = await organisations.record_standing(
            actor=info.context.principal,
            party_member_id=_uuid(party_member_id, "partyMemberId", "party member"),
            joined_on=joined_on,
            probationary=probationary,
            user_id=account,
        )
        return PartyStandingPayload(
            party_member_id=strawberry.ID(str(standing.party_member_id)),
            joined_on=standing.joined_on,
            probationary=standing.probationary,
            user_id=strawberry.ID(str(standing.user_id)) if standing.user_id else None,
        )
