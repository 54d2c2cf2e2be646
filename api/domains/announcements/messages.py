"""Messages (信息发送): direct messages between staff and a centre's messages to the staff of a
region, in threads, with unread counts, each pushed live to its recipients' `messages` feed.

A thread's participants are resolved once, when it starts, in one statement (a broadcast to a
district reaches thousands); each new message then raises the others' unread counts and writes
their pushes set-based, from the participant rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.accounts.models import RoleAssignment
from api.domains.announcements.enums import ThreadKind
from api.domains.announcements.models import Message, MessageThread, ThreadParticipant
from api.domains.announcements.service import STAFF_ROLES
from api.errors import Conflict, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.query import aware
from api.regions import Level, in_subtree, path_codes
from policies.enforcer import can, scope_prefixes

MAX_SUBJECT: Final = 200
MAX_BODY: Final = 5_000
MAX_USERS: Final = 100
MAX_REGIONS: Final = 20
MAX_ROLES: Final = 20
EXCERPT: Final = 140
DISTRICT: Final = 6  # digits of a district code: direct messages reach across one district


def _me(actor: Principal) -> uuid.UUID:
    if actor.user_id is None:
        raise PermissionDenied(_("messages are sent by users; sign in as one"))
    return actor.user_id


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


def _reach(actor: Principal) -> tuple[list[str], list[str]]:
    """Whom the caller may message directly: anyone working in the district of one of their
    assignments (the whole tree, for city staff), and the staff above them."""
    codes = [a.region_code for a in actor.assignments if Level.of_code(a.region_code)]
    below = sorted({c[:DISTRICT] for c in codes})
    above = sorted({p for c in codes for p in path_codes(c)})
    return below, above


# Every message's pushes: one outbox row per participant but the sender, from their rows.
PUSH = """
WITH raised AS (
    UPDATE thread_participants
    SET unread = unread + (user_id <> $2)::int, last_message_at = $3
    WHERE thread_id = $1
    RETURNING user_id, region_code
)
INSERT INTO outbox (topic, region_code, user_id, payload, created_at)
SELECT 'message', region_code, user_id,
       jsonb_build_object('thread_id', ($1::uuid)::text, 'message_id', $4::bigint,
                          'subject', $5::text, 'sender', $6::text, 'excerpt', $7::text,
                          'created_at', $8::text),
       $3
FROM raised WHERE user_id <> $2
"""

# A broadcast's participants: every active staff member working inside the regions (with one
# of the roles, when named), once each at their deepest assignment, and the sender.
BROADCAST = """
INSERT INTO thread_participants (thread_id, user_id, region_code, unread, last_message_at)
SELECT $1, user_id, region_code, 0, $2 FROM (
    SELECT DISTINCT ON (ra.user_id) ra.user_id, ra.region_code
    FROM role_assignments ra JOIN users u ON u.id = ra.user_id AND u.is_active
    WHERE ra.region_code LIKE ANY($3::text[])
      AND ra.role = ANY($4::text[])
      AND ra.user_id <> $5
    ORDER BY ra.user_id, length(ra.region_code) DESC, ra.region_code
) AS matched
"""


async def _post(thread: MessageThread, *, sender: uuid.UUID, label: str, body: str) -> Message:
    """Write a message and its pushes; call inside the transaction."""
    now = clock.now()
    message = await Message.create(
        thread_id=thread.id, sender_id=sender, sender_label=label, body=body, created_at=now
    )
    thread.last_message_at = now
    await thread.save(update_fields=["last_message_at"])
    await connections.get("default").execute_query(
        PUSH,
        [
            thread.id,
            sender,
            now,
            message.id,
            thread.subject,
            label,
            body[:EXCERPT],
            now.isoformat(),
        ],
    )
    return message


def _label(actor: Principal) -> str:
    return (actor.display_name or actor.username)[:100]


async def send(
    *,
    actor: Principal,
    subject: str,
    body: str,
    user_ids: Sequence[uuid.UUID] = (),
    region_codes: Sequence[str] = (),
    roles: Sequence[str] = (),
    thread_id: uuid.UUID | None = None,
) -> MessageThread:
    """Start a thread: to named staff (direct), or, as a centre, to the staff of regions."""
    me = _me(actor)
    subject = _text(subject, name="subject", limit=MAX_SUBJECT)
    body = _text(body, name="body", limit=MAX_BODY)
    if bool(user_ids) == bool(region_codes):
        raise ValidationFailed(
            _("name either the users (a direct message) or the regions (to their staff)"),
            field="userIds",
        )
    for name, values, limit in (
        ("userIds", user_ids, MAX_USERS),
        ("regionCodes", region_codes, MAX_REGIONS),
        ("roles", roles, MAX_ROLES),
    ):
        if len(values) > limit:
            raise ValidationFailed(_("at most {limit} entries", limit=limit), field=name)
    if roles and not region_codes:
        raise ValidationFailed(_("roles select within regions: name the regions"), field="roles")
    for role in roles:
        if role not in STAFF_ROLES:
            raise ValidationFailed(_("{role!r} is not a staff role", role=role), field="roles")
    if thread_id is not None:
        existing = await MessageThread.filter(id=thread_id).first()
        if existing is not None:
            if existing.started_by != me:
                raise Conflict(_("that id names another thread"), field="id")
            return existing  # a retried send
    now = clock.now()
    homes = [a.region_code for a in actor.assignments if Level.of_code(a.region_code)]
    if not homes:
        raise PermissionDenied(_("your roles may not send messages"))
    if region_codes:
        prefixes = scope_prefixes(actor.assignments, "message", "broadcast")
        if not prefixes:
            raise PermissionDenied(_("your roles may not message the staff of a region"))
        for code in region_codes:
            if Level.of_code(code) is None:
                raise ValidationFailed(
                    _("{code!r} is not a region code", code=code), field="regionCodes"
                )
            if not can(actor.assignments, "message", "broadcast", at=code):
                if any(in_subtree(code, h) for h in homes):
                    raise PermissionDenied(
                        _("your roles may not message region {code}'s level", code=code)
                    )
                raise ValidationFailed(
                    _("region {code} lies outside your regions", code=code),
                    field="regionCodes",
                    code=ErrorCode.OUTSIDE_AREA,
                )
        home = next(
            (p for p in prefixes if all(in_subtree(c, p) for c in region_codes)), prefixes[0]
        )
        kind = ThreadKind.BROADCAST
    else:
        home = min(homes, key=len)
        kind = ThreadKind.DIRECT
    thread = MessageThread(
        id=thread_id or uuid.uuid4(),
        subject=subject,
        kind=kind,
        started_by=me,
        started_by_label=_label(actor),
        region_code=home,
        audience={
            "region_codes": list(region_codes),
            "roles": list(roles),
            "user_ids": [str(u) for u in user_ids],
        },
        last_message_at=now,
        created_at=now,
    )
    async with in_transaction() as connection:
        await thread.save(force_create=True)
        if kind is ThreadKind.BROADCAST:
            await connection.execute_query(
                BROADCAST,
                [
                    thread.id,
                    now,
                    [f"{c}%" for c in region_codes],
                    list(roles) or list(STAFF_ROLES),
                    me,
                ],
            )
        else:
            await _add_named(actor, thread, list(dict.fromkeys(user_ids)), now)
        count = await ThreadParticipant.filter(thread_id=thread.id).count()
        if count == 0:
            raise ValidationFailed(_("no one works there to receive it"), field="regionCodes")
        await ThreadParticipant.create(
            thread_id=thread.id, user_id=me, region_code=home, last_message_at=now
        )
        thread.participant_count = count + 1
        await thread.save(update_fields=["participant_count"])
        await _post(thread, sender=me, label=_label(actor), body=body)
    return thread


async def _add_named(
    actor: Principal, thread: MessageThread, user_ids: list[uuid.UUID], now: datetime
) -> None:
    me = _me(actor)
    below, above = _reach(actor)
    if me in user_ids:
        raise ValidationFailed(_("a message goes to others than yourself"), field="userIds")
    rows = await _reachable_assignments(user_ids, below, above)
    found: dict[uuid.UUID, str] = {}
    for user_id, region_code in rows:
        found.setdefault(user_id, region_code)
    for user_id in user_ids:
        if user_id not in found:
            # one answer for absent and out of reach: no existence oracle
            raise ValidationFailed(
                _("user {user_id} is outside the staff you may message", user_id=user_id),
                field="userIds",
                code=ErrorCode.OUTSIDE_AREA,
            )
    await ThreadParticipant.bulk_create(
        [
            ThreadParticipant(
                thread_id=thread.id, user_id=u, region_code=found[u], last_message_at=now
            )
            for u in user_ids
        ]
    )


async def _reachable_assignments(
    user_ids: list[uuid.UUID], below: list[str], above: list[str]
) -> list[tuple[uuid.UUID, str]]:
    condition = Q(region_code__in=above)
    for prefix in below:
        condition |= Q(region_code__startswith=prefix)
    rows = (
        await RoleAssignment.filter(
            condition, user_id__in=user_ids, role__in=list(STAFF_ROLES), user__is_active=True
        )
        .order_by("user_id", "region_code")
        .values_list("user_id", "region_code")
    )
    return [(u, r) for u, r in rows]


async def _participant(
    actor: Principal, thread_id: uuid.UUID, *, lock: bool = False
) -> ThreadParticipant:
    query = ThreadParticipant.filter(thread_id=thread_id, user_id=_me(actor))
    if lock:
        query = query.select_for_update()
    found = await query.first()
    if found is None:
        raise NotFound("thread", thread_id, field="threadId")
    return found


async def reply(*, actor: Principal, thread_id: uuid.UUID, body: str) -> Message:
    """Answer in a thread you take part in (a broadcast: only its sender writes more)."""
    body = _text(body, name="body", limit=MAX_BODY)
    me = _me(actor)
    async with in_transaction():
        await _participant(actor, thread_id)
        thread = await MessageThread.filter(id=thread_id).select_for_update().get()
        if thread.kind is ThreadKind.BROADCAST and thread.started_by != me:
            raise Conflict(
                _("a region's message is answered by a direct message to its sender"),
                field="threadId",
            )
        message = await _post(thread, sender=me, label=_label(actor), body=body)
        # writing in a thread means having read it
        await ThreadParticipant.filter(thread_id=thread_id, user_id=me).update(
            unread=0, last_read_at=message.created_at
        )
    return message


async def mark_read(*, actor: Principal, thread_id: uuid.UUID) -> ThreadParticipant:
    """Everything in the thread is read."""
    async with in_transaction():
        participant = await _participant(actor, thread_id, lock=True)
        participant.unread = 0
        participant.last_read_at = clock.now()
        await participant.save(update_fields=["unread", "last_read_at"])
    return participant


async def thread(
    *, actor: Principal, thread_id: uuid.UUID
) -> tuple[MessageThread, ThreadParticipant]:
    participant = await _participant(actor, thread_id)
    return await MessageThread.get(id=thread_id), participant


async def threads(
    *, actor: Principal, page: PageRequest, unread_only: bool = False
) -> tuple[Page[tuple[MessageThread, ThreadParticipant]], Any]:
    """The caller's threads, the latest message first."""
    query = ThreadParticipant.filter(user_id=_me(actor))
    if unread_only:
        query = query.filter(unread__gt=0)
    filtered = query
    if page.after is not None:
        at, _unused, row = page.after.partition("|")
        try:
            after_at, after_id = aware(datetime.fromisoformat(at)), int(row)
        except ValueError as exc:
            raise ValidationFailed(_("malformed cursor"), field="after") from exc
        if not 0 < after_id < 2**63:
            raise ValidationFailed(_("malformed cursor"), field="after")
        query = query.filter(
            Q(last_message_at__lt=after_at) | Q(last_message_at=after_at, id__lt=after_id)
        )
    rows = await query.order_by("-last_message_at", "-id").limit(page.first + 1)
    found = {t.id: t for t in await MessageThread.filter(id__in=[r.thread_id for r in rows])}
    items = [(found[r.thread_id], r) for r in rows]
    return make_page(
        items, page, lambda item: f"{item[1].last_message_at.isoformat()}|{item[1].id}"
    ), filtered


async def messages(
    *, actor: Principal, thread_id: uuid.UUID, page: PageRequest
) -> tuple[Page[Message], Any]:
    """A thread's messages, newest first."""
    await _participant(actor, thread_id)
    query = Message.filter(thread_id=thread_id)
    filtered = query
    if page.after is not None:
        try:
            before = int(page.after)
        except ValueError as exc:
            raise ValidationFailed(_("malformed cursor"), field="after") from exc
        if not 0 < before < 2**63:
            raise ValidationFailed(_("malformed cursor"), field="after")
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(page.first + 1)
    return make_page(rows, page, lambda m: m.id), filtered


async def unread_count(*, actor: Principal) -> int:
    """Unread messages over all the caller's threads."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT coalesce(sum(unread), 0) AS unread FROM thread_participants WHERE user_id = $1",
        [_me(actor)],
    )
    return int(rows[0]["unread"])
