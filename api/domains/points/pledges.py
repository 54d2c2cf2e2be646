"""Pledges (承诺践诺): a member pledges for a period at least one real thing for the residents;
the community follows up (跟踪问诺); once the period ended residents and the branch rate it
(民主评诺), the rating is published, and a kept pledge is credited once."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.diaries.scope import check, newest_first, readable, subtree
from api.domains.engagement.service import citizen_of
from api.domains.points import ledger
from api.domains.points.enums import PledgeAction, PledgeStage, PledgeStatus, SourceKind
from api.domains.points.flow import PLEDGES
from api.domains.points.members import active_member, me
from api.domains.points.models import Pledge, PledgeRating, PointsMember
from api.domains.points.periods import bounds, current_period, ends_at, has_ended
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed
from api.flows import moves
from api.i18n import _
from api.pagination import Page, PageRequest

MAX_TEXT = 1000
MAX_COMMENT = 500
KEPT_AT = Decimal("3")  # a rating of 3 of 5 or better: kept


def _score(score: int, field: str) -> int:
    if not 1 <= score <= 5:
        raise ValidationFailed(_("a score is 1 to 5"), field=field)
    return score


def _text(value: str, *, field: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise ValidationFailed(_("{field} is required", field=field), field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(
            _("{field} is at most {limit} characters", field=field, limit=limit), field=field
        )
    return cleaned


async def make(*, actor: Principal, text: str, period_key: str | None = None) -> Pledge:
    """承诺: the member's pledge for the current period (or the next one)."""
    member = await active_member(actor)
    period = period_key or current_period()
    bounds(period)
    if has_ended(period):
        raise ValidationFailed(_("the period is over"), field="periodKey")
    if ends_at(period) > ends_at(current_period()) and period != _next(current_period()):
        raise ValidationFailed(_("pledge for this period or the next"), field="periodKey")
    pledge = Pledge(
        id=uuid.uuid4(),
        member_id=member.id,
        user_id=member.user_id,
        region_code=member.region_code,
        period_key=period,
        text=_text(text, field="text", limit=MAX_TEXT),
        keep_until=ends_at(period),
        status=PledgeStatus.MADE,
        created_at=clock.now(),
    )
    try:
        await moves.start(
            PLEDGES, pledge, actor=actor, action=PledgeAction.MAKE, stage=PledgeStage.KEEP
        )
    except IntegrityError as error:
        raise Conflict(
            _("you have pledged for {period} already", period=period),
            field="periodKey",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error
    return pledge


def _next(period: str) -> str:
    year, quarter = int(period[:4]), int(period[5])
    return f"{year + 1}Q1" if quarter == 4 else f"{year}Q{quarter + 1}"


async def follow_up(*, actor: Principal, pledge_id: uuid.UUID, note: str) -> Pledge:
    """跟踪问诺: the community notes how the pledge is being kept."""
    text = _text(note, field="note", limit=MAX_TEXT)
    async with moves.transition(
        PLEDGES,
        actor=actor,
        record_id=pledge_id,
        action=PledgeAction.FOLLOW_UP,
        note=text,
        scope=readable(actor, "pledge"),
        authorize=lambda p: check(
            actor, "pledge", "follow_up", at=p.region_code, what="the pledge"
        ),
    ) as move:
        if move.record.user_id:
            await move.tell(
                [move.record.user_id], kind="pledge", title=_("Pledge follow-up"), body=text
            )
    return move.record


async def rate_as_resident(
    *, actor: Principal, pledge_id: uuid.UUID, score: int, comment: str = ""
) -> Pledge:
    """民主评诺: a resident scores a pledge of their city once its period is over (once each)."""
    rater = citizen_of(actor)
    _score(score, "score")
    remark = comment.strip()
    if len(remark) > MAX_COMMENT:
        raise ValidationFailed(
            _("a comment is at most {MAX_COMMENT} characters", MAX_COMMENT=MAX_COMMENT),
            field="comment",
        )
    async with in_transaction():
        pledge = (
            await Pledge.filter(readable(actor, "pledge_rating"), id=pledge_id)
            .select_for_update()
            .first()
        )
        if pledge is None:
            raise NotFound("pledge", pledge_id)
        check(actor, "pledge_rating", "rate", at=pledge.region_code, what="the pledge")
        if pledge.user_id == rater:
            raise NotAllowed(_("nobody rates their own pledge"))
        if pledge.status != PledgeStatus.MADE:
            raise Conflict(_("the pledge's rating is closed"), code=ErrorCode.INVALID_TRANSITION)
        if not has_ended(pledge.period_key):
            raise Conflict(
                _("pledges are rated once their period is over"), code=ErrorCode.INVALID_TRANSITION
            )
        try:
            async with in_transaction():
                await PledgeRating.create(
                    pledge_id=pledge.id, rater_id=rater, score=score, comment=remark, at=clock.now()
                )
        except IntegrityError as error:
            raise Conflict(
                _("you have rated this pledge"), code=ErrorCode.ALREADY_EXISTS
            ) from error
        count = pledge.resident_ratings
        total = (pledge.resident_score or Decimal(0)) * count + score
        pledge.resident_ratings = count + 1
        pledge.resident_score = (total / (count + 1)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        await pledge.save(update_fields=["resident_ratings", "resident_score", "updated_at"])
    return pledge


async def rate(
    *, actor: Principal, pledge_id: uuid.UUID, branch_score: int, note: str = ""
) -> Pledge:
    """评诺 closed by the branch: its score and the residents' average make the published
    rating; a kept pledge is credited by the current rules, in the pledge's period."""
    _score(branch_score, "branchScore")
    remark = note.strip()[:MAX_TEXT]
    async with moves.transition(
        PLEDGES,
        actor=actor,
        record_id=pledge_id,
        action=PledgeAction.RATE,
        note=remark,
        scope=readable(actor, "pledge"),
        authorize=lambda p: check(actor, "pledge", "rate", at=p.region_code, what="the pledge"),
    ) as move:
        pledge = move.record
        if not has_ended(pledge.period_key):
            raise Conflict(
                _("pledges are rated once their period is over"), code=ErrorCode.INVALID_TRANSITION
            )
        if pledge.user_id is not None and pledge.user_id == actor.user_id:
            raise NotAllowed(_("nobody rates their own pledge"))
        # the branch and the residents weigh equally (民主评诺); without residents' scores the
        # branch's stands alone
        parts = [Decimal(branch_score)]
        if pledge.resident_score is not None:
            parts.append(Decimal(pledge.resident_score))
        rating = (sum(parts, Decimal(0)) / len(parts)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        pledge.branch_score = branch_score
        pledge.rating = rating
        pledge.kept = rating >= KEPT_AT
        pledge.rated_at = move.now
        if pledge.kept:
            rules = await ledger.current_rules()
            member = await PointsMember.filter(id=pledge.member_id).select_for_update().get()
            await ledger.book(
                member=member,
                points=rules.pledge_kept_points,
                hours=Decimal(0),
                source=SourceKind.PLEDGE_RATED,
                key=str(pledge.id),
                verifier=actor,
                reason=f"pledge kept ({rating})",
                rule_version=rules.version,
                period_key=pledge.period_key,
            )
        if pledge.user_id:
            await move.tell(
                [pledge.user_id],
                kind="pledge",
                title=_("Pledge rated: {rating}", rating=pledge.rating),
            )
    return move.record


async def my_pledges(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[Pledge], QuerySet[Pledge]]:
    member = await me(actor)
    return await newest_first(Pledge.filter(member_id=member.id), page)


async def list_pledges(
    *, actor: Principal, region_code: str, period_key: str, page: PageRequest
) -> tuple[Page[Pledge], QuerySet[Pledge]]:
    """An area's pledges of a period (the community's follow-up list)."""
    bounds(period_key)
    check(actor, "pledge", "read", at=region_code, what="the area")
    query = Pledge.filter(readable(actor, "pledge"), subtree([region_code]), period_key=period_key)
    return await newest_first(query, page)


async def published(
    *, region_code: str, period_key: str, page: PageRequest
) -> tuple[Page[Pledge], QuerySet[Pledge]]:
    """The rated pledges of a community's period, as published to everyone."""
    bounds(period_key)
    return await newest_first(
        Pledge.filter(region_code=region_code, period_key=period_key, status=PledgeStatus.RATED),
        page,
    )
