"""Photos and documents of registry records (图片管理): people, households, houses, buildings and
organisations. Kept in the store events' files use (type sniffed, size bounded, once by
SHA-256); listed to whoever may read the record; a person's photos are personal data, so only
a caller who sees identifiers whole may open them (each opening audited), others see that they
exist. Deleted softly: the row stays, the deletion is audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.audit.models import AuditEntry
from api.domains.registry.enums import RecordKind, RecordStatus
from api.domains.registry.models import RecordFile
from api.domains.registry.privacy import may_read_sensitive
from api.domains.registry.reads import record_unmasked_reads
from api.domains.registry.records import MODELS, keyset_page, readable, readable_record
from api.domains.registry.validation import text
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest
from api.uploads import UploadedFile, store_uploads
from policies.enforcer import authorize

FILE_KINDS: Final = frozenset(
    {
        RecordKind.PERSON,
        RecordKind.HOUSEHOLD,
        RecordKind.HOUSE,
        RecordKind.BUILDING,
        RecordKind.ORGANISATION,
    }
)
# Photos and the documents that go with a record (a lease, a licence): no video or audio.
RECORD_TYPES: Final = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
MAX_PER_RECORD: Final = 50
MAX_CAPTION: Final = 200
MAX_REASON: Final = 200


def _kind(kind: RecordKind) -> RecordKind:
    if kind not in FILE_KINDS:
        raise ValidationFailed(
            _("photos are kept for people, households, houses, buildings and organisations"),
            field="kind",
        )
    return kind


def _may_change(actor: Principal, region_code: str) -> None:
    try:
        authorize(actor.assignments, "registry", "update", at=region_code)
    except PermissionDenied as error:
        raise NotAllowed(_("your roles may not change this record's files")) from error


async def _audit(actor: Principal, action: str, row: RecordFile, **detail: Any) -> None:
    await AuditEntry.create(
        actor_id=actor.user_id or actor.api_key_id,
        actor_label=actor.label[:100],
        action=action,
        object_type="registry_file",
        object_id=str(row.id),
        region_code=row.region_code,
        detail={"record_kind": row.record_kind.value, "record_id": str(row.record_id), **detail},
    )


async def attach_files(
    *,
    actor: Principal,
    kind: RecordKind,
    record_id: uuid.UUID,
    files: Sequence[UploadedFile],
    caption: str,
    root: Path,
    max_bytes: int,
    max_files: int,
) -> list[RecordFile]:
    """Add photos or documents to a registered record (the caller may change it)."""
    kind = _kind(kind)
    note = text(MAX_CAPTION).clean(caption, field="caption") or ""
    record: Any = await readable_record(actor, MODELS[kind], record_id, kind=kind, field="id")
    _may_change(actor, record.region_code)
    if record.status is not RecordStatus.ACTIVE:
        raise ValidationFailed(_("the {value} is deregistered", value=kind.value), field="id")
    stored = await store_uploads(files, root=root, max_bytes=max_bytes, max_files=max_files)
    for one in stored:
        if one.content_type not in RECORD_TYPES:
            raise ValidationFailed(
                _(
                    "{filename}: {content_type} is not kept with a record (photos, PDF and Word documents are)",
                    filename=one.filename,
                    content_type=one.content_type,
                ),
                field="files",
                code=ErrorCode.UNSUPPORTED_FILE,
            )
    async with in_transaction():
        await MODELS[kind].filter(id=record.id).select_for_update().first()
        kept = await RecordFile.filter(record_id=record.id, deleted_at__isnull=True).count()
        if kept + len(stored) > MAX_PER_RECORD:
            raise ValidationFailed(
                _(
                    "a record keeps at most {MAX_PER_RECORD} files (it has {kept})",
                    MAX_PER_RECORD=MAX_PER_RECORD,
                    kept=kept,
                ),
                field="files",
            )
        rows = []
        for one in stored:
            row = await RecordFile.create(
                id=uuid.uuid4(),
                record_kind=kind,
                record_id=record.id,
                region_code=record.region_code,
                sha256=one.sha256,
                content_type=one.content_type,
                size=one.size,
                filename=one.filename,
                caption=note,
                uploaded_by_id=actor.user_id or actor.api_key_id,
                uploaded_by_label=actor.label[:100],
            )
            await _audit(actor, "registry_file.add", row, filename=one.filename)
            rows.append(row)
    return rows


async def list_files(
    *, actor: Principal, kind: RecordKind, record_id: uuid.UUID, page: PageRequest
) -> tuple[Page[RecordFile], Any]:
    """The kept (not deleted) files of a record the caller may read."""
    kind = _kind(kind)
    record: Any = await readable_record(actor, MODELS[kind], record_id, kind=kind, field="id")
    query = RecordFile.filter(record_id=record.id, deleted_at__isnull=True)
    return await keyset_page(query, page), query


def may_open(actor: Principal, row: RecordFile) -> bool:
    """A person's photos are opened only by a caller who sees identifiers whole."""
    return row.record_kind is not RecordKind.PERSON or may_read_sensitive(actor, row.region_code)


async def readable_file(*, actor: Principal, file_id: uuid.UUID) -> RecordFile:
    """A kept file the caller may open (the download); anything else is not found. Opening a
    person's photo is audited like any identifier read whole."""
    row = await RecordFile.get_or_none(id=file_id, deleted_at__isnull=True)
    if row is None:
        raise NotFound("file", file_id)
    model = MODELS[row.record_kind]
    record = await model.filter(readable(actor), id=row.record_id).first()
    if record is None or not may_open(actor, row):
        raise NotFound("file", file_id)
    if row.record_kind is RecordKind.PERSON:
        await record_unmasked_reads(
            [(actor, row.record_kind.value, str(row.record_id), row.region_code, "photo")]
        )
    return row


async def delete_file(*, actor: Principal, file_id: uuid.UUID, reason: str) -> RecordFile:
    """Delete a file softly (it stays, no longer listed or served); audited with the reason."""
    note = text(MAX_REASON, required=True).clean(reason, field="reason")
    async with in_transaction():
        row = await RecordFile.filter(id=file_id).select_for_update().first()
        if row is None:
            raise NotFound("file", file_id)
        model = MODELS[row.record_kind]
        if not await model.filter(readable(actor), id=row.record_id).exists():
            raise NotFound("file", file_id)
        _may_change(actor, row.region_code)
        if row.deleted_at is not None:
            raise Conflict(_("the file is deleted already"), field="id")
        row.deleted_at = clock.now()
        row.deleted_by_id = actor.user_id or actor.api_key_id
        row.deleted_reason = note
        await row.save()
        await _audit(actor, "registry_file.delete", row, reason=note)
    return row
