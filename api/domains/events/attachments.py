"""Event attachments: type sniffed from the bytes, size bounded, stored once by SHA-256."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.events.enums import Action
from api.domains.events.models import Attachment, Event, TimelineEntry
from api.domains.events.service import publish_change, readable_events
from api.errors import NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.query import rows_by_record
from api.uploads import (  # the store every domain's files share, re-exported for its users
    CHUNK,
    StoredFile,
    UploadedFile,
    store_uploads,
)
from policies.enforcer import authorize


async def record_files(
    event: Event, *, actor: Principal, stored: Sequence[StoredFile], note: str
) -> TimelineEntry:
    """Attachment rows, their timeline entry and the change: call inside a transaction."""
    now = clock.now()
    rows = [
        await Attachment.create(
            event_id=event.id,
            sha256=s.sha256,
            content_type=s.content_type,
            size=s.size,
            filename=s.filename,
            uploaded_by_id=actor.user_id or actor.api_key_id,
        )
        for s in stored
    ]
    last = await TimelineEntry.filter(event_id=event.id).order_by("-id").first()
    entry = await TimelineEntry.create(
        event_id=event.id,
        action=Action.ATTACH,
        actor_id=actor.user_id or actor.api_key_id,
        actor_label=actor.label[:100],
        from_status=event.status,
        to_status=event.status,
        from_region_code=event.handling_region_code,
        to_region_code=event.handling_region_code,
        note=note.strip()[:2000],
        attachment_ids=[str(r.id) for r in rows],
        seconds_spent=int((now - last.at).total_seconds()) if last else None,
        at=now,
    )
    await publish_change(event, action=Action.ATTACH, actor=actor, at=now, note=entry.note)
    return entry


async def attach(
    *,
    actor: Principal,
    event_id: uuid.UUID,
    files: Sequence[UploadedFile],
    note: str,
    root: Path,
    max_bytes: int,
    max_files: int,
) -> tuple[Event, TimelineEntry]:
    """Add files to an event (evidence, results): any staff in scope of where it happened."""
    if not files or len(files) > max_files:
        raise ValidationFailed(_("send 1 to {max_files} files", max_files=max_files), field="files")
    event = await Event.filter(readable_events(actor), id=event_id).first()
    if event is None:
        raise NotFound("event", event_id)
    try:
        authorize(actor.assignments, "event", "attach", at=event.region_code)
    except PermissionDenied as error:
        raise NotAllowed(_("your roles may not add files to this event")) from error
    stored = await store_uploads(files, root=root, max_bytes=max_bytes, max_files=max_files)
    async with in_transaction():
        entry = await record_files(event, actor=actor, stored=stored, note=note)
    return event, entry


async def readable_attachment(*, actor: Principal, attachment_id: uuid.UUID) -> Attachment:
    """An attachment of an event the caller may read or reported themselves (a citizen's own
    photos); anything else is not found."""
    attachment = await Attachment.get_or_none(id=attachment_id)
    visible = readable_events(actor)
    if actor.user_id is not None:
        visible |= Q(reporter_id=actor.user_id)
    if attachment is None or not await Event.filter(visible, id=attachment.event_id).exists():
        raise NotFound("attachment", attachment_id)
    return attachment


async def attachments_of(event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Attachment]]:
    return await rows_by_record(
        Attachment.all().order_by("created_at", "id"), event_ids, "event_id"
    )


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk
