"""GraphQL of party work: appraisal rounds of members per branch (民主评议党员), year-end
appraisals of branches (年终考评), and the village officials roster (大学生村官)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from api.domains.partywork import appraisals, officials
from api.domains.partywork.enums import Basis, Grade, RoundStatus
from api.domains.partywork.models import (
    AppraisalRound,
    BranchAppraisal,
    MemberAppraisal,
    VillageOfficial,
    VillageOfficialAppraisal,
)
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.pagination import page_request
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(Grade, name="AppraisalGrade", description="优秀, 合格, 基本合格, 不合格.")
strawberry.enum(Basis, name="AppraisalBasis", description="The members' votes, or the committee.")
strawberry.enum(RoundStatus, name="AppraisalRoundStatus", description="Open, or closed (final).")

MAX_VOTE_ROWS = len(Grade)


def _uuid(value: strawberry.ID, what: str) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value)
    return parsed


@strawberry.type(name="MemberAppraisal", description="A member's grade in a round.")
class MemberAppraisalType:
    id: strawberry.ID
    round_id: strawberry.ID
    member_id: strawberry.ID
    member_name: str
    year: int
    grade: Grade
    basis: Basis
    votes: list[GradeVotes]
    note: str
    recorded_at: datetime

    @classmethod
    def from_model(cls, row: MemberAppraisal) -> MemberAppraisalType:
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            member_id=strawberry.ID(str(row.member_id)),
            member_name=row.member_name,
            year=row.year,
            grade=row.grade,
            basis=row.basis,
            votes=[GradeVotes(grade=Grade(g), votes=v) for g, v in row.votes.items()],
            note=row.note,
            recorded_at=row.recorded_at,
        )


@strawberry.type(description="Votes cast for one grade.")
class GradeVotes:
    grade: Grade
    votes: int


@strawberry.type(
    name="AppraisalRound", description="A branch's appraisal of its members in a year."
)
class AppraisalRoundType:
    id: strawberry.ID
    organisation_id: strawberry.ID
    organisation_name: str
    region_code: str
    year: int
    status: RoundStatus
    opened_at: datetime
    closed_at: datetime | None
    results: list[MemberAppraisalType] = strawberry.field(description="Members graded so far.")

    @classmethod
    def from_model(
        cls, row: AppraisalRound, results: list[MemberAppraisal] | None = None
    ) -> AppraisalRoundType:
        return cls(
            id=strawberry.ID(str(row.id)),
            organisation_id=strawberry.ID(str(row.organisation_id)),
            organisation_name=row.organisation_name,
            region_code=row.region_code,
            year=row.year,
            status=row.status,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            results=[MemberAppraisalType.from_model(r) for r in results or []],
        )


@strawberry.type(
    name="BranchAppraisal",
    description="A branch's year-end appraisal (年终考评) with its region's satisfaction.",
)
class BranchAppraisalType:
    id: strawberry.ID
    organisation_id: strawberry.ID
    organisation_name: str
    region_code: str
    year: int
    rated: int = strawberry.field(description="Events and appeals rated that year.")
    satisfied: int = strawberry.field(description="Of those, rated 4 or 5.")
    satisfaction: Decimal | None = strawberry.field(description="群众满意度 = satisfied / rated.")
    grade: Grade
    note: str
    appraised_at: datetime

    @classmethod
    def from_model(cls, row: BranchAppraisal) -> BranchAppraisalType:
        return cls(
            id=strawberry.ID(str(row.id)),
            organisation_id=strawberry.ID(str(row.organisation_id)),
            organisation_name=row.organisation_name,
            region_code=row.region_code,
            year=row.year,
            rated=row.rated,
            satisfied=row.satisfied,
            satisfaction=row.satisfaction,
            grade=row.grade,
            note=row.note,
            appraised_at=row.appraised_at,
        )


@strawberry.type(description="A village official's appraisal of a year.")
class YearlyAppraisal:
    year: int
    grade: Grade
    note: str

    @classmethod
    def from_model(cls, row: VillageOfficialAppraisal) -> YearlyAppraisal:
        return cls(year=row.year, grade=row.grade, note=row.note)


@strawberry.type(
    name="VillageOfficial", description="A college-graduate village official (大学生村官)."
)
class VillageOfficialType:
    id: strawberry.ID
    person_id: strawberry.ID
    person_name: str
    community_code: str = strawberry.field(description="The village (community) served.")
    post: str
    term_start: date
    term_end: date
    appraisals: list[YearlyAppraisal]

    @classmethod
    def from_model(
        cls, row: VillageOfficial, rows: list[VillageOfficialAppraisal]
    ) -> VillageOfficialType:
        return cls(
            id=strawberry.ID(str(row.id)),
            person_id=strawberry.ID(str(row.person_id)),
            person_name=row.person_name,
            community_code=row.community_code,
            post=row.post,
            term_start=row.term_start,
            term_end=row.term_end,
            appraisals=[YearlyAppraisal.from_model(r) for r in rows],
        )


@strawberry.input(description="Votes cast for one grade.")
class GradeVotesInput:
    grade: Grade
    votes: int


@strawberry.input(description="A member's grade: by the votes, or by the committee's decision.")
class AppraiseMemberInput:
    round_id: strawberry.ID
    member_id: strawberry.ID
    basis: Basis
    grade: Grade | None = strawberry.field(default=None, description="By committee only.")
    votes: list[GradeVotesInput] | None = strawberry.field(
        default=None, description="By vote only: the grade most voted for is given."
    )
    note: str = ""


@strawberry.input(description="A person put on the village officials roster.")
class VillageOfficialInput:
    person_id: strawberry.ID
    community_code: str
    post: str
    term_start: date
    term_end: date


@strawberry.type(description="The round as it stands.")
class AppraisalRoundPayload:
    round: AppraisalRoundType


@strawberry.type(description="The member's grade as stored.")
class MemberAppraisalPayload:
    appraisal: MemberAppraisalType


@strawberry.type(description="The branch's appraisal as stored.")
class BranchAppraisalPayload:
    appraisal: BranchAppraisalType


@strawberry.type(description="The official as stored.")
class VillageOfficialPayload:
    official: VillageOfficialType


AppraisalRoundResult = Annotated[
    AppraisalRoundPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AppraisalRoundResult", description="Outcome of opening or closing a round."),
]
MemberAppraisalResult = Annotated[
    MemberAppraisalPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MemberAppraisalResult", description="Outcome of grading a member."),
]
BranchAppraisalResult = Annotated[
    BranchAppraisalPayload | ValidationError | NotFoundError,
    strawberry.union("BranchAppraisalResult", description="Outcome of appraising a branch."),
]
VillageOfficialResult = Annotated[
    VillageOfficialPayload | ValidationError | NotFoundError,
    strawberry.union("VillageOfficialResult", description="Outcome of a roster change."),
]


@strawberry.type
class PartyWorkQuery:
    @strawberry.field(
        description="An appraisal round with its results; null if not found or out of scope.",
        extensions=allow("party_appraisal", "read"),
    )
    async def appraisal_round(self, info: Info, id: strawberry.ID) -> AppraisalRoundType | None:
        parsed = parse_uuid(id)
        if parsed is None:
            return None
        try:
            found, rows = await appraisals.results(actor=info.context.principal, round_id=parsed)
        except NotFound:
            return None
        return AppraisalRoundType.from_model(found, rows)

    @strawberry.field(
        description="The appraisal rounds of the branches under a region (民主评议), newest "
        "first, each with its results: the organisation above reads its branches' rounds.",
        extensions=allow("party_appraisal", "read"),
    )
    async def appraisal_rounds(
        self,
        info: Info,
        region_code: str,
        year: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AppraisalRoundType]:
        page, filtered = await appraisals.rounds(
            actor=info.context.principal,
            region_code=region_code,
            year=year,
            page=page_request(first, after),
        )
        results = await appraisals.results_of([row.id for row in page.items])
        return connection(
            page, filtered, lambda row: AppraisalRoundType.from_model(row, results[row.id])
        )

    @strawberry.field(
        description="A party member's grades over the years, newest first.",
        extensions=allow("party_appraisal", "read"),
    )
    async def member_appraisals(
        self,
        info: Info,
        member_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MemberAppraisalType]:
        page, filtered = await appraisals.member_history(
            actor=info.context.principal,
            member_id=_uuid(member_id, "party member"),
            page=page_request(first, after),
        )
        return connection(page, filtered, MemberAppraisalType.from_model)

    @strawberry.field(
        description="Your own grades as a party member, newest first (a citizen's account, "
        "matched by the phone proved at registration).",
        extensions=signed_in(),
    )
    async def my_appraisals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MemberAppraisalType]:
        page, filtered = await appraisals.own(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, MemberAppraisalType.from_model)

    @strawberry.field(
        description="Year-end appraisals of the branches under a region, newest first.",
        extensions=allow("party_appraisal", "read"),
    )
    async def branch_appraisals(
        self,
        info: Info,
        region_code: str,
        year: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[BranchAppraisalType]:
        page, filtered = await appraisals.branch_appraisals(
            actor=info.context.principal,
            region_code=region_code,
            year=year,
            page=page_request(first, after),
        )
        return connection(page, filtered, BranchAppraisalType.from_model)

    @strawberry.field(
        description="Village officials serving under a township or district, newest first.",
        extensions=allow("village_official", "read"),
    )
    async def village_officials(
        self,
        info: Info,
        region_code: str,
        serving_on: date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VillageOfficialType]:
        page, filtered = await officials.roster(
            actor=info.context.principal,
            region_code=region_code,
            serving_on=serving_on,
            page=page_request(first, after),
        )
        found = await officials.appraisals_of([row.id for row in page.items])
        return connection(
            page, filtered, lambda row: VillageOfficialType.from_model(row, found[row.id])
        )


@strawberry.type
class PartyWorkMutation:
    @strawberry.mutation(
        description="Open a branch's appraisal round of its members for a year (民主评议党员).",
        extensions=allow("party_appraisal", "record"),
    )
    async def open_appraisal_round(
        self, info: Info, organisation_id: strawberry.ID, year: int
    ) -> AppraisalRoundResult:
        found = await appraisals.open_round(
            actor=info.context.principal,
            organisation_id=_uuid(organisation_id, "party organisation"),
            year=year,
        )
        return AppraisalRoundPayload(round=AppraisalRoundType.from_model(found))

    @strawberry.mutation(
        description="Grade a member in a round, once: by the votes or the committee.",
        extensions=allow("party_appraisal", "record"),
    )
    async def appraise_member(
        self, info: Info, input: AppraiseMemberInput
    ) -> MemberAppraisalResult:
        votes = None
        if input.votes is not None:
            if len(input.votes) > MAX_VOTE_ROWS or len({v.grade for v in input.votes}) != len(
                input.votes
            ):
                raise ValidationFailed(_("each grade's votes once"), field="votes")
            votes = {v.grade: v.votes for v in input.votes}
        row = await appraisals.appraise_member(
            actor=info.context.principal,
            round_id=_uuid(input.round_id, "appraisal round"),
            member_id=_uuid(input.member_id, "party member"),
            basis=input.basis,
            grade=input.grade,
            votes=votes,
            note=input.note,
        )
        return MemberAppraisalPayload(appraisal=MemberAppraisalType.from_model(row))

    @strawberry.mutation(
        description="Close a round: its grades are final.",
        extensions=allow("party_appraisal", "record"),
    )
    async def close_appraisal_round(self, info: Info, id: strawberry.ID) -> AppraisalRoundResult:
        found = await appraisals.close_round(
            actor=info.context.principal, round_id=_uuid(id, "appraisal round")
        )
        _unused, rows = await appraisals.results(actor=info.context.principal, round_id=found.id)
        return AppraisalRoundPayload(round=AppraisalRoundType.from_model(found, rows))

    @strawberry.mutation(
        description="年终考评: grade a branch for a year; its region's satisfaction with events "
        "and appeals is taken beside the grade.",
        extensions=allow("party_appraisal", "appraise_branch"),
    )
    async def appraise_branch(
        self, info: Info, organisation_id: strawberry.ID, year: int, grade: Grade, note: str = ""
    ) -> BranchAppraisalResult:
        row = await appraisals.appraise_branch(
            actor=info.context.principal,
            organisation_id=_uuid(organisation_id, "party organisation"),
            year=year,
            grade=grade,
            note=note,
        )
        return BranchAppraisalPayload(appraisal=BranchAppraisalType.from_model(row))

    @strawberry.mutation(
        description="Put a person on the village officials roster (大学生村官) for a village.",
        extensions=allow("village_official", "register"),
    )
    async def register_village_official(
        self, info: Info, input: VillageOfficialInput
    ) -> VillageOfficialResult:
        row = await officials.register(
            actor=info.context.principal,
            person_id=_uuid(input.person_id, "person"),
            community_code=input.community_code,
            post=input.post,
            term_start=input.term_start,
            term_end=input.term_end,
        )
        return VillageOfficialPayload(official=VillageOfficialType.from_model(row, []))

    @strawberry.mutation(
        description="The township's yearly appraisal of a village official.",
        extensions=allow("village_official", "register"),
    )
    async def appraise_village_official(
        self, info: Info, id: strawberry.ID, year: int, grade: Grade, note: str = ""
    ) -> VillageOfficialResult:
        official_id = _uuid(id, "village official")
        await officials.appraise(
            actor=info.context.principal,
            official_id=official_id,
            year=year,
            grade=grade,
            note=note,
        )
        official = await officials.get(actor=info.context.principal, official_id=official_id)
        found = await officials.appraisals_of([official.id])
        return VillageOfficialPayload(
            official=VillageOfficialType.from_model(official, found[official.id])
        )
