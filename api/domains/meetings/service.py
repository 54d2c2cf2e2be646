"""Meetings (三会一课, 主题党日, 组织生活会, 联席会议, 民情分析会): invitation, leave, sign-in
within a window around the start, minutes and files, attendance figures.

Why a domain of its own above registry and the flow kernel: a meeting is a flow record (its
clock runs to the day the minutes are due) organised by a registry party organisation or a
region; its invitees are the organisation's members who have an account (`PartyStanding`), and
the figures per quarter are what organisational life is measured by."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment
from api.domains.events.attachments import StoredFile, store_uploads
from api.domains.meetings.enums import (
    Action,
    LeaveStatus,
    MeetingKind,
    MeetingStatus,
    Stage,
)
from api.domains.meetings.flow import MEETINGS
from api.domains.meetings.models import (
    Meeting,
    MeetingFile,
    MeetingInvitee,
    PartyStanding,
)
from api.domains.notices import service as notices
from api.domains.positions.models import WorkerPosition
from api.domains.registry.enums import RecordStatus
from api.domains.registry.models import PartyMember, PartyOrganisation
from api.errors import (
    Conflict,
    ErrorCode,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from api.flows import moves
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import aware
from api.regions import Level
from api.uploads import UploadedFile
from policies.enforcer import authorize, scope_prefixes

MAX_TITLE: Final = 200
MAX_PLACE: Final = 200
MAX_AGENDA: Final = 5_000
MAX_MINUTES: Final = 10_000
MAX_REASON: Final = 500
MAX_EXTRA_INVITEES: Final = 200
MAX_LENGTH: Final = timedelta(hours=12)
MAX_AHEAD: Final = timedelta(days=366)
# Sign-in opens this long before the start and closes this long after it unless the organiser
# chooses otherwise (within MAX_WINDOW): members arrive early, and some late.
SIGN_IN_BEFORE: Final = timedelta(minutes=30)
SIGN_IN_AFTER: Final = timedelta(minutes=30)
MAX_WINDOW: Final = timedelta(hours=4)
# A reported position counts as evidence of a sign-in when the phone measured it this recently.
POSITION_FRESH: Final = timedelta(minutes=15)
# Kinds that are party organisational life: a party organisation organises them. Joint and
# public-opinion meetings bring units together and may be organised by a region.
REGION_KINDS: Final = frozenset({MeetingKind.JOINT_MEETING, MeetingKind.PUBLIC_OPINION_ANALYSIS})
# A region's own body, invited by default to a meeting it organises: the staff working at the
# region itself (its centre or community staff, its departments' staff), not those below it,
# nor citizens, systems or the administrators who keep the service running.
REGION_BODY_ROLES: Final = tuple(
    r.value for r in Role if r not in (Role.CITIZEN, Role.INTEGRATION, Role.ADMIN)
)


@dataclass(frozen=True, slots=True)
class Attendance:
    """A meeting's figures: invited, present, on approved leave, absent."""

    invited: int
    present: int
    on_leave: int
    leave_requested: int

    @property
    def absent(self) -> int:
        return max(self.invited - self.present - self.on_leave, 0)

    @property
    def rate(self) -> float:
        """Present among those invited (0 with no one invited)."""
        return round(self.present / self.invited, 4) if self.invited else 0.0


@dataclass(frozen=True, slots=True)
class MemberAttendance:
    """One member's part in one meeting: for crediting points (积分) per member and period."""

    meeting_id: uuid.UUID
    kind: MeetingKind
    starts_at: datetime
    region_code: str
    user_id: uuid.UUID | None
    party_member_id: uuid.UUID | None
    signed_in_at: datetime


@dataclass(frozen=True, slots=True)
class FileLimits:
    root: Path
    max_bytes: int
    max_files: int


def _me(actor: Principal) -> uuid.UUID:
    if actor.user_id is None:
        raise Unauthenticated(_("meetings are organised and attended by users; sign in as one"))
    return actor.user_id


def text(value: str, *, name: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("{name} must not be empty", name=name), field=name)
    if len(value) > limit:
        raise ValidationFailed(
            _("{name} is longer than {limit} characters", name=name, limit=limit), field=name
        )
    if "\x00" in value:
        raise ValidationFailed(_("{name} must not contain NUL", name=name), field=name)
    return value


def subtree_q(prefixes: Sequence[str], column: str = "region_code") -> Q:
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(**{f"{column}__startswith": prefix})
    return condition


def readable_meetings(actor: Principal) -> Q:
    """Meetings in the caller's read scope, those they organise and those they are invited to."""
    me = _me(actor)
    invited = MeetingInvitee.filter(user_id=me).values("meeting_id")
    return (
        subtree_q(scope_prefixes(actor.assignments, "meeting", "read"))
        | Q(organiser_id=me)
        | Q(id__in=Subquery(invited))
    )


def _organising(actor: Principal) -> Q:
    """Meetings the caller may run (leave decisions, sign-in for others, minutes, cancel)."""
    return subtree_q(scope_prefixes(actor.assignments, "meeting", "organise")) | Q(
        organiser_id=_me(actor)
    )


async def organisation_in_scope(
    actor: Principal, organisation_id: uuid.UUID, action: str, *, obj: str = "meeting"
) -> PartyOrganisation:
    """An active party organisation where the caller may `action`; else not found."""
    organisation = await PartyOrganisation.filter(
        id=organisation_id, status=RecordStatus.ACTIVE
    ).first()
    if organisation is None:
        raise NotFound("party organisation", organisation_id, field="organisationId")
    authorize(actor.assignments, obj, action, at=organisation.region_code)
    return organisation


async def organisation_members(organisation_id: uuid.UUID) -> list[PartyMember]:
    """Active members of an organisation and of the organisations under it (a branch's
    assembly is its groups' members too)."""
    children = PartyOrganisation.filter(parent_id=organisation_id).values("id")
    grandchildren = PartyOrganisation.filter(parent_id__in=Subquery(children)).values("id")
    return await PartyMember.filter(
        Q(party_organisation_id=organisation_id)
        | Q(party_organisation_id__in=Subquery(children))
        | Q(party_organisation_id__in=Subquery(grandchildren)),
        status=RecordStatus.ACTIVE,
    ).prefetch_related("person")


async def _invitees_of(
    actor: Principal,
    *,
    organisation: PartyOrganisation | None,
    region_code: str,
    user_ids: Sequence[uuid.UUID],
    include_members: bool,
    meeting_id: uuid.UUID,
    now: datetime,
) -> list[MeetingInvitee]:
    rows: list[MeetingInvitee] = []
    seen: set[uuid.UUID] = set()
    if organisation is not None and include_members:
        members = await organisation_members(organisation.id)
        accounts = dict(
            await PartyStanding.filter(
                party_member_id__in=[m.id for m in members], user_id__not_isnull=True
            ).values_list("party_member_id", "user_id")
        )
        for member in members:
            account = accounts.get(member.id)
            if account is not None:
                seen.add(account)
            rows.append(
                MeetingInvitee(
                    meeting_id=meeting_id,
                    user_id=account,
                    party_member_id=member.id,
                    name=member.person.name[:100],
                    region_code=member.region_code,
                    created_at=now,
                )
            )
    if organisation is None and include_members:
        body = (
            await RoleAssignment.filter(
                region_code=region_code, role__in=REGION_BODY_ROLES, user__is_active=True
            )
            .order_by("user_id")
            .values("user_id", "user__display_name")
        )
        for staff in body:
            if staff["user_id"] in seen:
                continue  # one invitation however many roles they hold there
            seen.add(staff["user_id"])
            rows.append(
                MeetingInvitee(
                    meeting_id=meeting_id,
                    user_id=staff["user_id"],
                    name=staff["user__display_name"][:100],
                    region_code=region_code,
                    created_at=now,
                )
            )
    if len(user_ids) > MAX_EXTRA_INVITEES:
        raise ValidationFailed(
            _(
                "at most {MAX_EXTRA_INVITEES} invitees by name",
                MAX_EXTRA_INVITEES=MAX_EXTRA_INVITEES,
            ),
            field="inviteeUserIds",
        )
    extra = [u for u in dict.fromkeys(user_ids) if u not in seen]
    if extra:
        # invited by name: staff working inside the organising body's region
        found = {
            row["user_id"]: row
            for row in await RoleAssignment.filter(
                region_code__startswith=region_code,
                user_id__in=extra,
                user__is_active=True,
            ).values("user_id", "region_code", "user__display_name")
        }
        for user_id in extra:
            row = found.get(user_id)
            if row is None:
                raise ValidationFailed(
                    _(
                        "user {user_id} does not work inside region {region_code}",
                        user_id=user_id,
                        region_code=region_code,
                    ),
                    field="inviteeUserIds",
                    code=ErrorCode.OUTSIDE_AREA,
                )
            rows.append(
                MeetingInvitee(
                    meeting_id=meeting_id,
                    user_id=user_id,
                    name=row["user__display_name"][:100],
                    region_code=row["region_code"],
                    created_at=now,
                )
            )
    if not rows:
        raise ValidationFailed(
            _("no one is invited: the organising body has no active members; name invitees"),
            field="inviteeUserIds",
        )
    return rows


async def schedule(
    *,
    actor: Principal,
    kind: MeetingKind,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    agenda: str,
    organisation_id: uuid.UUID | None = None,
    region_code: str | None = None,
    invitee_user_ids: Sequence[uuid.UUID] = (),
    include_members: bool = True,
    sign_in_before: timedelta = SIGN_IN_BEFORE,
    sign_in_after: timedelta = SIGN_IN_AFTER,
    meeting_id: uuid.UUID | None = None,
) -> Meeting:
    """Call a meeting and invite the organising body's members (a party organisation's members,
    or the staff working at the organising region itself) and anyone named; each invitee with an
    account gets a notice."""
    me = _me(actor)
    starts_at, ends_at = aware(starts_at), aware(ends_at)
    title = text(title, name="title", limit=MAX_TITLE)
    place = text(place, name="place", limit=MAX_PLACE)
    agenda = text(agenda, name="agenda", limit=MAX_AGENDA)
    now = clock.now()
    if not now < starts_at <= now + MAX_AHEAD:
        raise ValidationFailed(_("the meeting must start within the coming year"), field="startsAt")
    if not starts_at < ends_at <= starts_at + MAX_LENGTH:
        raise ValidationFailed(
            _("the meeting ends after it starts, within {MAX_LENGTH}", MAX_LENGTH=MAX_LENGTH),
            field="endsAt",
        )
    for name, span in (("signInBefore", sign_in_before), ("signInAfter", sign_in_after)):
        if not timedelta(0) <= span <= MAX_WINDOW:
            raise ValidationFailed(
                _("{name} lies between 0 and {MAX_WINDOW}", name=name, MAX_WINDOW=MAX_WINDOW),
                field=name,
            )
    if (organisation_id is None) == (region_code is None):
        raise ValidationFailed(
            _("name either the organising party organisation or the region"),
            field="organisationId",
        )
    organisation: PartyOrganisation | None = None
    if organisation_id is not None:
        organisation = await organisation_in_scope(actor, organisation_id, "organise")
        home = organisation.region_code
    else:
        assert region_code is not None
        if kind not in REGION_KINDS:
            raise ValidationFailed(
                _("a {value} is organised by a party organisation", value=kind.value),
                field="organisationId",
            )
        if Level.of_code(region_code) is None:
            raise ValidationFailed(
                _("{region_code!r} is not a region code", region_code=region_code),
                field="regionCode",
            )
        authorize(actor.assignments, "meeting", "organise", at=region_code)
        home = region_code
    if meeting_id is not None:
        existing = await Meeting.filter(id=meeting_id).first()
        if existing is not None:
            if existing.organiser_id != me:
                raise Conflict(_("that id names another meeting"), field="id")
            return existing  # a retried call
    record = Meeting(
        id=meeting_id or uuid.uuid4(),
        kind=kind,
        title=title,
        organisation_id=organisation.id if organisation else None,
        region_code=home,
        organiser_id=me,
        organiser_label=(actor.display_name or actor.username)[:100],
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        agenda=agenda,
        sign_in_from=starts_at - sign_in_before,
        sign_in_until=starts_at + sign_in_after,
        status=MeetingStatus.SCHEDULED,
        created_at=now,
    )
    invitees = await _invitees_of(
        actor,
        organisation=organisation,
        region_code=home,
        user_ids=invitee_user_ids,
        include_members=include_members,
        meeting_id=record.id,
        now=now,
    )
    record.invitee_count = len(invitees)
    async with in_transaction():
        await moves.start(
            MEETINGS, record, actor=actor, action=Action.SCHEDULE, stage=Stage.MINUTES
        )
        await MeetingInvitee.bulk_create(invitees)
        await notices.notify(
            user_ids=[i.user_id for i in invitees if i.user_id is not None],
            kind="meeting",
            title=_("Meeting notice: {title}", title=title),
            body=_("At {starts_at}, {place}", starts_at=starts_at.isoformat(), place=place),
            region_code=home,
        )
    return record


async def get(*, actor: Principal, meeting_id: uuid.UUID) -> Meeting:
    found = await Meeting.filter(readable_meetings(actor), id=meeting_id).first()
    if found is None:
        raise NotFound("meeting", meeting_id, field="id")
    return found


async def _my_invitation(actor: Principal, meeting_id: uuid.UUID) -> tuple[Meeting, MeetingInvitee]:
    """The caller's invitation, locked, and its meeting; not found for anyone not invited."""
    invitee = (
        await MeetingInvitee.filter(meeting_id=meeting_id, user_id=_me(actor))
        .select_for_update()
        .first()
    )
    if invitee is None:
        raise NotFound("meeting", meeting_id, field="meetingId")
    return await Meeting.get(id=meeting_id), invitee


def row_id(value: str, *, field: str) -> int:
    """A bigint row id from a client (an invitee id, a cursor); anything else is malformed."""
    try:
        number = int(value)
    except ValueError as exc:
        raise ValidationFailed(_("malformed {field}", field=field), field=field) from exc
    if not 0 < number < 2**63:
        raise ValidationFailed(_("malformed {field}", field=field), field=field)
    return number


def _open(meeting: Meeting) -> None:
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise Conflict(_("the meeting is {value}", value=meeting.status.value), field="meetingId")


async def request_leave(*, actor: Principal, meeting_id: uuid.UUID, reason: str) -> MeetingInvitee:
    """请假: ask the organiser to excuse you; only before the meeting starts."""
    reason = text(reason, name="reason", limit=MAX_REASON)
    async with in_transaction():
        meeting, invitee = await _my_invitation(actor, meeting_id)
        _open(meeting)
        now = clock.now()
        if now >= meeting.starts_at:
            raise Conflict(_("leave is requested before the meeting starts"), field="meetingId")
        if invitee.signed_in_at is not None:
            raise Conflict(_("you have signed in to this meeting"), field="meetingId")
        if invitee.leave_status is LeaveStatus.APPROVED:
            raise Conflict(_("your leave is already approved"), field="meetingId")
        invitee.leave_status = LeaveStatus.REQUESTED
        invitee.leave_reason = reason
        invitee.leave_requested_at = now
        invitee.leave_decided_at = invitee.leave_decided_by = None
        await invitee.save()
        await notices.notify(
            user_ids=[meeting.organiser_id],
            kind="meeting_leave",
            title=_(
                "Leave requested: {name} ({meeting})", name=invitee.name, meeting=meeting.title
            ),
            body=reason,
            region_code=meeting.region_code,
        )
    return invitee


async def decide_leave(
    *, actor: Principal, meeting_id: uuid.UUID, invitee_id: int, approve: bool
) -> MeetingInvitee:
    """The organiser approves or refuses a leave request (until the meeting ends)."""
    me = _me(actor)
    async with in_transaction():
        meeting = await Meeting.filter(_organising(actor), id=meeting_id).first()
        if meeting is None:
            raise NotFound("meeting", meeting_id, field="meetingId")
        invitee = (
            await MeetingInvitee.filter(id=invitee_id, meeting_id=meeting_id)
            .select_for_update()
            .first()
        )
        if invitee is None:
            raise NotFound("invitee", invitee_id, field="inviteeId")
        _open(meeting)
        if invitee.leave_status is not LeaveStatus.REQUESTED:
            raise Conflict(_("no leave request is waiting"), field="inviteeId")
        now = clock.now()
        invitee.leave_status = LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED
        invitee.leave_decided_at = now
        invitee.leave_decided_by = me
        await invitee.save()
        if invitee.user_id is not None:
            await notices.notify(
                user_ids=[invitee.user_id],
                kind="meeting_leave",
                title=_("Leave approved: {meeting}", meeting=meeting.title)
                if approve
                else _("Leave not approved: {meeting}", meeting=meeting.title),
                region_code=meeting.region_code,
            )
    return invitee


async def sign_in(
    *, actor: Principal, meeting_id: uuid.UUID, invitee_id: int | None = None
) -> MeetingInvitee:
    """签到 within the window around the start: yourself (your latest reported position, when
    fresh, kept as evidence), or, as organiser, an invitee without a phone; twice is once."""
    me = _me(actor)
    async with in_transaction():
        if invitee_id is None:
            meeting, invitee = await _my_invitation(actor, meeting_id)
        else:
            found = await Meeting.filter(_organising(actor), id=meeting_id).first()
            if found is None:
                raise NotFound("meeting", meeting_id, field="meetingId")
            meeting = found
            one = (
                await MeetingInvitee.filter(id=invitee_id, meeting_id=meeting_id)
                .select_for_update()
                .first()
            )
            if one is None:
                raise NotFound("invitee", invitee_id, field="inviteeId")
            invitee = one
        _open(meeting)
        if invitee.signed_in_at is not None:
            return invitee
        now = clock.now()
        if not meeting.sign_in_from <= now <= meeting.sign_in_until:
            raise Conflict(
                _(
                    "sign-in is open from {isoformat} to {isoformat2}",
                    isoformat=meeting.sign_in_from.isoformat(),
                    isoformat2=meeting.sign_in_until.isoformat(),
                ),
                field="meetingId",
            )
        invitee.signed_in_at = now
        invitee.signed_in_by = me
        if invitee_id is None:
            position = (
                await WorkerPosition.filter(user_id=me, at__gte=now - POSITION_FRESH)
                .order_by("-at")
                .first()
            )
            if position is not None:
                invitee.position_lat = position.lat
                invitee.position_lng = position.lng
                invitee.position_at = position.at
        await invitee.save()
    return invitee


async def record_minutes(
    *,
    actor: Principal,
    meeting_id: uuid.UUID,
    minutes: str,
    files: Sequence[UploadedFile] = (),
    limits: FileLimits | None = None,
    version: int | None = None,
) -> Meeting:
    """会议记录: the minutes (and files: photos, the sign-in sheet) once the meeting began;
    the meeting is held from then on."""
    minutes = text(minutes, name="minutes", limit=MAX_MINUTES)
    me = _me(actor)
    stored: list[StoredFile] = []
    if files:
        assert limits is not None, "files need the limits of stored files"
        stored = await store_uploads(
            files, root=limits.root, max_bytes=limits.max_bytes, max_files=limits.max_files
        )

    def has_begun(record: Meeting) -> None:
        if clock.now() < record.starts_at:
            raise Conflict(_("minutes are recorded once the meeting has begun"), field="meetingId")

    async with moves.transition(
        MEETINGS,
        actor=actor,
        record_id=meeting_id,
        action=Action.RECORD_MINUTES,
        scope=_organising(actor),
        expected_version=version,
        authorize=has_begun,
    ) as move:
        move.record.minutes = minutes
        move.record.minutes_recorded_at = move.now
        move.attachment_ids = [s.sha256 for s in stored]
        await MeetingFile.bulk_create(
            [
                MeetingFile(
                    id=uuid.uuid4(),
                    meeting_id=meeting_id,
                    sha256=s.sha256,
                    content_type=s.content_type,
                    size=s.size,
                    filename=s.filename,
                    uploaded_by_id=me,
                    created_at=move.now,
                )
                for s in stored
            ]
        )
    return move.record


async def cancel(
    *, actor: Principal, meeting_id: uuid.UUID, reason: str, version: int | None = None
) -> Meeting:
    """Call a meeting off before it starts; the invitees are told."""
    reason = text(reason, name="reason", limit=MAX_REASON)

    def not_begun(record: Meeting) -> None:
        if clock.now() >= record.starts_at:
            raise Conflict(_("a meeting is cancelled before it starts"), field="meetingId")

    async with moves.transition(
        MEETINGS,
        actor=actor,
        record_id=meeting_id,
        action=Action.CANCEL,
        note=reason,
        scope=_organising(actor),
        expected_version=version,
        authorize=not_begun,
    ) as move:
        move.record.cancelled_at = move.now
        invited: list[uuid.UUID] = await MeetingInvitee.filter(
            meeting_id=meeting_id, user_id__not_isnull=True
        ).values_list("user_id", flat=True)  # type: ignore[assignment]
        await move.tell(
            invited,
            kind="meeting",
            title=_("Meeting cancelled: {title}", title=move.record.title),
            body=reason,
        )
    return move.record


async def attendance_of(meeting_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Attendance]:
    """Figures of each meeting (one query for them all)."""
    rows = await MeetingInvitee.filter(meeting_id__in=list(meeting_ids)).values_list(
        "meeting_id", "signed_in_at", "leave_status"
    )
    counts: dict[uuid.UUID, list[int]] = {m: [0, 0, 0, 0] for m in meeting_ids}
    for meeting, signed_in_at, leave in rows:
        figures = counts[meeting]
        figures[0] += 1
        if signed_in_at is not None:
            figures[1] += 1
        elif leave == LeaveStatus.APPROVED:
            figures[2] += 1
        elif leave == LeaveStatus.REQUESTED:
            figures[3] += 1
    return {m: Attendance(*c) for m, c in counts.items()}


async def invitees(
    *, actor: Principal, meeting_id: uuid.UUID, page: PageRequest
) -> tuple[Page[MeetingInvitee], Any]:
    """The invitees of a meeting the caller may read, in invitation order."""
    await get(actor=actor, meeting_id=meeting_id)
    query = MeetingInvitee.filter(meeting_id=meeting_id)
    filtered = query
    if page.after is not None:
        query = query.filter(id__gt=row_id(page.after, field="after"))
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda r: r.id), filtered


async def my_invitation(*, actor: Principal, meeting_id: uuid.UUID) -> MeetingInvitee | None:
    return await MeetingInvitee.filter(meeting_id=meeting_id, user_id=_me(actor)).first()


async def files_of(meeting_id: uuid.UUID) -> list[MeetingFile]:
    return await MeetingFile.filter(meeting_id=meeting_id).order_by("created_at", "id")


async def readable_file(*, actor: Principal, file_id: uuid.UUID) -> MeetingFile:
    """A file of a meeting the caller may read; anything else is not found."""
    found = await MeetingFile.get_or_none(id=file_id)
    if (
        found is None
        or not await Meeting.filter(readable_meetings(actor), id=found.meeting_id).exists()
    ):
        raise NotFound("file", file_id)
    return found


async def meetings(
    *,
    actor: Principal,
    page: PageRequest,
    organisation_id: uuid.UUID | None = None,
    region_code: str | None = None,
    mine_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[Page[Meeting], Any]:
    """Meetings the caller may read, newest start first; `mine_only`: those they are invited
    to or organise."""
    me = _me(actor)
    if mine_only:
        invited = MeetingInvitee.filter(user_id=me).values("meeting_id")
        query = Meeting.filter(Q(organiser_id=me) | Q(id__in=Subquery(invited)))
    else:
        query = Meeting.filter(readable_meetings(actor))
    if organisation_id is not None:
        query = query.filter(organisation_id=organisation_id)
    if region_code is not None:
        if Level.of_code(region_code) is None:
            raise ValidationFailed(
                _("{region_code!r} is not a region code", region_code=region_code),
                field="regionCode",
            )
        query = query.filter(region_code__startswith=region_code)
    if since is not None:
        query = query.filter(starts_at__gte=aware(since))
    if until is not None:
        query = query.filter(starts_at__lt=aware(until))
    filtered = query
    if page.after is not None:
        at, last = split_cursor(page.after)
        query = query.filter(Q(starts_at__lt=at) | Q(starts_at=at, id__lt=last))
    rows = await query.order_by("-starts_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda m: f"{m.starts_at.isoformat()}|{m.id}"), filtered


async def attendance(
    *, since: datetime, until: datetime, region_code: str
) -> list[MemberAttendance]:
    """Who attended (signed in to) which held meeting organised under `region_code` that
    started in [since, until), per member: what points (积分) are credited from. It checks no
    caller: the calling service authorises first."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("{region_code!r} is not a region code", region_code=region_code), field="regionCode"
        )
    held = {
        m.id: m
        for m in await Meeting.filter(
            region_code__startswith=region_code,
            status=MeetingStatus.HELD,
            starts_at__gte=since,
            starts_at__lt=until,
        )
    }
    rows = await MeetingInvitee.filter(
        meeting_id__in=list(held), signed_in_at__not_isnull=True
    ).order_by("meeting_id", "id")
    return [
        MemberAttendance(
            meeting_id=row.meeting_id,
            kind=held[row.meeting_id].kind,
            starts_at=held[row.meeting_id].starts_at,
            region_code=held[row.meeting_id].region_code,
            user_id=row.user_id,
            party_member_id=row.party_member_id,
            signed_in_at=row.signed_in_at,  # type: ignore[arg-type]
        )
        for row in rows
    ]
