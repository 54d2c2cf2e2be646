"""Notices: written with the change that causes them, pushed through the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict, Unpack

from tortoise import timezone
from tortoise.expressions import Q

from api import bulk, clock, messages, outbox
from api.auth import Principal
from api.domains.notices.models import Notice
from api.errors import Unauthenticated, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor


class About(TypedDict):
    """What a notice says, and of which region and event. A title or body made with `_()` is
    stored as its message too and read in the reader's language (api/messages.py); a plain
    string (typed by a person) is stored and shown as it is."""

    kind: str
    title: str
    body: NotRequired[str]
    region_code: str
    event_id: NotRequired[uuid.UUID | None]


def compose(
    *, user_ids: Iterable[uuid.UUID], dedupe_key: str | None = None, **about: Unpack[About]
) -> list[dict[str, Any]]:
    """The fields of a notice for each user (once per user, in order), to add in one statement."""
    created_at = timezone.now()  # as the column's auto_now_add sets it
    # the text: the message in the deployment's language (exports, SQL, the fallback)
    title_text, title_msg = messages.written(about["title"])
    body_text, body_msg = messages.written(about.get("body", ""))
    return [
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "kind": about["kind"],
            "title": title_text[:200],
            "body": body_text,
            "title_msg": title_msg,
            "body_msg": body_msg,
            "region_code": about["region_code"],
            "event_id": about.get("event_id"),
            "dedupe_key": dedupe_key,
            "created_at": created_at,
        }
        for user_id in dict.fromkeys(user_ids)
    ]


def push(notice: Mapping[str, Any]) -> dict[str, Any]:
    """The outbox row that pushes a notice to its user's feed."""
    return outbox.row(
        topic="notice",
        region_code=notice["region_code"],
        user_id=notice["user_id"],
        payload=payload(notice),
    )


async def notify(
    *, user_ids: Iterable[uuid.UUID], dedupe_key: str | None = None, **about: Unpack[About]
) -> int:
    """Store a notice for each user and queue its push; call inside the causing transaction.
    With a dedupe key, a user who already has a notice with that key gets nothing new. Returns
    how many notices were written."""
    recipients = list(dict.fromkeys(user_ids))
    if dedupe_key is not None:
        had = set(
            await Notice.filter(dedupe_key=dedupe_key, user_id__in=recipients).values_list(
                "user_id", flat=True
            )
        )
        recipients = [user_id for user_id in recipients if user_id not in had]
    notices = compose(user_ids=recipients, dedupe_key=dedupe_key, **about)
    await bulk.insert(Notice, notices)
    await outbox.add_many([push(notice) for notice in notices])
    return len(notices)


def payload(notice: Mapping[str, Any]) -> dict[str, Any]:
    """The feed's message: the texts in the deployment's language and the messages they came
    from, which the feed renders in each connection's language."""
    return {
        "id": str(notice["id"]),
        "kind": notice["kind"],
        "title": notice["title"],
        "body": notice["body"],
        "title_msg": notice.get("title_msg"),
        "body_msg": notice.get("body_msg"),
        "event_id": str(notice["event_id"]) if notice["event_id"] else None,
        "region_code": notice["region_code"],
        "created_at": notice["created_at"].isoformat(),
    }


def text(notice: Notice | Mapping[str, Any], column: str, language: str) -> str:
    """A notice's `column` ("title" or "body") in `language` (its text if it was not made from
    a message)."""
    if isinstance(notice, Notice):
        return messages.render(getattr(notice, f"{column}_msg"), getattr(notice, column), language)
    return messages.render(notice.get(f"{column}_msg"), notice[column], language)


def _me(actor: Principal) -> uuid.UUID:
    if actor.user_id is None:
        raise Unauthenticated(_("notices belong to users; sign in as one"))
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
        raise ValidationFailed(_("at most 500 notices at a time"), field="ids")
    query = Notice.filter(user_id=_me(actor), read_at=None)
    if notice_ids is not None:
        query = query.filter(id__in=list(notice_ids))
    return await query.update(read_at=clock.now())
