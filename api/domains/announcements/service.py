"""Publishing notices to an audience chosen by permission, read receipts and acknowledgement.

Why a domain of its own above the flow kernel: a notice that must be acknowledged is a flow
record (its clock runs to the deadline, the shared sweep reminds and cards the laggards), and the
kernel itself sends `notices`, so `notices` must stay below the kernel; publishing sits above it
and delivers through the `notices` live feed (one push per recipient, the receipt row being the
recipient's copy)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from api import clock, jobs
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment
from api.domains.announcements.enums import (
    Action,
    AnnouncementStatus,
    BodyFormat,
    Priority,
    Stage,
)
from api.domains.announcements.flow import ANNOUNCEMENTS
from api.domains.announcements.models import (
    Announcement,
    AnnouncementFile,
    AnnouncementRecipient,
)
from api.domains.events.attachments import StoredFile, store_uploads
from api.domains.hierarchy.models import Department, Region
from api.errors import (
    Conflict,
    ErrorCode,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from api.flows import moves
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level, child_length, in_subtree
from api.uploads import UploadedFile
from policies.enforcer import can, scope_prefixes

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_REASON = 500
MAX_SELECTORS = 100  # of each kind in an audience
MAX_ACK_WINDOW = timedelta(days=366)
EXCERPT = 140  # of the body, in each recipient's notice
# Roles that are staff: a notice to "everyone in a region" reaches them, not citizens or systems.
STAFF_ROLES = tuple(r.value for r in Role if r not in (Role.CITIZEN, Role.INTEGRATION))
# What the client's Markdown renderer must never be handed: raw HTML and script links.
UNSAFE_MARKDOWN = re.compile(r"<\s*[a-zA-Z/!?]|\]\(\s*(javascript|data|vbscript):", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Audience:
    """Regions (each a subtree) × roles (every staff role when none), departments, named users."""

    region_codes: Sequence[str] = ()
    roles: Sequence[str] = ()
    department_ids: Sequence[uuid.UUID] = ()
    user_ids: Sequence[uuid.UUID] = ()

    def as_data(self) -> dict[str, Any]:
        return {
            "region_codes": list(self.region_codes),
            "roles": list(self.roles),
            "department_ids": [str(d) for d in self.department_ids],
            "user_ids": [str(u) for u in self.user_ids],
        }


@dataclass(frozen=True, slots=True)
class FileLimits:
    """Where uploaded files go and how many and how large they may be (the settings')."""

    root: Path
    max_bytes: int
    max_files: int


@dataclass(frozen=True, slots=True)
class Receipts:
    """How far a notice has been read and acknowledged (under a region, when asked)."""

    recipients: int
    read: int
    acknowledged: int
    reminded: int

    @property
    def unread(self) -> int:
        return self.recipients - self.read


@dataclass(frozen=True, slots=True)
class RegionReceipts:
    region_code: str
    receipts: Receipts


@dataclass(slots=True)
class InboxItem:
    """A notice as a recipient sees it: the announcement and their own receipt."""

    announcement: Announcement
    receipt: AnnouncementRecipient


def _me(actor: Principal) -> uuid.UUID:
    if actor.user_id is None:
        raise Unauthenticated(_("notices are published and received by users; sign in as one"))
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


def _outside(what: str, field_name: str) -> ValidationFailed:
    return ValidationFailed(
        _("{what} lies outside the regions you may publish to", what=what),
        field=field_name,
        code=ErrorCode.OUTSIDE_AREA,
    )


def _covered(code: str, prefixes: Sequence[str]) -> bool:
    return any(in_subtree(code, p) for p in prefixes)


async def _check_audience(actor: Principal, audience: Audience, prefixes: Sequence[str]) -> None:
    """Every selector names something that exists inside the publisher's subtree."""
    if not (audience.region_codes or audience.department_ids or audience.user_ids):
        raise ValidationFailed(
            _("the audience is empty: name regions, departments or users"), field="audience"
        )
    for name, values in (
        ("audience.regionCodes", audience.region_codes),
        ("audience.roles", audience.roles),
        ("audience.departmentIds", audience.department_ids),
        ("audience.userIds", audience.user_ids),
    ):
        if len(values) > MAX_SELECTORS:
            raise ValidationFailed(
                _("at most {MAX_SELECTORS} entries", MAX_SELECTORS=MAX_SELECTORS), field=name
            )
    if audience.roles and not audience.region_codes:
        raise ValidationFailed(
            _("roles select within regions: name the regions"), field="audience.roles"
        )
    for role in audience.roles:
        if role not in STAFF_ROLES:
            raise ValidationFailed(
                _("{role!r} is not a staff role", role=role), field="audience.roles"
            )
    for code in audience.region_codes:
        if Level.of_code(code) is None:
            raise ValidationFailed(
                _("{code!r} is not a region code", code=code), field="audience.regionCodes"
            )
        if not can(actor.assignments, "announcement", "publish", at=code):
            if _covered(code, [a.region_code for a in actor.assignments]):
                raise PermissionDenied(
                    _("your roles may not publish to region {code}'s level", code=code)
                )
            raise _outside(f"region {code}", "audience.regionCodes")
    known = set(
        await Region.filter(code__in=list(audience.region_codes)).values_list("code", flat=True)
    )
    for code in audience.region_codes:
        if code not in known:
            raise ValidationFailed(
                _("region {code} does not exist", code=code), field="audience.regionCodes"
            )
    if audience.department_ids:
        departments = dict(
            await Department.filter(id__in=list(audience.department_ids)).values_list(
                "id", "region_code"
            )
        )
        for department_id in audience.department_ids:
            region = departments.get(department_id)
            if region is None or not _covered(region, prefixes):
                # one answer for absent and out of scope: no existence oracle
                raise _outside(f"department {department_id}", "audience.departmentIds")
    if audience.user_ids:
        reachable = set(
            await RoleAssignment.filter(
                _subtree_q(prefixes), user_id__in=list(audience.user_ids)
            ).values_list("user_id", flat=True)
        )
        for user_id in audience.user_ids:
            if user_id not in reachable:
                raise _outside(f"user {user_id}", "audience.userIds")


def _subtree_q(prefixes: Sequence[str], column: str = "region_code") -> Q:
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(**{f"{column}__startswith": prefix})
    return condition


def _check_body(body: str, body_format: BodyFormat) -> str:
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            _("the body is longer than {MAX_BODY} characters", MAX_BODY=MAX_BODY), field="body"
        )
    body = _text(body, name="body", limit=MAX_BODY)
    if body_format is BodyFormat.MARKDOWN and UNSAFE_MARKDOWN.search(body):
        raise ValidationFailed(_("Markdown bodies take no HTML and no script links"), field="body")
    return body


# One statement resolves the audience into receipts (every active staff assignment inside the
# publisher's subtree that a selector matches, one row per user at their deepest match) and
# pushes each recipient's notice to their live feed: the receipt row is the recipient's copy,
# so nothing is written to `notices` beside it (at 100k recipients a second copy with its four
# indexes doubled the time to publish), and the pushes come from the rows just written instead
# of a second scan of them. Past INLINE_PUSHES recipients the pushes are left to a job right
# after the commit (`push`): writing 100k outbox rows took over half the time to publish, and
# a recipient's inbox (the receipt) is there either way, in the one transaction.
INLINE_PUSHES = 5_000
RESOLVE = """
WITH resolved AS (
    INSERT INTO announcement_recipients (announcement_id, user_id, region_code, created_at)
    SELECT $1, user_id, region_code, $2 FROM (
        SELECT DISTINCT ON (ra.user_id) ra.user_id, ra.region_code
        FROM role_assignments ra JOIN users u ON u.id = ra.user_id AND u.is_active
        WHERE ra.region_code LIKE ANY($3::text[])
          AND ra.role = ANY($4::text[])
          AND (
            (ra.region_code LIKE ANY($5::text[])
             AND (cardinality($6::text[]) = 0 OR ra.role = ANY($6::text[])))
            OR ra.department_id = ANY($7::uuid[])
            OR ra.user_id = ANY($8::uuid[])
          )
        ORDER BY ra.user_id, length(ra.region_code) DESC, ra.region_code
    ) AS matched
    RETURNING user_id, region_code
), pushed AS (
    INSERT INTO outbox (topic, region_code, user_id, payload, created_at)
    SELECT 'notice', region_code, user_id,
           jsonb_build_object('id', ($1::uuid)::text, 'kind', 'announcement',
                              'title', $9::text, 'body', $10::text, 'event_id', NULL,
                              'region_code', region_code, 'created_at', $11::text),
           $2
    FROM resolved
    WHERE (SELECT count(*) FROM resolved) <= $12
)
SELECT count(*) AS recipients FROM resolved
"""

# The pushes of a notice published to more than INLINE_PUSHES, from its receipts.
PUSH = """
WITH pushed AS (
    INSERT INTO outbox (topic, region_code, user_id, payload, created_at)
    SELECT 'notice', region_code, user_id,
           jsonb_build_object('id', ($1::uuid)::text, 'kind', 'announcement',
                              'title', $2::text, 'body', $3::text, 'event_id', NULL,
                              'region_code', region_code, 'created_at', $4::text),
           $5
    FROM announcement_recipients WHERE announcement_id = $1 ORDER BY id
    RETURNING 1
)
SELECT count(*) AS pushed FROM pushed
"""
# A notice whose pushes were not written this long after publishing lost its job (Redis down,
# the process stopped between commit and enqueue): the sweep pushes it.
PUSH_OVERDUE = timedelta(minutes=1)


async def publish(
    *,
    actor: Principal,
    title: str,
    body: str,
    audience: Audience,
    body_format: BodyFormat = BodyFormat.PLAIN,
    priority: Priority = Priority.NORMAL,
    require_acknowledgement: bool = False,
    acknowledge_by: datetime | None = None,
    announcement_id: uuid.UUID | None = None,
    files: Sequence[UploadedFile] = (),
    limits: FileLimits | None = None,
    redis: Redis | None = None,
) -> Announcement:
    """Publish to the audience: every recipient has it, with a notice pushed live, or none does;
    with its files (the document, forms to fill in)."""
    me = _me(actor)
    prefixes = scope_prefixes(actor.assignments, "announcement", "publish")
    if not prefixes:
        raise PermissionDenied(_("your roles may not publish notices"))
    title = _text(title, name="title", limit=MAX_TITLE)
    body = _check_body(body, body_format)
    now = clock.now()
    if require_acknowledgement:
        if acknowledge_by is None:
            raise ValidationFailed(
                _("a notice that requires acknowledgement needs a deadline"), field="acknowledgeBy"
            )
        if not now < acknowledge_by <= now + MAX_ACK_WINDOW:
            raise ValidationFailed(
                _("the acknowledgement deadline must lie within the coming year"),
                field="acknowledgeBy",
            )
    elif acknowledge_by is not None:
        raise ValidationFailed(_("a deadline needs requireAcknowledgement"), field="acknowledgeBy")
    await _check_audience(actor, audience, prefixes)
    if announcement_id is not None:
        existing = await Announcement.filter(id=announcement_id).first()
        if existing is not None:
            if existing.publisher_id != me:
                raise Conflict(_("that id names another notice"), field="id")
            return existing  # a retried publish
    stored: list[StoredFile] = []
    if files:
        assert limits is not None, "files need the limits of stored files"
        # content-addressed: a file kept for a publish that then fails is harmless
        stored = await store_uploads(
            files, root=limits.root, max_bytes=limits.max_bytes, max_files=limits.max_files
        )
    home = next(
        (p for p in prefixes if all(in_subtree(c, p) for c in audience.region_codes)), prefixes[0]
    )
    record = Announcement(
        id=announcement_id or uuid.uuid4(),
        title=title,
        body=body,
        body_format=body_format,
        priority=priority,
        require_acknowledgement=require_acknowledgement,
        acknowledge_by=acknowledge_by,
        publisher_id=me,
        publisher_label=(actor.display_name or actor.username)[:100],
        region_code=home,
        audience=audience.as_data(),
        status=AnnouncementStatus.PUBLISHED,
        created_at=now,
    )
    async with in_transaction() as connection:
        resolved = await connection.execute_query_dict(
            RESOLVE,
            [
                record.id,
                now,
                [f"{p}%" for p in prefixes],
                list(STAFF_ROLES),
                [f"{c}%" for c in audience.region_codes],
                list(audience.roles),
                list(audience.department_ids),
                list(audience.user_ids),
                title,
                body[:EXCERPT],
                now.isoformat(),
                INLINE_PUSHES,
            ],
        )
        count = resolved[0]["recipients"]
        if count == 0:
            raise ValidationFailed(_("the audience has no one in it"), field="audience")
        record.recipient_count = count
        if count <= INLINE_PUSHES:
            record.pushed_at = now
        kept = [
            AnnouncementFile(
                id=uuid.uuid4(),
                announcement_id=record.id,
                sha256=file.sha256,
                content_type=file.content_type,
                size=file.size,
                filename=file.filename,
                created_at=now,
            )
            for file in stored
        ]
        record.attachment_ids = [str(k.id) for k in kept]
        stage = Stage.ACKNOWLEDGE if require_acknowledgement else None
        await moves.start(ANNOUNCEMENTS, record, actor=actor, action=Action.PUBLISH, stage=stage)
        await AnnouncementFile.bulk_create(kept)
    if record.pushed_at is None and redis is not None:
        await enqueue_push(redis, record.id)
    return record


async def enqueue_push(redis: Redis, announcement_id: uuid.UUID) -> bool:
    """Queue the pushes of a committed notice; False when Redis did not take it (the sweep
    pushes it once it is overdue)."""
    try:
        await jobs.queue(redis).enqueue_job(
            "push_announcement",
            str(announcement_id),
            _job_id=f"push-announcement:{announcement_id}",
        )
    except (RedisError, OSError):
        return False
    return True


async def push(*, announcement_id: uuid.UUID) -> int:
    """Write each recipient's live push of a notice published to many, once (a second run, or
    one after the notice was revoked, writes nothing); returns how many were written."""
    async with in_transaction() as connection:
        record = (
            await Announcement.filter(id=announcement_id, pushed_at=None)
            .select_for_update()
            .first()
        )
        if record is None:
            return 0
        now = clock.now()
        written = 0
        if record.status is AnnouncementStatus.PUBLISHED:
            rows = await connection.execute_query_dict(
                PUSH,
                [
                    record.id,
                    record.title,
                    record.body[:EXCERPT],
                    record.created_at.isoformat(),
                    now,
                ],
            )
            written = int(rows[0]["pushed"])
        record.pushed_at = now
        await record.save(update_fields=["pushed_at"])
    return written


async def push_overdue() -> int:
    """Push the notices whose job was lost; returns how many notices were pushed."""
    overdue = await Announcement.filter(
        pushed_at=None, created_at__lt=clock.now() - PUSH_OVERDUE
    ).values_list("id", flat=True)
    for announcement_id in overdue:
        await push(announcement_id=uuid.UUID(str(announcement_id)))
    return len(overdue)


async def files_of(announcement_id: uuid.UUID) -> list[AnnouncementFile]:
    return await AnnouncementFile.filter(announcement_id=announcement_id).order_by(
        "created_at", "id"
    )


async def readable_file(*, actor: Principal, file_id: uuid.UUID) -> AnnouncementFile:
    """A file of a notice the caller received (not revoked) or published or supervises;
    anything else is not found."""
    found = await AnnouncementFile.get_or_none(id=file_id)
    if found is None:
        raise NotFound("file", file_id)
    received = await AnnouncementRecipient.exists(
        announcement_id=found.announcement_id, user_id=_me(actor)
    ) and await Announcement.exists(id=found.announcement_id, status=AnnouncementStatus.PUBLISHED)
    if not received and not await Announcement.exists(
        _receipts_scope(actor), id=found.announcement_id
    ):
        raise NotFound("file", file_id)
    return found


def _receipts_scope(actor: Principal) -> Q:
    """Notices whose receipts the caller sees: their own, and those published from inside a
    region where they may read receipts (the publisher's superiors)."""
    prefixes = scope_prefixes(actor.assignments, "announcement", "read_receipts")
    return Q(publisher_id=_me(actor)) | _subtree_q(prefixes)


async def _published(actor: Principal, announcement_id: uuid.UUID) -> Announcement:
    found = await Announcement.filter(_receipts_scope(actor), id=announcement_id).first()
    if found is None:
        raise NotFound("notice", announcement_id, field="id")
    return found


async def get_published(*, actor: Principal, announcement_id: uuid.UUID) -> Announcement:
    """A notice the caller published or supervises, revoked ones included."""
    return await _published(actor, announcement_id)


async def revoke(
    *, actor: Principal, announcement_id: uuid.UUID, reason: str, version: int | None = None
) -> Announcement:
    """Withdraw a notice: hidden from recipients, kept with its receipts and timeline."""
    reason = _text(reason, name="reason", limit=MAX_REASON)
    me = _me(actor)

    def only_publisher(record: Announcement) -> None:
        if record.publisher_id != me:
            raise PermissionDenied(_("only the publisher revokes a notice"))

    async with moves.transition(
        ANNOUNCEMENTS,
        actor=actor,
        record_id=announcement_id,
        action=Action.REVOKE,
        note=reason,
        scope=_receipts_scope(actor),
        expected_version=version,
        authorize=only_publisher,
    ) as move:
        move.record.revoked_at = move.now
    return move.record


async def _receipt(actor: Principal, announcement_id: uuid.UUID) -> AnnouncementRecipient:
    receipt = await (
        AnnouncementRecipient.filter(announcement_id=announcement_id, user_id=_me(actor))
        .select_for_update()
        .first()
    )
    if receipt is None:
        raise NotFound("notice", announcement_id, field="id")
    announcement = await Announcement.get(id=announcement_id)
    if announcement.status is AnnouncementStatus.REVOKED:
        raise Conflict(_("the notice was revoked"), field="id")
    return receipt


async def mark_read(*, actor: Principal, announcement_id: uuid.UUID) -> InboxItem:
    """Record that the caller read a notice (the first time counts); its notice is read too."""
    async with in_transaction():
        receipt = await _receipt(actor, announcement_id)
        if receipt.read_at is None:
            receipt.read_at = clock.now()
            await receipt.save(update_fields=["read_at"])
    return InboxItem(await Announcement.get(id=announcement_id), receipt)


async def acknowledge(*, actor: Principal, announcement_id: uuid.UUID) -> InboxItem:
    """Acknowledge a notice (reading it too); acknowledging twice keeps the first time."""
    async with in_transaction():
        receipt = await _receipt(actor, announcement_id)
        announcement = await Announcement.get(id=announcement_id)
        if not announcement.require_acknowledgement:
            raise Conflict(_("this notice asks for no acknowledgement"), field="id")
        if receipt.acknowledged_at is None:
            now = clock.now()
            receipt.acknowledged_at = now
            receipt.read_at = receipt.read_at or now
            await receipt.save(update_fields=["acknowledged_at", "read_at"])
    return InboxItem(announcement, receipt)


async def inbox(
    *, actor: Principal, page: PageRequest, unread_only: bool = False
) -> tuple[Page[InboxItem], Any]:
    """Notices published to the caller, newest first; revoked ones are gone."""
    revoked = Announcement.filter(status=AnnouncementStatus.REVOKED).values("id")
    query = AnnouncementRecipient.filter(user_id=_me(actor)).exclude(
        announcement_id__in=Subquery(revoked)
    )
    if unread_only:
        query = query.filter(read_at=None)
    filtered = query
    if page.after is not None:
        created, _unused, row_id = page.after.partition("|")
        try:
            at, last = datetime.fromisoformat(created), int(row_id)
        except ValueError as exc:
            raise ValidationFailed(_("malformed cursor"), field="after") from exc
        query = query.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=last))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    announcements = {
        a.id: a for a in await Announcement.filter(id__in=[r.announcement_id for r in rows])
    }
    items = [InboxItem(announcements[r.announcement_id], r) for r in rows]
    return make_page(
        items, page, lambda i: f"{i.receipt.created_at.isoformat()}|{i.receipt.id}"
    ), filtered


async def published(
    *, actor: Principal, page: PageRequest, mine_only: bool = True
) -> tuple[Page[Announcement], Any]:
    """Notices the caller published (or, with mine_only false, also those they supervise)."""
    query = (
        Announcement.filter(publisher_id=_me(actor))
        if mine_only
        else Announcement.filter(_receipts_scope(actor))
    )
    filtered = query
    if page.after is not None:
        created, last = split_cursor(page.after)
        query = query.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=last))
    rows = await query.order_by("-created_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda a: f"{a.created_at.isoformat()}|{a.id}"), filtered


def _region_arg(region_code: str | None) -> str | None:
    if region_code is not None and Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("{region_code!r} is not a region code", region_code=region_code), field="regionCode"
        )
    return region_code


async def receipts(
    *, actor: Principal, announcement_id: uuid.UUID, region_code: str | None = None
) -> Receipts:
    """Counts read / acknowledged / reminded of a notice, under a region when asked."""
    await _published(actor, announcement_id)
    query = AnnouncementRecipient.filter(announcement_id=announcement_id)
    if _region_arg(region_code):
        query = query.filter(region_code__startswith=region_code)
    row = (
        await query.annotate(
            total=Count("id"),
            read=Count("id", _filter=Q(read_at__not_isnull=True)),
            acknowledged=Count("id", _filter=Q(acknowledged_at__not_isnull=True)),
            reminded=Count("id", _filter=Q(reminded_at__not_isnull=True)),
        ).values("total", "read", "acknowledged", "reminded")
    )[0]
    return Receipts(
        recipients=row["total"],
        read=row["read"],
        acknowledged=row["acknowledged"],
        reminded=row["reminded"],
    )


# Receipts per region directly below one: a row per region that has recipients.
BY_REGION = """
SELECT left(region_code, $3) AS code, count(*) AS recipients, count(read_at) AS read,
       count(acknowledged_at) AS acknowledged, count(reminded_at) AS reminded
FROM announcement_recipients
WHERE announcement_id = $1 AND region_code LIKE $2 || '%' AND length(region_code) >= $3
GROUP BY 1 ORDER BY 1
"""


async def receipts_by_region(
    *, actor: Principal, announcement_id: uuid.UUID, region_code: str | None = None
) -> list[RegionReceipts]:
    """Receipts of each region directly below `region_code` (default: where it went out from)."""
    announcement = await _published(actor, announcement_id)
    parent = _region_arg(region_code) or announcement.region_code
    length = child_length(parent)
    if length is None:
        raise ValidationFailed(_("a grid has no regions below it"), field="regionCode")
    rows = await connections.get("default").execute_query_dict(
        BY_REGION, [announcement_id, parent, length]
    )
    return [
        RegionReceipts(
            region_code=row["code"],
            receipts=Receipts(
                recipients=row["recipients"],
                read=row["read"],
                acknowledged=row["acknowledged"],
                reminded=row["reminded"],
            ),
        )
        for row in rows
    ]


async def pending(
    *,
    actor: Principal,
    announcement_id: uuid.UUID,
    page: PageRequest,
    region_code: str | None = None,
    unread: bool = False,
) -> tuple[Page[AnnouncementRecipient], Any]:
    """Recipients who have not acknowledged (or, with unread, not read), under a region."""
    await _published(actor, announcement_id)
    query = AnnouncementRecipient.filter(announcement_id=announcement_id)
    query = query.filter(read_at=None) if unread else query.filter(acknowledged_at=None)
    if _region_arg(region_code):
        query = query.filter(region_code__startswith=region_code)
    filtered = query
    if page.after is not None:
        try:
            query = query.filter(id__gt=int(page.after))
        except ValueError as exc:
            raise ValidationFailed(_("malformed cursor"), field="after") from exc
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda r: r.id), filtered
