"""Organisational life of party organisations: committee posts with terms, members' standing
(joining date, probationary or formal, the account they sign in with), the branch rules that
are numbers (shown as warnings, never refused) and the quarter's 三会一课 completeness."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.accounts.models import User
from api.domains.meetings.enums import BranchWarning, CommitteePost, MeetingKind, MeetingStatus
from api.domains.meetings.models import Meeting, PartyPost, PartyStanding
from api.domains.meetings.service import Attendance, attendance_of, organisation_in_scope
from api.domains.registry.enums import PartyOrganisationLevel, RecordStatus
from api.domains.registry.models import PartyMember, PartyOrganisation
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows.calendar import LOCAL
from api.i18n import _
from policies.enforcer import authorize

# 党支部工作条例: a branch has 3 to 50 formal members; with 7 or more it elects a committee
# of 3 to 5 (at most 7); with fewer, a secretary (and a deputy) and no committee.
BRANCH_MEMBERS: Final = (3, 50)
COMMITTEE_FROM: Final = 7
COMMITTEE_SIZE: Final = (3, 7)
# 三会一课 per quarter, by the organisation's level: the assembly and the lecture once a
# quarter, the committee and the group monthly.
REQUIRED_PER_QUARTER: Final[dict[PartyOrganisationLevel, dict[MeetingKind, int]]] = {
    PartyOrganisationLevel.COMMUNITY_COMMITTEE: {
        MeetingKind.BRANCH_COMMITTEE: 3,
        MeetingKind.PARTY_LECTURE: 1,
    },
    PartyOrganisationLevel.LARGE_GRID_BRANCH: {
        MeetingKind.BRANCH_ASSEMBLY: 1,
        MeetingKind.BRANCH_COMMITTEE: 3,
        MeetingKind.GROUP_MEETING: 3,
        MeetingKind.PARTY_LECTURE: 1,
    },
    PartyOrganisationLevel.MEDIUM_GRID_GROUP: {MeetingKind.GROUP_MEETING: 3},
}
EARLIEST: Final = date(1921, 7, 1)


@dataclass(frozen=True, slots=True)
class OrganisationLife:
    """An organisation's page: its members by standing, its committee today, its warnings."""

    organisation: PartyOrganisation
    formal_members: int
    probationary_members: int
    posts: list[PartyPost]
    warnings: list[BranchWarning]


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: MeetingKind
    required: int
    held: int

    @property
    def complete(self) -> bool:
        return self.held >= self.required


@dataclass(frozen=True, slots=True)
class QuarterLife:
    """三会一课 completeness of one quarter (China time) and its attendance."""

    organisation_id: uuid.UUID
    year: int
    quarter: int
    kinds: list[KindCount]
    meetings_held: int
    attendance: Attendance

    @property
    def complete(self) -> bool:
        return all(k.complete for k in self.kinds)


async def _member_of(organisation: PartyOrganisation, party_member_id: uuid.UUID) -> PartyMember:
    member = await PartyMember.filter(
        id=party_member_id, party_organisation_id=organisation.id, status=RecordStatus.ACTIVE
    ).first()
    if member is None:
        raise ValidationFailed(
            _("the party member is not an active member of this organisation"),
            field="partyMemberId",
        )
    return member


def _term(term_start: date, term_end: date | None) -> None:
    if not EARLIEST <= term_start <= clock.now().astimezone(LOCAL).date() + timedelta(days=366):
        raise ValidationFailed(_("the term starts on a plausible day"), field="termStart")
    if term_end is not None and term_end < term_start:
        raise ValidationFailed(_("the term ends on or after its start"), field="termEnd")


def _overlaps(start: date, end: date | None) -> Q:
    """Posts whose term shares a day with [start, end]."""
    condition = Q(term_end__isnull=True) | Q(term_end__gte=start)
    if end is not None:
        condition &= Q(term_start__lte=end)
    return condition


async def appoint(
    *,
    actor: Principal,
    organisation_id: uuid.UUID,
    party_member_id: uuid.UUID,
    post: CommitteePost,
    term_start: date,
    term_end: date | None = None,
) -> PartyPost:
    """A member takes a committee post for a term; a secretary's or a deputy's post is one
    member's at a time, and one member holds one post at a time."""
    async with in_transaction():
        organisation = await organisation_in_scope(
            actor, organisation_id, "manage", obj="party_life"
        )
        await _member_of(organisation, party_member_id)
        _term(term_start, term_end)
        # serialise appointments of one organisation: the overlap checks below must see each other
        await PartyOrganisation.filter(id=organisation.id).select_for_update().first()
        held = PartyPost.filter(organisation_id=organisation.id).filter(
            _overlaps(term_start, term_end)
        )
        if await held.filter(party_member_id=party_member_id).exists():
            raise Conflict(_("the member holds a post in that term"), field="partyMemberId")
        if (
            post in (CommitteePost.SECRETARY, CommitteePost.DEPUTY_SECRETARY)
            and await held.filter(post=post).exists()
        ):
            raise Conflict(
                _("another member holds the {value} post in that term", value=post.value),
                field="post",
                code=ErrorCode.ALREADY_EXISTS,
            )
        return await PartyPost.create(
            id=uuid.uuid4(),
            organisation_id=organisation.id,
            party_member_id=party_member_id,
            post=post,
            term_start=term_start,
            term_end=term_end,
            created_at=clock.now(),
        )


async def end_term(*, actor: Principal, post_id: uuid.UUID, term_end: date) -> PartyPost:
    """A post's term ends (stepping down, or the term's last day)."""
    async with in_transaction():
        found = await PartyPost.filter(id=post_id).select_for_update().first()
        if found is None:
            raise NotFound("post", post_id, field="id")
        organisation = await PartyOrganisation.get_or_none(id=found.organisation_id)
        if organisation is None:
            raise NotFound("post", post_id, field="id")
        authorize(actor.assignments, "party_life", "manage", at=organisation.region_code)
        if term_end < found.term_start:
            raise ValidationFailed(_("the term ends on or after its start"), field="termEnd")
        found.term_end = term_end
        await found.save(update_fields=["term_end"])
    return found


async def record_standing(
    *,
    actor: Principal,
    party_member_id: uuid.UUID,
    joined_on: date | None,
    probationary: bool,
    user_id: uuid.UUID | None,
) -> PartyStanding:
    """A member's joining date (入党日期), probationary (预备党员) or formal, and the account
    they sign in to meetings with."""
    async with in_transaction():
        member = await PartyMember.filter(id=party_member_id, status=RecordStatus.ACTIVE).first()
        if member is None:
            raise NotFound("party member", party_member_id, field="partyMemberId")
        authorize(actor.assignments, "party_life", "manage", at=member.region_code)
        if (
            joined_on is not None
            and not EARLIEST <= joined_on <= clock.now().astimezone(LOCAL).date()
        ):
            raise ValidationFailed(_("the joining date lies in the past"), field="joinedOn")
        if user_id is not None:
            if not await User.filter(id=user_id, is_active=True).exists():
                raise ValidationFailed(_("no active user has that id"), field="userId")
            other = (
                await PartyStanding.filter(user_id=user_id)
                .exclude(party_member_id=party_member_id)
                .exists()
            )
            if other:
                raise Conflict(
                    _("that account belongs to another party member"),
                    field="userId",
                    code=ErrorCode.ALREADY_EXISTS,
                )
        standing = await PartyStanding.filter(party_member_id=party_member_id).first()
        if standing is None:
            standing = PartyStanding(party_member_id=party_member_id)
        standing.joined_on = joined_on
        standing.probationary = probationary
        standing.user_id = user_id
        standing.updated_at = clock.now()
        await standing.save()
    return standing


def warnings_of(
    level: PartyOrganisationLevel, formal: int, posts: list[PartyPost]
) -> list[BranchWarning]:
    """The branch rules that are numbers (a branch only): what its page warns of."""
    if level is not PartyOrganisationLevel.LARGE_GRID_BRANCH:
        return []
    found: list[BranchWarning] = []
    if formal < BRANCH_MEMBERS[0]:
        found.append(BranchWarning.TOO_FEW_MEMBERS)
    if formal > BRANCH_MEMBERS[1]:
        found.append(BranchWarning.TOO_MANY_MEMBERS)
    committee = len({p.party_member_id for p in posts})
    if formal >= COMMITTEE_FROM:
        if committee == 0:
            found.append(BranchWarning.COMMITTEE_MISSING)
        elif committee < COMMITTEE_SIZE[0]:
            found.append(BranchWarning.COMMITTEE_TOO_SMALL)
    if committee > COMMITTEE_SIZE[1]:
        found.append(BranchWarning.COMMITTEE_TOO_LARGE)
    if not any(p.post is CommitteePost.SECRETARY for p in posts):
        found.append(BranchWarning.NO_SECRETARY)
    return found


async def life_of(*, actor: Principal, organisation_id: uuid.UUID) -> OrganisationLife:
    """The organisation's page: members by standing, today's committee, warnings."""
    organisation = await organisation_in_scope(actor, organisation_id, "read", obj="party_life")
    members = await PartyMember.filter(
        party_organisation_id=organisation.id, status=RecordStatus.ACTIVE
    ).values_list("id", flat=True)
    # a member with no standing recorded counts as formal: the register lists full members
    probationary = await PartyStanding.filter(
        party_member_id__in=list(members), probationary=True
    ).count()
    today = clock.now().astimezone(LOCAL).date()
    posts = (
        await PartyPost.filter(organisation_id=organisation.id, term_start__lte=today)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .order_by("post", "term_start")
    )
    formal = len(members) - probationary
    return OrganisationLife(
        organisation=organisation,
        formal_members=formal,
        probationary_members=probationary,
        posts=posts,
        warnings=warnings_of(organisation.level, formal, posts),
    )


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    if not 1 <= quarter <= 4:
        raise ValidationFailed(_("a quarter is 1 to 4"), field="quarter")
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("the year lies between 2000 and 2100"), field="year")
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=LOCAL)
    end = (
        datetime(year + 1, 1, 1, tzinfo=LOCAL)
        if quarter == 4
        else datetime(year, 3 * quarter + 1, 1, tzinfo=LOCAL)
    )
    return start, end


async def quarter_of(
    *, actor: Principal, organisation_id: uuid.UUID, year: int, quarter: int
) -> QuarterLife:
    """三会一课 of one quarter: meetings held per kind against what is due, and attendance.
    A branch's group meetings count those its groups held."""
    start, end = quarter_bounds(year, quarter)
    organisation = await organisation_in_scope(actor, organisation_id, "read", obj="party_life")
    groups = PartyOrganisation.filter(parent_id=organisation.id).values("id")
    held = await Meeting.filter(
        Q(organisation_id=organisation.id)
        | Q(organisation_id__in=Subquery(groups), kind=MeetingKind.GROUP_MEETING),
        status=MeetingStatus.HELD,
        starts_at__gte=start,
        starts_at__lt=end,
    ).values_list("id", "kind", "organisation_id")
    counts: dict[str, int] = {}
    for _unused, kind, _unused2 in held:
        counts[kind] = counts.get(kind, 0) + 1
    required = REQUIRED_PER_QUARTER.get(organisation.level, {})
    kinds = [
        KindCount(kind=kind, required=required.get(kind, 0), held=counts.get(kind.value, 0))
        for kind in MeetingKind
        if kind in required or counts.get(kind.value)
    ]
    own = [m for m, _unused3, org in held if org == organisation.id]
    figures = await attendance_of(own)
    total = Attendance(
        invited=sum(f.invited for f in figures.values()),
        present=sum(f.present for f in figures.values()),
        on_leave=sum(f.on_leave for f in figures.values()),
        leave_requested=sum(f.leave_requested for f in figures.values()),
    )
    return QuarterLife(
        organisation_id=organisation.id,
        year=year,
        quarter=quarter,
        kinds=kinds,
        meetings_held=len(held),
        attendance=total,
    )
