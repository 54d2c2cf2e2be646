"""Photos and documents of registry records (图片管理): add, list, delete (softly)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, cast
from uuid import UUID

import strawberry
from strawberry.file_uploads import Upload

from api.domains.registry import files as record_files
from api.domains.registry.enums import RecordKind
from api.domains.registry.models import RecordFile
from api.pagination import page_request
from api.uploads import UploadedFile
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.registry.mutations.base import required_id
from schema.types import Info


@strawberry.type(description="A photo or document of a registry record.")
class RegistryFile:
    id: strawberry.ID
    record_kind: RecordKind
    record_id: UUID
    filename: str
    content_type: str
    size: int = strawberry.field(description="Bytes.")
    caption: str
    uploaded_by_label: str
    created_at: dt.datetime
    masked: bool = strawberry.field(
        description="A person's photo you may not open (you do not see identifiers whole)."
    )
    url: str | None = strawberry.field(
        description="Download it here (same credentials); null when masked."
    )

    @classmethod
    def from_model(cls, row: RecordFile, info: Info) -> RegistryFile:
        masked = not record_files.may_open(info.context.principal, row)
        return cls(
            id=strawberry.ID(str(row.id)),
            record_kind=row.record_kind,
            record_id=row.record_id,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            caption=row.caption,
            uploaded_by_label=row.uploaded_by_label,
            created_at=row.created_at,
            masked=masked,
            url=None if masked else f"/registry-files/{row.id}",
        )


@strawberry.type(description="The files added.")
class RegistryFilesPayload:
    files: list[RegistryFile]


RegistryFilesResult = Annotated[
    RegistryFilesPayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("RegistryFilesResult", description="Outcome of adding files."),
]


@strawberry.type(description="The file deleted.")
class RegistryFileDeletedPayload:
    file: RegistryFile


RegistryFileDeleteResult = Annotated[
    RegistryFileDeletedPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("RegistryFileDeleteResult", description="Outcome of deleting a file."),
]


@strawberry.type
class FilesQuery:
    @strawberry.field(
        description="Photos and documents of a record you may read (deleted ones left out).",
        extensions=allow("registry", "read"),
    )
    async def registry_files(
        self,
        info: Info,
        kind: RecordKind,
        id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RegistryFile]:
        page, filtered = await record_files.list_files(
            actor=info.context.principal,
            kind=kind,
            record_id=required_id(id, None),
            page=page_request(first, after),
        )
        return connection(page, filtered, lambda row: RegistryFile.from_model(row, info))


@strawberry.type
class FilesMutation:
    @strawberry.mutation(
        description="图片管理: add photos or documents to a person, household, house, building or "
        "organisation (multipart upload; type sniffed, size bounded).",
        extensions=allow("registry", "update"),
    )
    async def attach_registry_files(
        self,
        info: Info,
        kind: RecordKind,
        id: strawberry.ID,
        files: list[Upload],
        caption: str = "",
    ) -> RegistryFilesResult:
        settings = info.context.settings
        rows = await record_files.attach_files(
            actor=info.context.principal,
            kind=kind,
            record_id=required_id(id, None),
            # Strawberry types Upload as bytes; on Starlette it is an UploadFile.
            files=cast("list[UploadedFile]", files),
            caption=caption,
            root=settings.attachment_dir,
            max_bytes=settings.gridgov_max_upload_bytes,
            max_files=settings.gridgov_max_upload_files,
        )
        return RegistryFilesPayload(files=[RegistryFile.from_model(row, info) for row in rows])

    @strawberry.mutation(
        description="Delete a record's file (it stays, no longer listed or served; audited).",
        extensions=allow("registry", "update"),
    )
    async def delete_registry_file(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> RegistryFileDeleteResult:
        row = await record_files.delete_file(
            actor=info.context.principal, file_id=required_id(id, None), reason=reason
        )
        return RegistryFileDeletedPayload(file=RegistryFile.from_model(row, info))
