"""Scanned materials and assessment reports: sniffed from their bytes, size-bounded and kept
once by SHA-256 in the attachment store (api/uploads.py), served only to who may read the
application or assessment they belong to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import filetype

from api import uploads
from api.auth import Principal
from api.domains.approvals.models import ApprovalFile
from api.errors import ErrorCode, NotAllowed, ValidationFailed
from api.i18n import _
from api.uploads import UploadedFile

SNIFF_BYTES = 8192
# What a scanner or a phone's camera makes, and the documents an office sends.
ACCEPTED_TYPES: Final = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/webp",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)


def _content_type(head: bytes, size: int, filename: str) -> str:
    kind = filetype.guess(head)
    content_type = kind.mime if kind else "unknown"
    if content_type not in ACCEPTED_TYPES:
        raise ValidationFailed(
            _(
                "{filename}: {content_type} files are not accepted (PDF, JPEG, PNG, WebP, DOCX are)",
                filename=filename,
                content_type=content_type,
            ),
            field="files",
            code=ErrorCode.UNSUPPORTED_FILE,
        )
    return content_type


async def upload(
    *,
    actor: Principal,
    files: Sequence[UploadedFile],
    root: Path,
    max_bytes: int,
    max_files: int,
) -> list[ApprovalFile]:
    """Keep the files for the caller's next application (or report): nobody else may list them."""
    if actor.user_id is None:
        raise NotAllowed(_("files are uploaded from a user's account"))
    if not files or len(files) > max_files:
        raise ValidationFailed(_("send 1 to {max_files} files", max_files=max_files), field="files")
    rows = []
    for file in files:
        stored = await uploads.store(
            file,
            root=root,
            max_bytes=max_bytes,
            head_bytes=SNIFF_BYTES,
            field="files",
            default_name="material",
            check=_content_type,
        )
        rows.append(
            await ApprovalFile.create(
                id=uuid.uuid4(),
                sha256=stored.sha256,
                content_type=stored.kind,
                size=stored.size,
                filename=stored.filename,
                uploaded_by_id=actor.user_id,
            )
        )
    return rows
