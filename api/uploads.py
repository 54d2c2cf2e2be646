"""Uploaded files kept once by their SHA-256 under a directory (event attachments, import files):
streamed to disk while hashing, bounded in size, checked by their first bytes, then moved into
place, so a half-written or refused file is never left behind."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import anyio
import filetype

from api.errors import ErrorCode, ValidationFailed
from api.i18n import _

CHUNK = 64 * 1024
T = TypeVar("T")


class UploadedFile(Protocol):
    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class Stored(Generic[T]):
    sha256: str
    size: int
    filename: str
    kind: T  # what the check made of the file's first bytes (a content type, a format)


def path_of(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def clean_filename(name: str | None, *, default: str) -> str:
    base = os.path.basename((name or default).replace("\\", "/")).strip() or default
    return "".join(c for c in base if c.isprintable())[:200]


async def store(
    upload: UploadedFile,
    *,
    root: Path,
    max_bytes: int,
    head_bytes: int,
    field: str,
    default_name: str,
    check: Callable[[bytes, int, str], T],
) -> Stored[T]:
    """Keep the upload under `root`; `check(head, size, filename)` raises for a file that is not
    accepted and otherwise says what it is."""
    await anyio.Path(root).mkdir(parents=True, exist_ok=True)
    filename = clean_filename(upload.filename, default=default_name)
    digest = hashlib.sha256()
    size = 0
    head = b""
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationFailed(
                        _(
                            "{filename} is over {max_bytes} MiB",
                            filename=filename,
                            max_bytes=max_bytes // 1_048_576,
                        ),
                        field=field,
                        code=ErrorCode.FILE_TOO_LARGE,
                    )
                if len(head) < head_bytes:
                    head += chunk[: head_bytes - len(head)]
                digest.update(chunk)
                out.write(chunk)
        kind = check(head, size, filename)
        sha256 = digest.hexdigest()
        target = path_of(root, sha256)
        await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
        # The same content is kept once; replacing it (an atomic rename) also renews its time,
        # which the import purge reads so that it never deletes a file just stored again.
        os.replace(temporary, target)
        return Stored(sha256, size, filename, kind)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# ---------------------------------------------------------------- photos and documents

SNIFF_BYTES = 8192
# What a grid worker's phone or a centre sends: photos, video, voice notes, documents.
ALLOWED_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "video/mp4",
    "video/quicktime",
    "audio/mpeg",
    "audio/mp4",
    "audio/aac",  # the WeChat mini-program recorder's default
    "audio/amr",
    "audio/x-wav",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "video/mp4", "audio/mpeg", "audio/mp4"}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    content_type: str
    size: int
    filename: str


def _content_type(head: bytes, size: int, filename: str) -> str:
    kind = filetype.guess(head)
    content_type = kind.mime if kind else "unknown"
    if content_type not in ALLOWED_TYPES:
        raise ValidationFailed(
            _(
                "{filename}: {content_type} files are not accepted (photos, video, audio, PDF and Office documents are)",
                filename=filename,
                content_type=content_type,
            ),
            field="files",
            code=ErrorCode.UNSUPPORTED_FILE,
        )
    return content_type


async def _store(upload: UploadedFile, *, root: Path, max_bytes: int) -> StoredFile:
    stored = await store(
        upload,
        root=root,
        max_bytes=max_bytes,
        head_bytes=SNIFF_BYTES,
        field="files",
        default_name="file",
        check=_content_type,
    )
    return StoredFile(stored.sha256, stored.kind, stored.size, stored.filename)


async def store_uploads(
    files: Sequence[UploadedFile], *, root: Path, max_bytes: int, max_files: int
) -> list[StoredFile]:
    """Check and keep the files (content-addressed, so a file kept for a request that later
    fails is harmless: nothing refers to it)."""
    if not files or len(files) > max_files:
        raise ValidationFailed(_("send 1 to {max_files} files", max_files=max_files), field="files")
    return [await _store(upload, root=root, max_bytes=max_bytes) for upload in files]
