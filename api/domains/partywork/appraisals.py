"""Democratic appraisal of party members (民主评议党员): a yearly round per branch, each member
graded once by the members' votes or the branch committee's decision; and the year-end
appraisal of branches (年终考评) by the organisation above, with the satisfaction of rated
events and appeals in the branch's region as its main figure (群众满意度)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import User
from api.domains.diaries.scope import newest_first, readable
from api.domains.events.models import Event
from api.domains.partywork.enums import Basis, Grade, RoundStatus
from api.domains.partywork.models import AppraisalRound, BranchAppraisal, MemberAppraisal
from api.domains.registry.enums import PartyOrganisationLevel, RecordKind, RecordStatus
from api.domains.registry.models import PartyMember, PartyOrganisation
from api.domains.registry.records import readable_record
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level
from policies.enforcer import authorize

FIRST_YEAR = 2000
MAX_NOTE = 2000
MAX_VOTES = 10_000  # a branch's members, many times over
SATISFIED_FROM = 4  # a rating of 4 or 5 is satisfied, as in the assessment figures
# a branch (党支部) or a community committee (社区党委) appraises its members; a group (党小组)
# belongs to a branch and does not
APPRAISING_LEVELS = frozenset(
    {PartyOrganisationLevel.COMMUNITY_COMMITTEE, PartyOrganisationLevel.LARGE_GRID_BRANCH}
)
WORST_FIRST = list(reversed(Grade))


def _year(year: int) -> int:
    this_year = clock.now().astimezone(LOCAL).year
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationFailed(
            _("year is {FIRST_YEAR} to {this_year}", FIRST_YEAR=FIRST_YEAR, this_year=this_year),
            field="year",
        )
    return year


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE or "\x00" in note:
        raise ValidationFailed(
            _("note is at most {MAX_NOTE} characters", MAX_NOTE=MAX_NOTE), field="note"
        )
    return note


async def _branch(actor: Principal, organisation_id: uuid.UUID) -> PartyOrganisation:
    branch = await readable_record(
        actor,
        PartyOrganisation,
        organisation_id,
        kind=RecordKind.PARTY_ORGANISATION,
        field="organisationId",
    )
    if branch.status is not RecordStatus.ACTIVE:
        raise ValidationFailed(_("the organisation is dissolved"), field="organisationId")
    if branch.level not in APPRAISING_LEVELS:
        raise ValidationFailed(
            _("a party group is appraised within its branch"), field="organisationId"
        )
    return branch


async def open_round(*, actor: Principal, organisation_id: uuid.UUID, year: int) -> AppraisalRound:
    """Open a branch's appraisal round of a year (one per branch and year)."""
    branch = await _branch(actor, organisation_id)
    authorize(actor.assignments, "party_appraisal", "record", at=branch.region_code)
    try:
        return await AppraisalRound.create(
            id=uuid.uuid4(),
            organisation_id=branch.id,
            organisation_name=branch.name,
            region_code=branch.region_code,
            year=_year(year),
            status=RoundStatus.OPEN,
            opened_by_id=actor.user_id,
            opened_at=clock.now(),
        )
    except IntegrityError as error:
        raise ValidationFailed(
            _("the branch already has a round for {year}", year=year),
            field="year",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error


async def _round(actor: Principal, round_id: uuid.UUID, *, lock: bool = False) -> AppraisalRound:
    query = AppraisalRound.filter(readable(actor, "party_appraisal"), id=round_id)
    found = await (query.select_for_update() if lock else query).first()
    if found is None:
        raise NotFound("appraisal round", round_id, field="roundId")
    return found


def _grade_from_votes(votes: Mapping[Grade, int]) -> Grade:
    """The grade most voted for; a tie goes to the lower grade (a doubt is not a merit)."""
    if any(not 0 <= count <= MAX_VOTES for count in votes.values()) or not sum(votes.values()):
        raise ValidationFailed(
            _("votes are 0 to {MAX_VOTES}, at least one cast", MAX_VOTES=MAX_VOTES), field="votes"
        )
    most = max(votes.values())
    return next(grade for grade in WORST_FIRST if votes.get(grade, 0) == most)


async def appraise_member(
    *,
    actor: Principal,
    round_id: uuid.UUID,
    member_id: uuid.UUID,
    basis: Basis,
    grade: Grade | None,
    votes: Mapping[Grade, int] | None,
    note: str,
) -> MemberAppraisal:
    """A member's grade in the round: by votes (the grade follows them) or by the committee."""
    note = _note(note)
    if basis is Basis.VOTE:
        if grade is not None or not votes:
            raise ValidationFailed(_("by vote: give the votes, not a grade"), field="votes")
        grade = _grade_from_votes(votes)
    elif grade is None or votes:
        raise ValidationFailed(_("by committee: give the grade, not votes"), field="grade")
    async with in_transaction():
        round_ = await _round(actor, round_id, lock=True)
        authorize(actor.assignments, "party_appraisal", "record", at=round_.region_code)
        if round_.status is not RoundStatus.OPEN:
            raise Conflict(_("the round is closed"), code=ErrorCode.INVALID_TRANSITION)
        member = (
            await PartyMember.filter(
                id=member_id,
                party_organisation_id=round_.organisation_id,
                status=RecordStatus.ACTIVE,
            )
            .select_related("person")
            .first()
        )
        if member is None:
            raise NotFound("party member of the branch", member_id, field="memberId")
        if await MemberAppraisal.exists(round_id=round_.id, member_id=member.id):
            raise ValidationFailed(
                _("the member is already appraised in this round"),
                field="memberId",
                code=ErrorCode.ALREADY_EXISTS,
            )
        return await MemberAppraisal.create(
            id=uuid.uuid4(),
            round_id=round_.id,
            member_id=member.id,
            member_name=member.person.name,
            region_code=round_.region_code,
            year=round_.year,
            grade=grade,
            basis=basis,
            votes={g.value: count for g, count in (votes or {}).items()},
            note=note,
            recorded_by_id=actor.user_id,
            recorded_at=clock.now(),
        )


async def close_round(*, actor: Principal, round_id: uuid.UUID) -> AppraisalRound:
    """Close a round: its results are final."""
    async with in_transaction():
        round_ = await _round(actor, round_id, lock=True)
        authorize(actor.assignments, "party_appraisal", "record", at=round_.region_code)
        if round_.status is not RoundStatus.OPEN:
            raise Conflict(_("the round is closed"), code=ErrorCode.INVALID_TRANSITION)
        round_.status = RoundStatus.CLOSED
        round_.closed_at = clock.now()
        await round_.save(update_fields=["status", "closed_at"])
        return round_


async def get_round(*, actor: Principal, round_id: uuid.UUID) -> AppraisalRound:
    return await _round(actor, round_id)


async def results(
    *, actor: Principal, round_id: uuid.UUID
) -> tuple[AppraisalRound, list[MemberAppraisal]]:
    """A round and its members' grades (the branch and the organisations above read them)."""
    round_ = await _round(actor, round_id)
    rows = await MemberAppraisal.filter(round_id=round_.id).order_by("member_name", "id")
    return round_, rows


async def rounds(
    *, actor: Principal, region_code: str, year: int | None, page: PageRequest
) -> tuple[Page[AppraisalRound], QuerySet[AppraisalRound]]:
    """The appraisal rounds of the branches under a region, newest first: how the organisation
    above finds its branches' rounds and results."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "party_appraisal", "read", at=region_code)
    query = AppraisalRound.filter(
        readable(actor, "party_appraisal"), Q(region_code__startswith=region_code)
    )
    if year is not None:
        query = query.filter(year=year)
    return await newest_first(query, page, column="opened_at")


async def results_of(round_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[MemberAppraisal]]:
    """The members' grades of each round, in one query."""
    found: dict[uuid.UUID, list[MemberAppraisal]] = {i: [] for i in round_ids}
    for row in await MemberAppraisal.filter(round_id__in=list(round_ids)).order_by(
        "member_name", "id"
    ):
        found[row.round_id].append(row)
    return found


async def member_history(
    *, actor: Principal, member_id: uuid.UUID, page: PageRequest
) -> tuple[Page[MemberAppraisal], QuerySet[MemberAppraisal]]:
    """A member's grades over the years, newest first."""
    query = MemberAppraisal.filter(readable(actor, "party_appraisal"), member_id=member_id)
    return await newest_first(query, page, column="recorded_at")


async def own(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[MemberAppraisal], QuerySet[MemberAppraisal]]:
    """A member's own grades, newest first: a citizen's account is matched to party members by
    the phone its holder proved at registration (staff accounts' phones are typed in by others,
    so they match nothing)."""
    none = MemberAppraisal.filter(id__in=[])
    if actor.user_id is None or not any(a.role == Role.CITIZEN for a in actor.assignments):
        return await newest_first(none, page, column="recorded_at")
    user = await User.get_or_none(id=actor.user_id, is_active=True)
    if user is None or not user.phone:
        return await newest_first(none, page, column="recorded_at")
    members = await PartyMember.filter(person__phone=user.phone).values_list("id", flat=True)
    query = MemberAppraisal.filter(member_id__in=list(members))
    return await newest_first(query, page, column="recorded_at")


async def satisfaction(region_code: str, year: int) -> tuple[int, int]:
    """(rated, satisfied) of the events and appeals reported in the region that year."""
    start = datetime.combine(date(year, 1, 1), time(), LOCAL)
    end = datetime.combine(date(year + 1, 1, 1), time(), LOCAL)
    rated = Event.filter(
        region_code__startswith=region_code,
        reported_at__gte=start,
        reported_at__lt=end,
        satisfaction__isnull=False,
    )
    return await rated.count(), await rated.filter(satisfaction__gte=SATISFIED_FROM).count()


async def appraise_branch(
    *, actor: Principal, organisation_id: uuid.UUID, year: int, grade: Grade, note: str
) -> BranchAppraisal:
    """年终考评: the organisation above grades a branch, its region's satisfaction kept beside."""
    note = _note(note)
    branch = await _branch(actor, organisation_id)
    authorize(actor.assignments, "party_appraisal", "appraise_branch", at=branch.region_code)
    year = _year(year)
    rated, satisfied = await satisfaction(branch.region_code, year)
    share = (Decimal(satisfied) / Decimal(rated)).quantize(Decimal("0.0001")) if rated else None
    try:
        return await BranchAppraisal.create(
            id=uuid.uuid4(),
            organisation_id=branch.id,
            organisation_name=branch.name,
            region_code=branch.region_code,
            year=year,
            rated=rated,
            satisfied=satisfied,
            satisfaction=share,
            grade=grade,
            note=note,
            appraised_by_id=actor.user_id,
            appraised_at=clock.now(),
        )
    except IntegrityError as error:
        raise ValidationFailed(
            _("the branch is already appraised for {year}", year=year),
            field="year",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error


async def branch_appraisals(
    *, actor: Principal, region_code: str, year: int | None, page: PageRequest
) -> tuple[Page[BranchAppraisal], QuerySet[BranchAppraisal]]:
    """Year-end appraisals of the branches under a region, newest first."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "party_appraisal", "read", at=region_code)
    query = BranchAppraisal.filter(
        readable(actor, "party_appraisal"), Q(region_code__startswith=region_code)
    )
    if year is not None:
        query = query.filter(year=year)
    return await newest_first(query, page, column="appraised_at")
