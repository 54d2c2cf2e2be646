"""Public posts: publicity, disclosure of party and government affairs (党务政务公开) and study
material, published by a region to the public and readable without signing in; signed-in
readers keep a study record (学习记录: what, when, how long) as online learning."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Final

from tortoise.expressions import Q
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.announcements.enums import BodyFormat, PostKind, PostStatus
from api.domains.announcements.models import PublicPost, StudyRecord
from api.domains.announcements.service import UNSAFE_MARKDOWN
from api.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import aware
from api.regions import Level, path_codes
from policies.enforcer import authorize

MAX_TITLE: Final = 200
MAX_BODY: Final = 50_000  # study material runs long
MAX_REASON: Final = 500
# A reading session is counted up to four hours: a phone left open on a page is no longer study.
MAX_SESSION: Final = timedelta(hours=4)


def _text(value: str, *, name: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise ValidationFailed(_("{name} must not be empty", name=name), field=name)
    if len(value) > limit:
        raise ValidationFailed(
            _("{name} is longer than {limit} characters", name=name, limit=limit), field=name
        )
    if "\x00" in value:
        raise ValidationFailed(_("{name} must not contain NUL", name=name), field=name)
    return value


def _me(actor: Principal) -> uuid.UUID:
    if actor.user_id is None:
        raise PermissionDenied(_("sign in as a user"))
    return actor.user_id


async def publish(
    *,
    actor: Principal,
    region_code: str,
    kind: PostKind,
    title: str,
    body: str,
    body_format: BodyFormat = BodyFormat.PLAIN,
    post_id: uuid.UUID | None = None,
) -> PublicPost:
    """Publish a post of a region (inside the caller's subtree) to the public."""
    me = _me(actor)
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("{region_code!r} is not a region code", region_code=region_code), field="regionCode"
        )
    authorize(actor.assignments, "public_post", "publish", at=region_code)
    title = _text(title, name="title", limit=MAX_TITLE)
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            _("the body is longer than {MAX_BODY} characters", MAX_BODY=MAX_BODY), field="body"
        )
    body = _text(body, name="body", limit=MAX_BODY)
    if body_format is BodyFormat.MARKDOWN and UNSAFE_MARKDOWN.search(body):
        raise ValidationFailed(_("Markdown bodies take no HTML and no script links"), field="body")
    if post_id is not None:
        existing = await PublicPost.filter(id=post_id).first()
        if existing is not None:
            if existing.publisher_id != me:
                raise Conflict(_("that id names another post"), field="id")
            return existing  # a retried publish
    return await PublicPost.create(
        id=post_id or uuid.uuid4(),
        region_code=region_code,
        kind=kind,
        title=title,
        body=body,
        body_format=body_format,
        publisher_id=me,
        publisher_label=(actor.display_name or actor.username)[:100],
        status=PostStatus.PUBLISHED,
        published_at=clock.now(),
    )


async def withdraw(*, actor: Principal, post_id: uuid.UUID, reason: str) -> PublicPost:
    """Take a post down from the public (whoever may publish for its region); kept on record."""
    reason = _text(reason, name="reason", limit=MAX_REASON)
    async with in_transaction():
        post = await PublicPost.filter(id=post_id).select_for_update().first()
        if post is None:
            raise NotFound("post", post_id, field="id")
        authorize(actor.assignments, "public_post", "publish", at=post.region_code)
        if post.status is PostStatus.WITHDRAWN:
            raise Conflict(_("the post is already withdrawn"), field="id")
        post.status = PostStatus.WITHDRAWN
        post.withdrawn_at = clock.now()
        post.withdrawn_reason = reason
        await post.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    return post


async def get(*, post_id: uuid.UUID) -> PublicPost:
    """A published post, to anyone."""
    post = await PublicPost.filter(id=post_id, status=PostStatus.PUBLISHED).first()
    if post is None:
        raise NotFound("post", post_id, field="id")
    return post


async def posts(
    *,
    region_code: str,
    page: PageRequest,
    kind: PostKind | None = None,
    include_below: bool = False,
) -> tuple[Page[PublicPost], Any]:
    """Published posts a resident of `region_code` sees: its own and those of the regions above
    it (a district's disclosure reaches every community), and with include_below, those
    published inside it; newest first."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("{region_code!r} is not a region code", region_code=region_code), field="regionCode"
        )
    where = Q(region_code__in=path_codes(region_code))
    if include_below:
        where |= Q(region_code__startswith=region_code)
    query = PublicPost.filter(where, status=PostStatus.PUBLISHED)
    if kind is not None:
        query = query.filter(kind=kind)
    filtered = query
    if page.after is not None:
        at, last = split_cursor(page.after)
        query = query.filter(Q(published_at__lt=at) | Q(published_at=at, id__lt=last))
    rows = await query.order_by("-published_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda p: f"{p.published_at.isoformat()}|{p.id}"), filtered


async def record_study(
    *,
    actor: Principal,
    post_id: uuid.UUID,
    started_at: datetime,
    seconds: int,
    record_id: uuid.UUID | None = None,
) -> StudyRecord:
    """学习记录: the caller read a post from `started_at` for `seconds`; a retry is one record."""
    me = _me(actor)
    now = clock.now()
    started_at = aware(started_at)
    if not 1 <= seconds <= MAX_SESSION.total_seconds():
        raise ValidationFailed(
            _(
                "a reading lasts 1 second to {total_seconds}",
                total_seconds=int(MAX_SESSION.total_seconds()),
            ),
            field="seconds",
        )
    if not now - timedelta(days=7) <= started_at <= now:
        raise ValidationFailed(_("the reading began within the past week"), field="startedAt")
    if started_at + timedelta(seconds=seconds) > now + timedelta(minutes=1):
        raise ValidationFailed(_("the reading cannot end in the future"), field="seconds")
    await get(post_id=post_id)
    if record_id is not None:
        existing = await StudyRecord.filter(id=record_id).first()
        if existing is not None:
            if existing.user_id != me:
                raise Conflict(_("that id names another record"), field="id")
            return existing
    return await StudyRecord.create(
        id=record_id or uuid.uuid4(),
        post_id=post_id,
        user_id=me,
        started_at=started_at,
        seconds=seconds,
        recorded_at=now,
    )


async def my_study(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[tuple[StudyRecord, PublicPost]], Any]:
    """The caller's study records, the latest reading first, with what was read."""
    query = StudyRecord.filter(user_id=_me(actor))
    filtered = query
    if page.after is not None:
        at, last = split_cursor(page.after)
        query = query.filter(Q(started_at__lt=at) | Q(started_at=at, id__lt=last))
    rows = await query.order_by("-started_at", "-id").limit(page.first + 1)
    read = {p.id: p for p in await PublicPost.filter(id__in=[r.post_id for r in rows])}
    items = [(r, read[r.post_id]) for r in rows]
    return make_page(items, page, lambda i: f"{i[0].started_at.isoformat()}|{i[0].id}"), filtered


async def study_seconds(*, actor: Principal) -> int:
    """How long the caller has studied, all records together."""
    rows = (
        await StudyRecord.filter(user_id=_me(actor)).annotate(total=Sum("seconds")).values("total")
    )
    return int(rows[0]["total"] or 0) if rows else 0
