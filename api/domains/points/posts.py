"""Public-welfare posts (公益岗位): a community publishes them; members claim, complete with
evidence, and the community verifies (crediting the ledger once) or returns the claim."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.diaries.scope import check, newest_first, readable, subtree
from api.domains.events.attachments import StoredFile
from api.domains.points import ledger
from api.domains.points.enums import (
    ClaimAction,
    ClaimStage,
    ClaimStatus,
    PostStatus,
    SourceKind,
)
from api.domains.points.flow import CLAIMS
from api.domains.points.members import active_member, me
from api.domains.points.models import PointsMember, PostClaim, WelfarePost
from api.domains.points.periods import period_of
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed
from api.flows import moves
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level

MAX_TITLE = 100
MAX_DESCRIPTION = 2000
MAX_PLACE = 200
MAX_SKILLS = 10
MAX_SKILL = 40
MAX_SLOTS = 1000
MAX_POINTS = Decimal("1000")
MAX_HOURS = Decimal("100")
MAX_EVIDENCE = 2000
MAX_REMARK = 1000
MAX_RADIUS_METRES = 50_000
MAX_POST_SPAN = timedelta(days=366)
EARTH_METRES = 6_371_000.0


@dataclass(frozen=True, slots=True)
class PostInput:
    region_code: str
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    points: Decimal
    hours: Decimal = Decimal(0)
    skills: Sequence[str] = ()
    lat: float | None = None
    lng: float | None = None


def _text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationFailed(_("{field} is required", field=field), field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(
            _("{field} is at most {limit} characters", field=field, limit=limit), field=field
        )
    return cleaned


def _position(
    lat: float | None, lng: float | None, *, field: str
) -> tuple[float | None, float | None]:
    if (lat is None) != (lng is None):
        raise ValidationFailed(_("give both latitude and longitude"), field=field)
    if (
        lat is not None
        and lng is not None
        and not (
            math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
        )
    ):
        raise ValidationFailed(_("not a position on Earth"), field=field)
    return lat, lng


def _decimal(value: Decimal, *, field: str, maximum: Decimal) -> Decimal:
    cleaned = ledger.amount(value, field=field)
    if not 0 <= cleaned <= maximum:
        raise ValidationFailed(
            _("{field} is 0 to {maximum}", field=field, maximum=maximum), field=field
        )
    return cleaned


async def publish(*, actor: Principal, data: PostInput) -> WelfarePost:
    """发布公益岗位: a post of a community, open for claims until its period ends."""
    if Level.of_code(data.region_code) is not Level.COMMUNITY:
        raise ValidationFailed(_("a post belongs to a community"), field="regionCode")
    check(actor, "welfare_post", "publish", at=data.region_code, what="the community")
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValidationFailed(_("give times with their zone"), field="startsAt")
    if data.ends_at <= data.starts_at or data.ends_at - data.starts_at > MAX_POST_SPAN:
        raise ValidationFailed(_("a post ends after it starts, within a year"), field="endsAt")
    if data.ends_at <= clock.now():
        raise ValidationFailed(_("the post's period is over already"), field="endsAt")
    if not 1 <= data.slots <= MAX_SLOTS:
        raise ValidationFailed(_("slots are 1 to {MAX_SLOTS}", MAX_SLOTS=MAX_SLOTS), field="slots")
    if len(data.skills) > MAX_SKILLS:
        raise ValidationFailed(
            _("at most {MAX_SKILLS} skills", MAX_SKILLS=MAX_SKILLS), field="skills"
        )
    skills = [_text(s, field="skills", limit=MAX_SKILL, required=True) for s in data.skills]
    lat, lng = _position(data.lat, data.lng, field="location")
    post = WelfarePost(
        id=uuid.uuid4(),
        region_code=data.region_code,
        title=_text(data.title, field="title", limit=MAX_TITLE, required=True),
        description=_text(data.description, field="description", limit=MAX_DESCRIPTION),
        place=_text(data.place, field="place", limit=MAX_PLACE),
        lat=lat,
        lng=lng,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        slots=data.slots,
        skills=list(dict.fromkeys(skills)),
        points=_decimal(data.points, field="points", maximum=MAX_POINTS),
        hours=_decimal(data.hours, field="hours", maximum=MAX_HOURS),
        status=PostStatus.OPEN,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    await post.save(force_create=True)
    return post


async def get_post(*, actor: Principal, post_id: uuid.UUID) -> WelfarePost:
    post = await WelfarePost.filter(readable(actor, "welfare_post"), id=post_id).first()
    if post is None:
        raise NotFound("post", post_id)
    return post


def _near(lat: float, lng: float, radius_metres: int) -> Q:
    """A box around the point holding the circle (the exact distance is checked after)."""
    dlat = math.degrees(radius_metres / EARTH_METRES)
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    return Q(lat__gte=lat - dlat, lat__lte=lat + dlat, lng__gte=lng - dlng, lng__lte=lng + dlng)


def _distance_sql(lat: float, lng: float) -> str:
    """The haversine distance from the point in SQL (the numbers are checked floats)."""
    return (
        f"2 * {EARTH_METRES} * asin(sqrt(power(sin(radians(lat - {lat:.8f}) / 2), 2)"
        f" + cos(radians({lat:.8f})) * cos(radians(lat))"
        f" * power(sin(radians(lng - {lng:.8f}) / 2), 2)))"
    )


async def list_posts(
    *,
    actor: Principal,
    region_code: str | None,
    near: tuple[float, float, int] | None,
    open_only: bool,
    page: PageRequest,
) -> tuple[Page[WelfarePost], QuerySet[WelfarePost]]:
    """Posts in a community (a member's own by default) or within a radius, soonest first."""
    query = WelfarePost.filter(readable(actor, "welfare_post"))
    if near is not None:
        lat, lng, radius = near
        _position(lat, lng, field="near")
        if not 1 <= radius <= MAX_RADIUS_METRES:
            raise ValidationFailed(
                _(
                    "a radius is 1 to {MAX_RADIUS_METRES} metres",
                    MAX_RADIUS_METRES=MAX_RADIUS_METRES,
                ),
                field="near",
            )
        # the box is a cheap test on plain columns; the great-circle distance decides
        query = (
            query.filter(_near(lat, lng, radius))
            .annotate(metres=RawSQL(_distance_sql(lat, lng)))
            .filter(metres__lte=radius)
        )
    if region_code is None and near is None:
        region_code = (await me(actor)).region_code
    if region_code is not None:
        if Level.of_code(region_code) is None:
            raise ValidationFailed(
                _("{region_code!r} is not a region code", region_code=region_code),
                field="regionCode",
            )
        # posts are read per community (policy.csv), like their claims and pledges
        check(actor, "welfare_post", "read", at=region_code, what="the area")
        query = query.filter(subtree([region_code]))
    if open_only:
        query = query.filter(status=PostStatus.OPEN, ends_at__gt=clock.now())
    filtered = query
    if page.after is not None:
        at, last = split_cursor(page.after)
        query = query.filter(Q(starts_at__gt=at) | Q(starts_at=at, id__gt=last))
    rows = await query.order_by("starts_at", "id").limit(page.first + 1)
    return make_page(rows, page, lambda p: f"{p.starts_at.isoformat()}|{p.id}"), filtered


async def claim(*, actor: Principal, post_id: uuid.UUID) -> PostClaim:
    """认领: a linked or confirmed member takes one of a post's slots."""
    member = await active_member(actor)
    async with in_transaction():
        post = (
            await WelfarePost.filter(readable(actor, "welfare_post"), id=post_id)
            .select_for_update()
            .first()
        )
        if post is None:
            raise NotFound("post", post_id)
        check(actor, "post_claim", "claim", at=post.region_code, what="the post")
        now = clock.now()
        if post.status != PostStatus.OPEN or post.ends_at <= now:
            raise Conflict(_("the post is closed"), code=ErrorCode.INVALID_TRANSITION)
        if await PostClaim.exists(post_id=post.id, member_id=member.id):
            raise Conflict(_("you have claimed this post already"), code=ErrorCode.ALREADY_EXISTS)
        if post.claimed >= post.slots:
            raise Conflict(
                _("the post's {slots} slots are taken", slots=post.slots), code=ErrorCode.CONFLICT
            )
        post.claimed += 1
        await post.save(update_fields=["claimed"])
        record = PostClaim(
            id=uuid.uuid4(),
            post_id=post.id,
            member_id=member.id,
            user_id=member.user_id,
            region_code=post.region_code,
            title=post.title,
            do_until=post.ends_at,
            status=ClaimStatus.CLAIMED,
            created_at=now,
        )
        await moves.start(
            CLAIMS, record, actor=actor, action=ClaimAction.CLAIM, stage=ClaimStage.DO
        )
    return record


def _mine(member_id: uuid.UUID) -> Q:
    return Q(member_id=member_id)


async def complete(
    *,
    actor: Principal,
    claim_id: uuid.UUID,
    evidence: str,
    files: Sequence[StoredFile] = (),
    lat: float | None = None,
    lng: float | None = None,
    version: int | None = None,
) -> PostClaim:
    """完成: the member reports the work done with text (and photos, a position) as evidence,
    within the post's period."""
    member = await active_member(actor)
    text = _text(evidence, field="evidence", limit=MAX_EVIDENCE)
    if not text and not files:
        raise ValidationFailed(_("say or show what was done"), field="evidence")
    lat, lng = _position(lat, lng, field="location")
    async with moves.transition(
        CLAIMS,
        actor=actor,
        record_id=claim_id,
        action=ClaimAction.COMPLETE,
        note=text,
        scope=_mine(member.id),
        expected_version=version,
    ) as move:
        if move.now > move.record.do_until:
            raise ValidationFailed(_("the post's period is over"), field="claim")
        move.record.evidence = text
        move.record.evidence_files = [
            {
                "sha256": f.sha256,
                "content_type": f.content_type,
                "size": f.size,
                "filename": f.filename,
            }
            for f in files
        ]
        move.record.lat, move.record.lng = lat, lng
        move.record.done_at = move.now
        move.attachment_ids = [f.sha256 for f in files]
    return move.record


@dataclass(slots=True)
class EvidenceFile:
    """One photo of a claim's evidence as kept (content-addressed by its digest)."""

    sha256: str
    content_type: str
    size: int
    filename: str


async def evidence_file(*, actor: Principal, claim_id: uuid.UUID, index: int) -> EvidenceFile:
    """One evidence photo of a claim, for its member and the staff who read the area's claims;
    anything else is not found."""
    condition = readable(actor, "post_claim")
    if actor.user_id is not None:
        condition |= Q(user_id=actor.user_id)
    claim = await PostClaim.filter(condition, id=claim_id).first()
    if claim is None or not 0 <= index < len(claim.evidence_files):
        raise NotFound("photo", f"{claim_id}/{index}")
    found = claim.evidence_files[index]
    return EvidenceFile(found["sha256"], found["content_type"], found["size"], found["filename"])


def _reviewer(actor: Principal, action: str) -> object:
    def authorize(claim: PostClaim) -> None:
        check(actor, "post_claim", action, at=claim.region_code, what="the claim")
        if claim.user_id is not None and claim.user_id == actor.user_id:
            raise NotAllowed(_("nobody verifies their own claim"))

    return authorize


async def verify(
    *, actor: Principal, claim_id: uuid.UUID, remark: str = "", version: int | None = None
) -> PostClaim:
    """审核通过: the community accepts the work; the post's points and hours are credited once."""
    note = _text(remark, field="remark", limit=MAX_REMARK)
    async with moves.transition(
        CLAIMS,
        actor=actor,
        record_id=claim_id,
        action=ClaimAction.VERIFY,
        note=note,
        scope=readable(actor, "post_claim"),
        expected_version=version,
        authorize=_reviewer(actor, "verify"),  # type: ignore[arg-type]
    ) as move:
        claim = move.record
        post = await WelfarePost.get(id=claim.post_id)
        member = await PointsMember.filter(id=claim.member_id).select_for_update().get()
        rules = await ledger.current_rules()
        await ledger.book(
            member=member,
            points=post.points,
            hours=post.hours,
            source=SourceKind.POST_COMPLETION,
            key=str(claim.id),
            verifier=actor,
            reason=post.title,
            rule_version=rules.version,
            period_key=period_of(claim.done_at or move.now),
        )
        claim.remark = note
        claim.verified_by_id = actor.user_id
        claim.verified_at = move.now
        await move.tell(
            [claim.user_id] if claim.user_id else [],
            kind="post_claim",
            title=_("Public-welfare post approved: {title}", title=post.title),
        )
    return move.record


async def send_back(
    *, actor: Principal, claim_id: uuid.UUID, remark: str, version: int | None = None
) -> PostClaim:
    """退回: the work is not accepted as it is; the member may complete it again in the period."""
    note = _text(remark, field="remark", limit=MAX_REMARK, required=True)
    async with moves.transition(
        CLAIMS,
        actor=actor,
        record_id=claim_id,
        action=ClaimAction.RETURN,
        note=note,
        scope=readable(actor, "post_claim"),
        expected_version=version,
        authorize=_reviewer(actor, "verify"),  # type: ignore[arg-type]
    ) as move:
        move.record.remark = note
        if move.record.user_id:
            await move.tell(
                [move.record.user_id],
                kind="post_claim",
                title=_("Public-welfare post sent back: {title}", title=move.record.title),
                body=note,
            )
    return move.record


async def my_claims(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[PostClaim], QuerySet[PostClaim]]:
    member = await me(actor)
    return await newest_first(PostClaim.filter(member_id=member.id), page)


async def list_claims(
    *, actor: Principal, region_code: str, status: ClaimStatus | None, page: PageRequest
) -> tuple[Page[PostClaim], QuerySet[PostClaim]]:
    """Claims of an area's posts, newest first (the community's work list)."""
    check(actor, "post_claim", "read", at=region_code, what="the area")
    query = PostClaim.filter(readable(actor, "post_claim"), subtree([region_code]))
    if status is not None:
        query = query.filter(status=status)
    return await newest_first(query, page)
