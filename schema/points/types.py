"""GraphQL types of dual-post points."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry

from api.domains.points.enums import ClaimStatus, MemberKind, MemberStatus, PledgeStatus, SourceKind
from api.domains.points.models import (
    LedgerEntry,
    PeriodSnapshotEntry,
    Pledge,
    PointsMember,
    PostClaim,
    WelfarePost,
)
from api.domains.points.periods import bounds
from api.flows.models import FlowStep
from schema.hierarchy.types import GeoPoint
from schema.types import Info

MemberKindType = strawberry.enum(MemberKind, name="PointsMemberKind")
MemberStatusType = strawberry.enum(MemberStatus, name="PointsMemberStatus")
ClaimStatusType = strawberry.enum(ClaimStatus, name="PostClaimStatus")
PledgeStatusType = strawberry.enum(PledgeStatus, name="PledgeStatus")
SourceKindType = strawberry.enum(SourceKind, name="PointsSourceKind")


def _point(lat: float | None, lng: float | None) -> GeoPoint | None:
    return GeoPoint(lat=lat, lng=lng) if lat is not None and lng is not None else None


@strawberry.type(name="PointsBalance", description="Points and service hours.")
class BalanceType:
    points: Decimal
    hours: Decimal


@strawberry.type(
    name="PointsMember", description="A member earning points in a community (双岗双争)."
)
class PointsMemberType:
    uuid: strawberry.ID
    kind: MemberKind
    status: MemberStatus
    name: str
    region_code: str = strawberry.field(description="The community reported to (双报到).")
    employer_organisation: str = strawberry.field(description="The employer's party organisation.")
    consents_to_publish: bool = strawberry.field(description="Name shown on the leaderboard.")
    created_at: datetime

    @strawberry.field(description="The balance of a period (e.g. 2026Q4), else of all time.")
    async def balance(self, info: Info, period_key: str | None = None) -> BalanceType:
        if period_key is not None:
            bounds(period_key)  # a malformed period is the client's error, not a zero
        totals = await info.context.loaders.points_balance.load(
            (uuid.UUID(str(self.uuid)), period_key)
        )
        return BalanceType(points=totals.points, hours=totals.hours)

    @classmethod
    def from_model(cls, member: PointsMember) -> PointsMemberType:
        return cls(
            uuid=strawberry.ID(str(member.id)),
            kind=MemberKind(member.kind),
            status=MemberStatus(member.status),
            name=member.name,
            region_code=member.region_code,
            employer_organisation=member.employer_organisation,
            consents_to_publish=member.consents_to_publish,
            created_at=member.created_at,
        )


@strawberry.type(name="WelfarePost", description="A public-welfare post (公益岗位).")
class WelfarePostType:
    uuid: strawberry.ID
    region_code: str
    title: str
    description: str
    place: str
    location: GeoPoint | None
    starts_at: datetime
    ends_at: datetime
    slots: int
    claimed: int = strawberry.field(description="Slots taken.")
    skills: list[str]
    points: Decimal = strawberry.field(description="Credited per verified completion.")
    hours: Decimal = strawberry.field(description="Service hours credited per completion.")
    status: str

    @classmethod
    def from_model(cls, post: WelfarePost) -> WelfarePostType:
        return cls(
            uuid=strawberry.ID(str(post.id)),
            region_code=post.region_code,
            title=post.title,
            description=post.description,
            place=post.place,
            location=_point(post.lat, post.lng),
            starts_at=post.starts_at,
            ends_at=post.ends_at,
            slots=post.slots,
            claimed=post.claimed,
            skills=list(post.skills),
            points=post.points,
            hours=post.hours,
            status=post.status,
        )


@strawberry.type(description="A step of a claim's or a pledge's history (跟踪问诺 included).")
class PointsStep:
    action: str
    actor_label: str
    from_status: str | None
    to_status: str | None
    note: str
    at: datetime

    @classmethod
    def from_model(cls, step: FlowStep) -> PointsStep:
        return cls(
            action=step.action,
            actor_label=step.actor_label,
            from_status=step.from_status,
            to_status=step.to_status,
            note=step.note,
            at=step.at,
        )


async def _timeline(info: Info, record_id: strawberry.ID) -> list[PointsStep]:
    steps = await info.context.loaders.points_steps.load(uuid.UUID(str(record_id)))
    return [PointsStep.from_model(step) for step in steps]


@strawberry.type(description="A photo of a claim's evidence.")
class ClaimPhoto:
    url: str = strawberry.field(
        description="Download with the same credentials (the member and the checking staff)."
    )
    content_type: str
    size: int
    filename: str


@strawberry.type(name="PostClaim", description="A member's claim of a post.")
class PostClaimType:
    uuid: strawberry.ID
    post_id: strawberry.ID
    member_id: strawberry.ID
    title: str
    status: ClaimStatus
    stage: str | None
    due_at: datetime | None
    card: str
    evidence: str
    photo_count: int
    photos: list[ClaimPhoto] = strawberry.field(description="The evidence photos.")
    location: GeoPoint | None
    done_at: datetime | None
    remark: str
    verified_at: datetime | None
    version: int

    @strawberry.field(description="Claimed, completed, returned, verified: oldest first.")
    async def timeline(self, info: Info) -> list[PointsStep]:
        return await _timeline(info, self.uuid)

    @classmethod
    def from_model(cls, claim: PostClaim) -> PostClaimType:
        return cls(
            uuid=strawberry.ID(str(claim.id)),
            post_id=strawberry.ID(str(claim.post_id)),
            member_id=strawberry.ID(str(claim.member_id)),
            title=claim.title,
            status=ClaimStatus(claim.status),
            stage=claim.stage,
            due_at=claim.due_at,
            card=claim.card,
            evidence=claim.evidence,
            photo_count=len(claim.evidence_files),
            photos=[
                ClaimPhoto(
                    url=f"/claim-photos/{claim.id}/{index}",
                    content_type=found["content_type"],
                    size=found["size"],
                    filename=found["filename"],
                )
                for index, found in enumerate(claim.evidence_files)
            ],
            location=_point(claim.lat, claim.lng),
            done_at=claim.done_at,
            remark=claim.remark,
            verified_at=claim.verified_at,
            version=claim.version,
        )


@strawberry.type(name="LedgerEntry", description="A credit or debit of the points ledger.")
class LedgerEntryType:
    id: strawberry.ID
    points: Decimal
    hours: Decimal
    source_kind: SourceKind
    source_key: str
    rule_version: int | None = strawberry.field(description="The rules that priced it.")
    reason: str
    verifier: str = strawberry.field(description="Who verified or adjusted it.")
    period_key: str = strawberry.field(description="The period it counts in.")
    at: datetime

    @classmethod
    def from_model(cls, entry: LedgerEntry) -> LedgerEntryType:
        return cls(
            id=strawberry.ID(str(entry.id)),
            points=entry.points,
            hours=entry.hours,
            source_kind=SourceKind(entry.source_kind),
            source_key=entry.source_key,
            rule_version=entry.rule_version,
            reason=entry.reason,
            verifier=entry.verifier_label,
            period_key=entry.period_key,
            at=entry.at,
        )


@strawberry.type(name="Pledge", description="A member's pledge for a period (承诺).")
class PledgeType:
    uuid: strawberry.ID
    member_id: strawberry.ID
    period_key: str
    text: str
    status: PledgeStatus
    resident_score: Decimal | None = strawberry.field(description="Residents' average, 1–5.")
    resident_ratings: int
    branch_score: int | None
    rating: Decimal | None = strawberry.field(description="The published rating, 1–5.")
    kept: bool | None
    rated_at: datetime | None
    version: int

    @strawberry.field(description="Made, followed up (跟踪问诺), rated: oldest first.")
    async def timeline(self, info: Info) -> list[PointsStep]:
        return await _timeline(info, self.uuid)

    @classmethod
    def from_model(cls, pledge: Pledge) -> PledgeType:
        return cls(
            uuid=strawberry.ID(str(pledge.id)),
            member_id=strawberry.ID(str(pledge.member_id)),
            period_key=pledge.period_key,
            text=pledge.text,
            status=PledgeStatus(pledge.status),
            resident_score=pledge.resident_score,
            resident_ratings=pledge.resident_ratings,
            branch_score=pledge.branch_score,
            rating=pledge.rating,
            kept=pledge.kept,
            rated_at=pledge.rated_at,
            version=pledge.version,
        )


@strawberry.type(description="A member's figures in a period (考核).")
class MemberFigures:
    member: PointsMemberType
    points: Decimal
    hours: Decimal
    posts_completed: int
    pledges_kept: int
    meetings_attended: int


@strawberry.type(description="A place on a frozen period's leaderboard.")
class LeaderboardEntry:
    rank: int
    name: str | None = strawberry.field(description="Only of members who consented.")
    points: Decimal
    hours: Decimal
    posts_completed: int
    pledges_kept: int
    meetings_attended: int

    @classmethod
    def from_model(cls, entry: PeriodSnapshotEntry, name: str | None) -> LeaderboardEntry:
        return cls(
            rank=entry.rank,
            name=name,
            points=entry.points,
            hours=entry.hours,
            posts_completed=entry.posts_completed,
            pledges_kept=entry.pledges_kept,
            meetings_attended=entry.meetings_attended,
        )


@strawberry.type(description="A rated pledge as published (民主评诺).")
class PublishedPledge:
    period_key: str
    text: str
    rating: Decimal | None
    kept: bool | None
    name: str | None = strawberry.field(description="Only of members who consented.")


@strawberry.type(description="A frozen period of a community.")
class FrozenPeriod:
    region_code: str
    period_key: str
    first_day: date
    last_day: date
    rules_version: int
    frozen_at: datetime
