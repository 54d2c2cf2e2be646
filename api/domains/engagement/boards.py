"""Public boards (公开栏), readable without signing in: closed appeals their reporters chose to
show, and residents' opinions and suggestions once staff approved them. Only what is meant for
the public leaves here (no names, phones, addresses, points or descriptions); each page is
cached in Redis for a short while (`GRIDGOV_PUBLIC_BOARD_CACHE_SECONDS`), so a busy board costs
the database one query per page and period. Published rankings are the stats domain's
`publicRankings` (the one public query of rankings)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import orjson
from redis.asyncio import Redis
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.engagement.enums import OpinionKind, OpinionStatus, RefusalReason
from api.domains.engagement.models import Opinion, PublicAppeal
from api.domains.engagement.service import get_appeal
from api.domains.events.enums import Action, EventStatus
from api.domains.events.inputs import clean
from api.domains.events.models import Category, Event, TimelineEntry
from api.domains.hierarchy.models import Region
from api.domains.hierarchy.service import public_region
from api.errors import (
    Conflict,
    ErrorCode,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level, ancestor_at, in_subtree
from policies.enforcer import authorize

SHOWN_STATUSES = (EventStatus.CLOSED, EventStatus.EVALUATED)
MAX_TITLE = 100
MAX_BODY = 2000
MAX_REPLY = 1000
CACHE_PREFIX = "gridgov:board:"


@dataclass(frozen=True, slots=True)
class PublicAppealEntry:
    """A closed appeal as the public sees it."""

    id: str
    title: str
    category_key: str
    category_name: str
    community_code: str | None
    community_name: str | None
    status: str
    result: str
    satisfaction: int | None
    closed_at: str | None
    key: str  # its sort key, for the cursor


@dataclass(frozen=True, slots=True)
class PublicOpinionEntry:
    """An approved opinion as the public sees it (never its author)."""

    id: str
    kind: str
    title: str
    body: str
    reply: str
    community_code: str
    community_name: str | None
    published_at: str
    key: str


@dataclass(frozen=True, slots=True)
class BoardPage:
    items: list[Any]
    has_next_page: bool
    total: int

    def as_page(self, request: PageRequest) -> Page[Any]:
        return Page(items=self.items, has_next_page=self.has_next_page, key_of=lambda e: e.key)


async def _cached(
    redis: Redis,
    key: str,
    seconds: int,
    entry: Callable[..., Any],
    produce: Callable[[], Awaitable[BoardPage]],
) -> BoardPage:
    if seconds > 0:
        hit = await redis.get(CACHE_PREFIX + key)
        if hit is not None:
            stored = orjson.loads(hit)
            return BoardPage(
                items=[entry(**item) for item in stored["items"]],
                has_next_page=stored["more"],
                total=stored["total"],
            )
    page = await produce()
    if seconds > 0:
        value = {
            "items": [asdict(item) for item in page.items],
            "more": page.has_next_page,
            "total": page.total,
        }
        await redis.set(CACHE_PREFIX + key, orjson.dumps(value), ex=seconds)
    return page


async def _community_names(codes: set[str]) -> dict[str, str]:
    rows = await Region.filter(code__in=list(codes)).values_list("code", "name")
    return {str(code): str(name) for code, name in rows}


def _after(page: PageRequest) -> tuple[datetime, uuid.UUID] | None:
    return split_cursor(page.after) if page.after is not None else None


async def public_appeals(
    *, region_code: str, page: PageRequest, redis: Redis, cache_seconds: int
) -> BoardPage:
    """Closed appeals shown by their reporters' choice in the region, newest closure first."""
    region_code = await public_region(region_code)
    after = _after(page)

    async def produce() -> BoardPage:
        query = Event.filter(
            region_code__startswith=region_code,
            status__in=SHOWN_STATUSES,
            id__in=Subquery(
                PublicAppeal.filter(region_code__startswith=region_code).values("event_id")
            ),
            merged_into_id__isnull=True,
            closed_at__isnull=False,
        )
        total = await query.count()
        if after is not None:
            query = query.filter(Q(closed_at__lt=after[0]) | Q(closed_at=after[0], id__lt=after[1]))
        rows = make_page(
            await query.order_by("-closed_at", "-id").limit(page.first + 1),
            page,
            lambda e: e,
        )
        events = rows.items
        ids = [e.id for e in events]
        results: dict[str, str] = {}
        for entry in await TimelineEntry.filter(event_id__in=ids, action=Action.SUBMIT).order_by(
            "id"
        ):
            results[str(entry.event_id)] = entry.note  # the latest result wins
        categories = dict(
            await Category.filter(key__in=[e.category_key for e in events]).values_list(
                "key", "name"
            )
        )
        names = await _community_names({e.community_code for e in events if e.community_code})
        items = [
            PublicAppealEntry(
                id=str(e.id),
                title=e.title,
                category_key=e.category_key,
                category_name=str(categories.get(e.category_key, "")),
                community_code=e.community_code,
                community_name=names.get(e.community_code or ""),
                status=e.status.value,
                result=results.get(str(e.id), ""),
                satisfaction=e.satisfaction,
                closed_at=e.closed_at.isoformat() if e.closed_at else None,
                key=f"{e.closed_at.isoformat() if e.closed_at else ''}|{e.id}",
            )
            for e in events
        ]
        return BoardPage(items=items, has_next_page=rows.has_next_page, total=total)

    key = f"appeals:{region_code}:{page.first}:{page.after or ''}"
    return await _cached(redis, key, cache_seconds, PublicAppealEntry, produce)


async def set_appeal_public(*, actor: Principal, appeal_id: uuid.UUID, public: bool) -> Event:
    """The reporter shows their appeal on the board once closed, or takes it off."""
    event = await get_appeal(actor=actor, appeal_id=appeal_id)
    if public:
        await PublicAppeal.get_or_create(
            event_id=event.id,
            defaults={"region_code": event.region_code, "made_public_at": clock.now()},
        )
    else:
        await PublicAppeal.filter(event_id=event.id).delete()
    return event


async def is_public(event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await PublicAppeal.filter(event_id__in=event_ids).values_list("event_id", flat=True)
    return {uuid.UUID(str(row)) for row in rows}


# ---------------------------------------------------------------- opinions


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    # Stored as typed (HTML is text here, never markup): only bounded and free of NUL.
    return clean(value, field=field, limit=limit, required=required)


async def submit_opinion(
    *, actor: Principal, kind: OpinionKind, title: str, body: str, region_code: str
) -> Opinion:
    """意见建议: a resident's opinion on their community, shown once staff approve it."""
    if actor.user_id is None:
        raise NotAllowed(_("opinions come from a citizen's account"))
    title = _text(title, field="title", limit=MAX_TITLE)
    body = _text(body, field="body", limit=MAX_BODY)
    region_code = await public_region(region_code)
    if len(region_code) < Level.COMMUNITY.code_length:
        raise ValidationFailed(_("say which community it concerns"), field="regionCode")
    community = ancestor_at(region_code, Level.COMMUNITY)
    authorize(actor.assignments, "opinion", "submit", at=community)
    return await Opinion.create(
        id=uuid.uuid4(),
        kind=kind,
        title=title,
        body=body,
        region_code=community,
        author_id=actor.user_id,
        created_at=clock.now(),
    )


async def moderate_opinion(
    *,
    actor: Principal,
    opinion_id: uuid.UUID,
    approve: bool,
    refusal_reason: RefusalReason | None,
    reply: str = "",
) -> Opinion:
    """审核: staff of the community or above approve an opinion for the board (with an
    optional public reply) or refuse it with a reason; once only."""
    reply = _text(reply, field="reply", limit=MAX_REPLY, required=False)
    if approve and refusal_reason is not None:
        raise ValidationFailed(
            _("an approved opinion has no refusal reason"), field="refusalReason"
        )
    if not approve and refusal_reason is None:
        raise ValidationFailed(_("say why it is refused"), field="refusalReason")
    async with in_transaction():
        opinion = await Opinion.filter(id=opinion_id).select_for_update().first()
        if opinion is None or not any(
            in_subtree(opinion.region_code, a.region_code) for a in actor.assignments
        ):
            raise NotFound("opinion", opinion_id, field="id")
        authorize(actor.assignments, "opinion", "moderate", at=opinion.region_code)
        if opinion.status is not OpinionStatus.PENDING:
            raise Conflict(
                _("the opinion was moderated already"), code=ErrorCode.INVALID_TRANSITION
            )
        opinion.status = OpinionStatus.APPROVED if approve else OpinionStatus.REFUSED
        opinion.refusal_reason = refusal_reason  # type: ignore[assignment]  # nullable
        opinion.reply = reply
        opinion.moderated_by_id = actor.user_id
        opinion.moderated_at = clock.now()
        await opinion.save()
    return opinion


async def _newest_first(query: Any, page: PageRequest) -> Page[Opinion]:
    after = _after(page)
    if after is not None:
        query = query.filter(Q(created_at__lt=after[0]) | Q(created_at=after[0], id__lt=after[1]))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda o: f"{o.created_at.isoformat()}|{o.id}")


async def opinions_for_staff(
    *, actor: Principal, region_code: str, status: OpinionStatus | None, page: PageRequest
) -> tuple[Page[Opinion], Any]:
    """Opinions of the region's communities, newest first (the moderation queue)."""
    region_code = await public_region(region_code)
    authorize(actor.assignments, "opinion", "read", at=region_code)
    query = Opinion.filter(region_code__startswith=region_code)
    if status is not None:
        query = query.filter(status=status)
    return await _newest_first(query, page), query


async def my_opinions(*, actor: Principal, page: PageRequest) -> tuple[Page[Opinion], Any]:
    """The caller's own opinions, newest first, with how they were moderated."""
    if actor.user_id is None:
        raise NotAllowed(_("opinions come from a citizen's account"))
    query = Opinion.filter(author_id=actor.user_id)
    return await _newest_first(query, page), query


async def public_opinions(
    *,
    region_code: str,
    kind: OpinionKind | None,
    page: PageRequest,
    redis: Redis,
    cache_seconds: int,
) -> BoardPage:
    """Approved opinions of the region's communities, newest approval first."""
    region_code = await public_region(region_code)
    after = _after(page)

    async def produce() -> BoardPage:
        query = Opinion.filter(region_code__startswith=region_code, status=OpinionStatus.APPROVED)
        if kind is not None:
            query = query.filter(kind=kind)
        total = await query.count()
        if after is not None:
            query = query.filter(
                Q(moderated_at__lt=after[0]) | Q(moderated_at=after[0], id__lt=after[1])
            )
        rows = make_page(
            await query.order_by("-moderated_at", "-id").limit(page.first + 1), page, lambda o: o
        )
        names = await _community_names({o.region_code for o in rows.items})
        items = [
            PublicOpinionEntry(
                id=str(o.id),
                kind=o.kind.value,
                title=o.title,
                body=o.body,
                reply=o.reply,
                community_code=o.region_code,
                community_name=names.get(o.region_code),
                published_at=o.moderated_at.isoformat() if o.moderated_at else "",
                key=f"{o.moderated_at.isoformat() if o.moderated_at else ''}|{o.id}",
            )
            for o in rows.items
        ]
        return BoardPage(items=items, has_next_page=rows.has_next_page, total=total)

    key = f"opinions:{region_code}:{kind.value if kind else ''}:{page.first}:{page.after or ''}"
    return await _cached(redis, key, cache_seconds, PublicOpinionEntry, produce)
