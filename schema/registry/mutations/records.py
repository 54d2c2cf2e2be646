"""What every kind of record shares: deregistration (注销)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from api.domains.registry import service
from api.domains.registry.enums import (
    RecordKind,
    RecordStatus,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.permissions import allow
from schema.registry.mutations.base import required_id
from schema.types import Info


@strawberry.type(description="The record deregistered (kept, with its history).")
class DeregisterPayload:
    kind: RecordKind
    uuid: uuid.UUID
    status: RecordStatus
    version: int


DeregisterResult = Annotated[
    DeregisterPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("DeregisterResult", description="Outcome of a registry change."),
]


@strawberry.type
class RecordsMutation:
    @strawberry.mutation(
        description="注销: deregister a record (kept with its history); a special-group record "
        "ends.",
        extensions=allow("registry", "read"),
    )
    async def deregister_record(
        self,
        info: Info,
        kind: RecordKind,
        id: strawberry.ID,
        reason: str,
        expected_version: int | None = None,
    ) -> DeregisterResult:
        record = await service.deregister(
            actor=info.context.principal,
            kind=kind,
            record_id=required_id(id, None),
            reason=reason,
            expected_version=expected_version,
        )
        return DeregisterPayload(
            kind=kind, uuid=record.id, status=record.status, version=record.version
        )
