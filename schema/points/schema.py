"""Dual-post points (双岗双争): members, welfare posts and claims, pledges, the ledger,
assessment and the public leaderboard."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, cast

import strawberry
from strawberry.file_uploads import Upload

from api import geo
from api.domains.engagement.verification import phone_verifier
from api.domains.events.attachments import store_uploads
from api.domains.points import assessment, ledger, members, pledges, posts
from api.domains.points.enums import ClaimStatus, MemberStatus
from api.domains.points.models import (
    LedgerEntry,
    PeriodSnapshot,
    PeriodSnapshotEntry,
    PointsMember,
)
from api.domains.points.periods import current_period
from api.errors import NotFound, RateLimited
from api.pagination import page_request
from api.uploads import UploadedFile
from schema.errors import (
    ConflictError,
    DomainErrorResults,
    NotAllowedError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from schema.geo import convert_to_wgs84, datum_field
from schema.hierarchy.types import GeoPointInput
from schema.pagination import Connection, connection
from schema.permissions import allow, public, signed_in
from schema.points.types import (
    FrozenPeriod,
    LeaderboardEntry,
    LedgerEntryType,
    MemberFigures,
    PledgeType,
    PointsMemberType,
    PostClaimType,
    PublishedPledge,
    WelfarePostType,
)
from schema.scalars import parse_uuid
from schema.types import Info


def _uuid(value: strawberry.ID, what: str) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value)
    return parsed


# ---------------------------------------------------------------- inputs and results


@strawberry.input(description="What a member tells the community they report to (双报到).")
class JoinDualPostInput:
    name: str
    id_number: str = strawberry.field(description="Links you to your registry record.")
    community_code: str = strawberry.field(description="The community where you live.")
    employer_organisation: str = strawberry.field(
        default="", description="Your employer's party organisation."
    )
    consents_to_publish: bool = strawberry.field(
        default=False, description="Show your name on the public leaderboard."
    )


@strawberry.input(description="A new member's phone account and what they report.")
class RegisterDualPostMemberInput:
    phone: str = strawberry.field(description="A mobile number; Chinese numbers may omit +86.")
    password: str = strawberry.field(description="≥ 10 characters mixing three kinds.")
    verification_code: str = strawberry.field(description="The code sent by requestPhoneCode.")
    member: JoinDualPostInput


@strawberry.type(description="The member as stored.")
class PointsMemberPayload:
    member: PointsMemberType


PointsMemberResult = Annotated[
    PointsMemberPayload
    | ValidationError
    | NotFoundError
    | ConflictError
    | NotAllowedError
    | RateLimitedError,
    strawberry.union("PointsMemberResult", description="Outcome of a change to a member."),
]


@strawberry.input(description="A public-welfare post (公益岗位).")
class WelfarePostInput:
    region_code: str = strawberry.field(description="The community publishing it.")
    title: str
    starts_at: datetime
    ends_at: datetime = strawberry.field(description="Claims close and work is due then.")
    slots: int
    points: Decimal = strawberry.field(description="Credited per verified completion.")
    hours: Decimal = strawberry.field(
        default=Decimal(0), description="Service hours per completion."
    )
    description: str = ""
    place: str = ""
    location: GeoPointInput | None = None
    skills: list[str] = strawberry.field(default_factory=list)


@strawberry.type(description="The post as stored.")
class WelfarePostPayload:
    post: WelfarePostType


WelfarePostResult = Annotated[
    WelfarePostPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("WelfarePostResult", description="Outcome of publishing a post."),
]


@strawberry.type(description="The claim as stored.")
class PostClaimPayload:
    claim: PostClaimType


PostClaimResult = Annotated[
    PostClaimPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PostClaimResult", description="Outcome of a change to a claim."),
]


@strawberry.input(description="A manual credit or debit (negative) of the ledger.")
class AdjustPointsInput:
    member_id: strawberry.ID
    points: Decimal = Decimal(0)
    hours: Decimal = Decimal(0)
    reason: str = strawberry.field(description="Required: why.")
    request_id: uuid.UUID = strawberry.field(
        description="Chosen by the client: a retry books once."
    )


@strawberry.type(description="The ledger entry as booked.")
class LedgerEntryPayload:
    entry: LedgerEntryType


LedgerEntryResult = Annotated[
    LedgerEntryPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("LedgerEntryResult", description="Outcome of an adjustment."),
]


@strawberry.type(description="The pledge as stored.")
class PledgePayload:
    pledge: PledgeType


PledgeResult = Annotated[
    PledgePayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PledgeResult", description="Outcome of a change to a pledge."),
]


@strawberry.type(description="The frozen period.")
class FrozenPeriodPayload:
    period: FrozenPeriod


FrozenPeriodResult = Annotated[
    FrozenPeriodPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("FrozenPeriodResult", description="Outcome of freezing a period."),
]


@strawberry.type(description="A frozen period's leaderboard (光荣榜).")
class Leaderboard:
    period: FrozenPeriod
    entries: Connection[LeaderboardEntry]


LeaderboardResult = Annotated[
    Leaderboard | ValidationError | NotFoundError,
    strawberry.union("LeaderboardResult", description="The leaderboard, or why not."),
]


@strawberry.input(
    name="PostsNearInput",
    description="Posts within a radius of a point (WGS-84 as a phone's GPS gives it, or GCJ-02).",
)
class PostsNearInput:
    lat: float
    lng: float
    datum: geo.Datum = datum_field()
    radius_metres: int = strawberry.field(default=3000, description="1 to 50 000.")

    def __post_init__(self) -> None:
        convert_to_wgs84(self, self.datum)


def _frozen(row: PeriodSnapshot) -> FrozenPeriod:
    return FrozenPeriod(
        region_code=row.region_code,
        period_key=row.period_key,
        first_day=row.first_day,
        last_day=row.last_day,
        rules_version=row.rules_version,
        frozen_at=row.created_at,
    )


def _member(member: PointsMember) -> PointsMemberPayload:
    return PointsMemberPayload(member=PointsMemberType.from_model(member))


def _claim(claim: object) -> PostClaimPayload:
    return PostClaimPayload(claim=PostClaimType.from_model(claim))  # type: ignore[arg-type]


def _pledge(pledge: object) -> PledgePayload:
    return PledgePayload(pledge=PledgeType.from_model(pledge))  # type: ignore[arg-type]


# ---------------------------------------------------------------- mutations


@strawberry.type
class PointsMutation:
    @strawberry.mutation(
        description="注册: a phone account (verified by the code sent) and your report to the"
        " community where you live, linked to your registry record by ID number.",
        extensions=[DomainErrorResults(raises=(RateLimited,)), *public()],
    )
    async def register_dual_post_member(
        self, info: Info, input: RegisterDualPostMemberInput
    ) -> PointsMemberResult:
        member = await members.sign_up(
            account=members.SignUp(
                phone=input.phone,
                password=input.password,
                verification_code=input.verification_code,
            ),
            joining=_joining(input.member),
            verifier=phone_verifier(info.context.settings),
            throttle=info.context.throttle,
            ip=info.context.client_ip,
        )
        return _member(member)

    @strawberry.mutation(
        description="双报到 from your citizen's account: report to your community.",
        extensions=[DomainErrorResults(raises=(RateLimited,)), *signed_in()],
    )
    async def join_dual_post(self, info: Info, input: JoinDualPostInput) -> PointsMemberResult:
        return _member(await members.join(actor=info.context.principal, joining=_joining(input)))

    @strawberry.mutation(
        description="Confirm a member whose registry record was not found.",
        extensions=[DomainErrorResults(raises=(RateLimited,)), *allow("points_member", "confirm")],
    )
    async def confirm_points_member(self, info: Info, id: strawberry.ID) -> PointsMemberResult:
        member = await members.confirm(
            actor=info.context.principal, member_id=_uuid(id, "points member")
        )
        return _member(member)

    @strawberry.mutation(
        description="Whether your name may be shown on the public leaderboard.",
        extensions=[DomainErrorResults(raises=(RateLimited,)), *signed_in()],
    )
    async def set_leaderboard_consent(self, info: Info, consents: bool) -> PointsMemberResult:
        return _member(await members.set_consent(actor=info.context.principal, consents=consents))

    @strawberry.mutation(
        description="发布: a public-welfare post of a community.",
        extensions=allow("welfare_post", "publish"),
    )
    async def publish_welfare_post(self, info: Info, input: WelfarePostInput) -> WelfarePostResult:
        post = await posts.publish(
            actor=info.context.principal,
            data=posts.PostInput(
                region_code=input.region_code,
                title=input.title,
                description=input.description,
                place=input.place,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                slots=input.slots,
                points=input.points,
                hours=input.hours,
                skills=input.skills,
                lat=input.location.lat if input.location else None,
                lng=input.location.lng if input.location else None,
            ),
        )
        return WelfarePostPayload(post=WelfarePostType.from_model(post))

    @strawberry.mutation(
        description="认领: take a slot of a post.", extensions=allow("post_claim", "claim")
    )
    async def claim_welfare_post(self, info: Info, post_id: strawberry.ID) -> PostClaimResult:
        claim = await posts.claim(actor=info.context.principal, post_id=_uuid(post_id, "post"))
        return _claim(claim)

    @strawberry.mutation(
        description="完成: report your claim done, with evidence, within the post's period.",
        extensions=allow("post_claim", "claim"),
    )
    async def complete_post_claim(
        self,
        info: Info,
        id: strawberry.ID,
        evidence: str,
        location: GeoPointInput | None = None,
        version: int | None = None,
        photos: Annotated[
            list[Upload] | None,
            strawberry.argument(
                description="Photos (multipart upload; type sniffed, size bounded)."
            ),
        ] = None,
    ) -> PostClaimResult:
        settings = info.context.settings
        stored = (
            await store_uploads(
                cast("list[UploadedFile]", photos),
                root=settings.attachment_dir,
                max_bytes=settings.gridgov_max_upload_bytes,
                max_files=settings.gridgov_max_upload_files,
            )
            if photos
            else []
        )
        claim = await posts.complete(
            actor=info.context.principal,
            claim_id=_uuid(id, "claim"),
            evidence=evidence,
            files=stored,
            lat=location.lat if location else None,
            lng=location.lng if location else None,
            version=version,
        )
        return _claim(claim)

    @strawberry.mutation(
        description="审核通过: accept the work; the post's points are credited once.",
        extensions=allow("post_claim", "verify"),
    )
    async def verify_post_claim(
        self, info: Info, id: strawberry.ID, remark: str = "", version: int | None = None
    ) -> PostClaimResult:
        claim = await posts.verify(
            actor=info.context.principal,
            claim_id=_uuid(id, "claim"),
            remark=remark,
            version=version,
        )
        return _claim(claim)

    @strawberry.mutation(
        description="退回: send the work back with a remark (required).",
        extensions=allow("post_claim", "verify"),
    )
    async def return_post_claim(
        self, info: Info, id: strawberry.ID, remark: str, version: int | None = None
    ) -> PostClaimResult:
        claim = await posts.send_back(
            actor=info.context.principal,
            claim_id=_uuid(id, "claim"),
            remark=remark,
            version=version,
        )
        return _claim(claim)

    @strawberry.mutation(
        description="A manual credit or debit of a member's points or hours, with its reason.",
        extensions=allow("points", "adjust"),
    )
    async def adjust_points(self, info: Info, input: AdjustPointsInput) -> LedgerEntryResult:
        actor = info.context.principal
        member = await members.readable_member(actor, _uuid(input.member_id, "points member"))
        entry = await ledger.adjust(
            member=member,
            actor=actor,
            points=input.points,
            hours=input.hours,
            reason=input.reason,
            request_id=input.request_id,
        )
        return LedgerEntryPayload(entry=LedgerEntryType.from_model(entry))

    @strawberry.mutation(
        description="承诺: your pledge for this period (or the next).", extensions=signed_in()
    )
    async def make_pledge(
        self, info: Info, text: str, period_key: str | None = None
    ) -> PledgeResult:
        return _pledge(
            await pledges.make(actor=info.context.principal, text=text, period_key=period_key)
        )

    @strawberry.mutation(
        description="跟踪问诺: note how a pledge is being kept.",
        extensions=allow("pledge", "follow_up"),
    )
    async def follow_up_pledge(self, info: Info, id: strawberry.ID, note: str) -> PledgeResult:
        pledge = await pledges.follow_up(
            actor=info.context.principal, pledge_id=_uuid(id, "pledge"), note=note
        )
        return _pledge(pledge)

    @strawberry.mutation(
        description="民主评诺: a resident's score of a pledge once its period is over.",
        extensions=allow("pledge_rating", "rate"),
    )
    async def rate_pledge_as_resident(
        self, info: Info, id: strawberry.ID, score: int, comment: str = ""
    ) -> PledgeResult:
        pledge = await pledges.rate_as_resident(
            actor=info.context.principal,
            pledge_id=_uuid(id, "pledge"),
            score=score,
            comment=comment,
        )
        return _pledge(pledge)

    @strawberry.mutation(
        description="评诺: the branch's score closes the rating and publishes it.",
        extensions=allow("pledge", "rate"),
    )
    async def rate_pledge(
        self, info: Info, id: strawberry.ID, branch_score: int, note: str = ""
    ) -> PledgeResult:
        pledge = await pledges.rate(
            actor=info.context.principal,
            pledge_id=_uuid(id, "pledge"),
            branch_score=branch_score,
            note=note,
        )
        return _pledge(pledge)

    @strawberry.mutation(
        description="Freeze a community's ended period (the nightly job does it otherwise).",
        extensions=allow("points_period", "freeze"),
    )
    async def freeze_points_period(
        self, info: Info, region_code: str, period_key: str
    ) -> FrozenPeriodResult:
        snapshot = await assessment.freeze(
            actor=info.context.principal, region_code=region_code, period_key=period_key
        )
        return FrozenPeriodPayload(period=_frozen(snapshot))


def _joining(data: JoinDualPostInput) -> members.Joining:
    return members.Joining(
        name=data.name,
        id_number=data.id_number,
        community_code=data.community_code,
        employer_organisation=data.employer_organisation,
        consents_to_publish=data.consents_to_publish,
    )


# ---------------------------------------------------------------- queries


@strawberry.type
class PointsQuery:
    @strawberry.field(description="Your member record, if you registered.", extensions=signed_in())
    async def my_points_member(self, info: Info) -> PointsMemberType | None:
        member = await PointsMember.get_or_none(user_id=info.context.principal.user_id)
        return PointsMemberType.from_model(member) if member else None

    @strawberry.field(description="Your ledger entries, newest first.", extensions=signed_in())
    async def my_ledger(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[LedgerEntryType]:
        member = await members.me(info.context.principal)
        page = await ledger.entries_of(member_id=member.id, page=page_request(first, after))
        return connection(page, LedgerEntry.filter(member_id=member.id), LedgerEntryType.from_model)

    @strawberry.field(description="Your claims, newest first.", extensions=signed_in())
    async def my_post_claims(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PostClaimType]:
        page, filtered = await posts.my_claims(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, PostClaimType.from_model)

    @strawberry.field(description="Your pledges, newest first.", extensions=signed_in())
    async def my_pledges(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PledgeType]:
        page, filtered = await pledges.my_pledges(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, PledgeType.from_model)

    @strawberry.field(
        description="Posts in a community (yours by default) or near a point, soonest first.",
        extensions=allow("welfare_post", "read"),
    )
    async def welfare_posts(
        self,
        info: Info,
        region_code: str | None = None,
        near: PostsNearInput | None = None,
        open_only: bool = True,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WelfarePostType]:
        page, filtered = await posts.list_posts(
            actor=info.context.principal,
            region_code=region_code,
            near=(near.lat, near.lng, near.radius_metres) if near else None,
            open_only=open_only,
            page=page_request(first, after),
        )
        return connection(page, filtered, WelfarePostType.from_model)

    @strawberry.field(
        description="Claims of an area's posts, newest first.",
        extensions=allow("post_claim", "read"),
    )
    async def post_claims(
        self,
        info: Info,
        region_code: str,
        status: ClaimStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PostClaimType]:
        page, filtered = await posts.list_claims(
            actor=info.context.principal,
            region_code=region_code,
            status=status,
            page=page_request(first, after),
        )
        return connection(page, filtered, PostClaimType.from_model)

    @strawberry.field(
        description="A community's members and their figures in a period (default: now's).",
        extensions=allow("points_member", "read"),
    )
    async def points_members(
        self,
        info: Info,
        region_code: str,
        period_key: str | None = None,
        status: MemberStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MemberFigures]:
        actor = info.context.principal
        period = period_key or current_period()
        page, filtered = await members.list_members(
            actor=actor, region_code=region_code, status=status, page=page_request(first, after)
        )
        figures = await assessment.figures_of(
            actor=actor,
            region_code=region_code,
            period_key=period,
            member_ids=[m.id for m in page.items],
        )

        def shown(member: PointsMember) -> MemberFigures:
            found = figures.get(member.id)
            return MemberFigures(
                member=PointsMemberType.from_model(member),
                points=found.points if found else Decimal(0),
                hours=found.hours if found else Decimal(0),
                posts_completed=found.posts_completed if found else 0,
                pledges_kept=found.pledges_kept if found else 0,
                meetings_attended=found.meetings_attended if found else 0,
            )

        return connection(page, filtered, shown)

    @strawberry.field(
        description="A member's ledger, newest first.", extensions=allow("points", "read")
    )
    async def member_ledger(
        self,
        info: Info,
        member_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LedgerEntryType]:
        page, filtered = await members.member_entries(
            actor=info.context.principal,
            member_id=_uuid(member_id, "points member"),
            page=page_request(first, after),
        )
        return connection(page, filtered, LedgerEntryType.from_model)

    @strawberry.field(
        description="An area's pledges of a period, newest first.",
        extensions=allow("pledge", "read"),
    )
    async def pledges(
        self,
        info: Info,
        region_code: str,
        period_key: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PledgeType]:
        page, filtered = await pledges.list_pledges(
            actor=info.context.principal,
            region_code=region_code,
            period_key=period_key,
            page=page_request(first, after),
        )
        return connection(page, filtered, PledgeType.from_model)

    @strawberry.field(
        description="民主评诺 published: a community's rated pledges of a period, for everyone.",
        extensions=public(),
    )
    async def published_pledges(
        self,
        info: Info,
        region_code: str,
        period_key: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PublishedPledge]:
        page, filtered = await pledges.published(
            region_code=region_code, period_key=period_key, page=page_request(first, after)
        )
        names = dict(
            await PointsMember.filter(
                id__in=[p.member_id for p in page.items], consents_to_publish=True
            ).values_list("id", "name")
        )
        return connection(
            page,
            filtered,
            lambda p: PublishedPledge(
                period_key=p.period_key,
                text=p.text,
                rating=p.rating,
                kept=p.kept,
                name=names.get(p.member_id),
            ),
        )

    @strawberry.field(
        description="光荣榜: a community's frozen period, for everyone; names only of those who"
        " consented.",
        extensions=public(),
    )
    async def points_leaderboard(
        self,
        info: Info,
        region_code: str,
        period_key: str,
        first: int | None = None,
        after: str | None = None,
    ) -> LeaderboardResult:
        snapshot, page, names = await assessment.leaderboard(
            region_code=region_code, period_key=period_key, page=page_request(first, after)
        )
        return Leaderboard(
            period=_frozen(snapshot),
            entries=connection(
                page,
                PeriodSnapshotEntry.filter(snapshot_id=snapshot.id),
                lambda entry: LeaderboardEntry.from_model(entry, names.get(entry.member_id)),
            ),
        )
