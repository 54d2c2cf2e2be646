"""Meetings, their invitees and figures, and party organisations' organisational life."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.domains.meetings import organisations, service
from api.domains.meetings.enums import (
    BranchWarning,
    CommitteePost,
    LeaveStatus,
    MeetingKind,
    MeetingStatus,
)
from api.domains.meetings.models import Meeting, MeetingFile, MeetingInvitee, PartyPost
from api.pagination import page_request
from schema.pagination import Connection, connection
from schema.types import Info

strawberry.enum(
    MeetingKind,
    name="MeetingKind",
    description="支部党员大会, 支委会, 党小组会, 党课, 主题党日, 组织生活会, 联席会议, 民情分析会",
)
strawberry.enum(MeetingStatus, name="MeetingStatus")
strawberry.enum(LeaveStatus, name="MeetingLeaveStatus")
strawberry.enum(
    CommitteePost, name="CommitteePost", description="书记, 副书记, 组织/宣传/纪检委员, 委员"
)
strawberry.enum(
    BranchWarning,
    name="BranchWarning",
    description="A branch rule that is a number, not met (shown, never refused).",
)


@strawberry.type(description="A meeting's figures.")
class MeetingAttendance:
    invited: int
    present: int
    on_leave: int = strawberry.field(description="on approved leave and not present")
    leave_requested: int = strawberry.field(description="leave asked for, not decided")
    absent: int
    rate: float = strawberry.field(description="present among those invited, 0 to 1")

    @classmethod
    def of(cls, a: service.Attendance) -> MeetingAttendance:
        return cls(
            invited=a.invited,
            present=a.present,
            on_leave=a.on_leave,
            leave_requested=a.leave_requested,
            absent=a.absent,
            rate=a.rate,
        )


@strawberry.type(description="An invitee: their leave request and sign-in.")
class MeetingInviteeType:
    record: strawberry.Private[MeetingInvitee]

    @strawberry.field(description="Pass it to decideMeetingLeave or signInToMeeting.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field
    def user_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.record.user_id)) if self.record.user_id else None

    @strawberry.field
    def party_member_id(self) -> strawberry.ID | None:
        member = self.record.party_member_id
        return strawberry.ID(str(member)) if member else None

    @strawberry.field
    def region_code(self) -> str:
        return self.record.region_code

    @strawberry.field
    def leave_status(self) -> LeaveStatus:
        return self.record.leave_status

    @strawberry.field
    def leave_reason(self) -> str | None:
        return self.record.leave_reason

    @strawberry.field
    def signed_in_at(self) -> datetime | None:
        return self.record.signed_in_at

    @strawberry.field(description="Signed in by the organiser on their behalf.")
    def signed_in_for(self) -> bool:
        return (
            self.record.signed_in_at is not None and self.record.signed_in_by != self.record.user_id
        )

    @strawberry.field(description="Where the phone was at sign-in (reported position), if fresh.")
    def sign_in_latitude(self) -> float | None:
        return self.record.position_lat

    @strawberry.field
    def sign_in_longitude(self) -> float | None:
        return self.record.position_lng


@strawberry.type(description="A file of a meeting's minutes, downloaded at /meeting-files/{id}.")
class MeetingFileType:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int

    @classmethod
    def of(cls, f: MeetingFile) -> MeetingFileType:
        return cls(
            id=strawberry.ID(str(f.id)),
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
        )


@strawberry.type(name="Meeting", description="A meeting of a party organisation or a region.")
class MeetingType:
    record: strawberry.Private[Meeting]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def kind(self) -> MeetingKind:
        return self.record.kind

    @strawberry.field
    def title(self) -> str:
        return self.record.title

    @strawberry.field
    def status(self) -> MeetingStatus:
        return self.record.status

    @strawberry.field
    def organisation_id(self) -> strawberry.ID | None:
        org = self.record.organisation_id
        return strawberry.ID(str(org)) if org else None

    @strawberry.field(description="The organising body's region.")
    def region_code(self) -> str:
        return self.record.region_code

    @strawberry.field
    def organiser_name(self) -> str:
        return self.record.organiser_label

    @strawberry.field
    def starts_at(self) -> datetime:
        return self.record.starts_at

    @strawberry.field
    def ends_at(self) -> datetime:
        return self.record.ends_at

    @strawberry.field
    def place(self) -> str:
        return self.record.place

    @strawberry.field
    def agenda(self) -> str:
        return self.record.agenda

    @strawberry.field(description="Sign-in opens.")
    def sign_in_from(self) -> datetime:
        return self.record.sign_in_from

    @strawberry.field(description="Sign-in closes.")
    def sign_in_until(self) -> datetime:
        return self.record.sign_in_until

    @strawberry.field
    def minutes(self) -> str | None:
        return self.record.minutes

    @strawberry.field(description="When the minutes are due (a week after the meeting).")
    def minutes_due_at(self) -> datetime | None:
        return self.record.due_at

    @strawberry.field(description="yellow: minutes overdue; red: long overdue")
    def card(self) -> str:
        return self.record.card

    @strawberry.field(description="Changes with every step.")
    def version(self) -> int:
        return self.record.version

    @strawberry.field
    async def files(self) -> list[MeetingFileType]:
        return [MeetingFileType.of(f) for f in await service.files_of(self.record.id)]

    @strawberry.field
    async def attendance(self) -> MeetingAttendance:
        figures = await service.attendance_of([self.record.id])
        return MeetingAttendance.of(figures[self.record.id])

    @strawberry.field(description="Your own invitation, if you are invited.")
    async def my_invitation(self, info: Info) -> MeetingInviteeType | None:
        found = await service.my_invitation(actor=info.context.principal, meeting_id=self.record.id)
        return MeetingInviteeType(record=found) if found else None

    @strawberry.field(description="The invitees, in invitation order.")
    async def invitees(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MeetingInviteeType]:
        page, filtered = await service.invitees(
            actor=info.context.principal, meeting_id=self.record.id, page=page_request(first, after)
        )
        return connection(page, filtered, lambda r: MeetingInviteeType(record=r))


@strawberry.type(description="A committee post held for a term.")
class PartyPostType:
    record: strawberry.Private[PartyPost]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field
    def post(self) -> CommitteePost:
        return self.record.post

    @strawberry.field
    def party_member_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.party_member_id))

    @strawberry.field
    def term_start(self) -> date:
        return self.record.term_start

    @strawberry.field
    def term_end(self) -> date | None:
        return self.record.term_end


@strawberry.type(description="A party organisation's page: members, committee, warnings.")
class OrganisationLife:
    life: strawberry.Private[organisations.OrganisationLife]

    @strawberry.field
    def organisation_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.life.organisation.id))

    @strawberry.field
    def name(self) -> str:
        return self.life.organisation.name

    @strawberry.field(description="正式党员 (members with no standing recorded count here)")
    def formal_members(self) -> int:
        return self.life.formal_members

    @strawberry.field(description="预备党员")
    def probationary_members(self) -> int:
        return self.life.probationary_members

    @strawberry.field(description="Posts held today.")
    def committee(self) -> list[PartyPostType]:
        return [PartyPostType(record=p) for p in self.life.posts]

    @strawberry.field(description="Branch rules that are numbers and not met.")
    def warnings(self) -> list[BranchWarning]:
        return self.life.warnings


@strawberry.type(description="Meetings of one kind in a quarter against what is due.")
class MeetingKindCount:
    kind: MeetingKind
    required: int
    held: int
    complete: bool


@strawberry.type(description="三会一课 completeness and attendance of one quarter (China time).")
class QuarterLife:
    year: int
    quarter: int
    complete: bool
    meetings_held: int
    kinds: list[MeetingKindCount]
    attendance: MeetingAttendance

    @classmethod
    def of(cls, q: organisations.QuarterLife) -> QuarterLife:
        return cls(
            year=q.year,
            quarter=q.quarter,
            complete=q.complete,
            meetings_held=q.meetings_held,
            kinds=[
                MeetingKindCount(kind=k.kind, required=k.required, held=k.held, complete=k.complete)
                for k in q.kinds
            ],
            attendance=MeetingAttendance.of(q.attendance),
        )
