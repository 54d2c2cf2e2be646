"""Notices: written with the change that causes them, pushed through the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.expressions import Q

from api import clock, outbox
from api.auth import Principal
from api.domains.notices.models import Notice
from api.errors import Unauthenticated, ValidationFailed
from api.pagination import Page, PageRequest, make_page, split_cursor


async def notify(
    *,
    user_ids: Iterable[uuid.UUID],
    kind: str,
    title: str,
    body: str = "",
    region_code: str,
    event_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
) -> list[Notice]:
    """Store a notice for each user and queue its push; call inside the causing transaction.
    With a dedupe key, a user who already has a notice with that key gets nothing new."""
    recipients = list(dict.fromkeys(user_ids))  # once per user, in order
    if dedupe_key is not None:
        had = set(
            await Notice.filter(dedupe_key=dedupe_key, user_id__in=recipients).values_list(
                "user_id", flat=True
            )
        )
        recipients = [user_id for user_id in recipients if user_id not in had]
    notices = []
    for user_id in recipients:
        notice = await Notice.create(
            user_id=user_id,
            kind=kind,
            title=title[:200],
            body=body,
            region_code=region_code,
            event_id=event_id,
            dedupe_key=dedupe_key,
        )
        await outbox.add(
            topic="notice", region_code=region_code, user_id=user_id, payload=payload(notice)
        )
        notices.append(notice)
    return notices


def payload(notice: Notice) -> dict[str, Any]:
    return {
        "id": str(notice.id),
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.body,
        "event_id": str(notice.event_id) if notice.event_id else None,
        "region_code": notice.region_code,
        "created_at": (notice.created_at or clock.now()).isoformat(),
    }


def _me(actor: Principal) -> uuid.UUID:
    if actor.user_id is None:
        raise Unauthenticated("notices belong to users; sign in as one")
    return actor.user_id


async def list_notices(
    *, actor: Principal, page: PageRequest, unread_only: bool = False
) -> tuple[Page[Notice], Any]:
    """The caller's notices, newest first."""
    query = Notice.filter(user_id=_me(actor))
    if unread_only:
        query = query.filter(read_at=None)
    filtered = query
    if page.after is not None:
        created, notice_id = split_cursor(page.after)
        query = query.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=notice_id))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda n: f"{n.created_at.isoformat()}|{n.id}"), filtered


async def mark_read(*, actor: Principal, notice_ids: Sequence[uuid.UUID] | None) -> int:
    """Mark the given notices (or all) of the caller read; returns how many changed."""
    if notice_ids is not None and len(notice_ids) > 500:
        raise ValidationFailed("at most 500 notices at a time", field="ids")
    query = Notice.filter(user_id=_me(actor), read_at=None)
    if notice_ids is not None:
        query = query.filter(id__in=list(notice_ids))
    return await query.update(read_at=clock.now())
