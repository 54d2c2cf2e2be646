"""Audit log queries (admins)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.domains.audit import models, service
from api.pagination import page_request
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.types import Info


@strawberry.type(name="AuditEntry", description="Who did what to which object, and when.")
class AuditEntryType:
    at: datetime
    actor_label: str = strawberry.field(description="Username or API key name.")
    action: str = strawberry.field(description="e.g. region.update, user.assign_role.")
    object_type: str
    object_id: str
    region_code: str
    detail: JSON

    @classmethod
    def from_model(cls, entry: models.AuditEntry) -> AuditEntryType:
        return cls(
            at=entry.at,
            actor_label=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            region_code=entry.region_code,
            detail=entry.detail,
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Audit log of your scope, newest first.", extensions=allow("audit_log", "read")
    )
    async def audit_log(
        self,
        info: Info,
        region_code: str | None = None,
        action: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntryType]:
        page, filtered = await service.list_entries(
            actor=info.context.principal,
            page=page_request(first, after),
            region_code=region_code,
            action=action,
            object_type=object_type,
            object_id=object_id,
        )
        return connection(page, filtered, AuditEntryType.from_model)
