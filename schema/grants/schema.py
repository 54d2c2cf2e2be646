"""Runtime permissions: grant or withdraw a role's action in a region's subtree; the matrix."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.domains.accounts.enums import Role
from api.domains.grants import service
from api.domains.grants.enums import PermissionSource
from api.pagination import page_request
from api.regions import Level
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.pagination import Connection, Counted, connection
from schema.permissions import allow
from schema.types import Info

strawberry.enum(
    PermissionSource,
    name="PermissionSource",
    description="Where a row of the matrix comes from: the shipped policy, a grant, a withdrawal.",
)


@strawberry.input(description="A role's action in a region's subtree, at some target levels.")
class PermissionChangeInput:
    role: Role = strawberry.field(description="The role granted to or withdrawn from.")
    object: str = strawberry.field(description="The kind of object, as in policies/policy.csv.")
    action: str = strawberry.field(description="The action on it, as in policies/policy.csv.")
    region_code: str = strawberry.field(description="The subtree the change holds in.")
    levels: list[Level] | None = strawberry.field(
        default=None,
        description="Target levels (of the objects' regions); all the role reaches if omitted.",
    )
    note: str = strawberry.field(default="", description="Why, at most 500 characters.")


@strawberry.type(description="A grant or withdrawal as stored (casbin rows, one per level).")
class PermissionChangePayload:
    role: Role
    object: str
    action: str
    region_code: str
    levels: list[Level]
    rules_added: int = strawberry.field(description="Rows stored (grants or withdrawals).")
    rules_removed: int = strawberry.field(description="Rows replaced (grants at or below).")


PermissionChangeResult = Annotated[
    PermissionChangePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("PermissionChangeResult", description="The change, or why not."),
]


@strawberry.type(description="One action a role may do (or was withdrawn) at a region.")
class PermissionMatrixRow:
    object: str
    action: str
    level: Level = strawberry.field(description="The target level (of the object's region).")
    allowed: bool
    source: PermissionSource
    rule_region_code: str | None = strawberry.field(
        description="Where the deciding grant or withdrawal was made (none when shipped)."
    )
    changed_by: str | None = strawberry.field(description="Who made it.")
    changed_at: datetime | None = strawberry.field(description="When.")
    note: str

    @classmethod
    def from_row(cls, row: service.MatrixRow) -> PermissionMatrixRow:
        return cls(
            object=row.obj,
            action=row.action,
            level=row.level,
            allowed=row.allowed,
            source=row.source,
            rule_region_code=row.rule_region_code,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
            note=row.note,
        )


def _payload(change: service.PermissionChange) -> PermissionChangePayload:
    return PermissionChangePayload(
        role=Role(change.role),
        object=change.obj,
        action=change.action,
        region_code=change.region_code,
        levels=change.levels,
        rules_added=change.added,
        rules_removed=change.removed,
    )


async def _change(
    info: Info, input: PermissionChangeInput, *, grant: bool
) -> PermissionChangePayload:
    change = await (service.grant_permission if grant else service.withdraw_permission)(
        actor=info.context.principal,
        request=service.PermissionRequest(
            role=input.role.value,
            obj=input.object,
            action=input.action,
            region_code=input.region_code,
            levels=input.levels,
            note=input.note,
        ),
    )
    return _payload(change)


@strawberry.type
class PermissionsQuery:
    @strawberry.field(
        description="What a role may do at a region, level by level, and where each row comes"
        " from (shipped policy, a grant or a withdrawal at or above the region).",
        extensions=allow("permission", "read"),
    )
    async def permission_matrix(
        self,
        info: Info,
        role: Role,
        region_code: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PermissionMatrixRow]:
        page, total = await service.permission_matrix(
            actor=info.context.principal,
            role=role.value,
            region_code=region_code,
            page=page_request(first, after),
        )
        return connection(page, Counted(total), PermissionMatrixRow.from_row)


@strawberry.type
class PermissionsMutation:
    @strawberry.mutation(
        description="Allow a role an action in a region's subtree (only what you may do there"
        " yourself); every API process enforces it within a second.",
        extensions=allow("permission", "grant"),
    )
    async def grant_permission(
        self, info: Info, input: PermissionChangeInput
    ) -> PermissionChangeResult:
        return await _change(info, input, grant=True)

    @strawberry.mutation(
        description="Take an action from a role in a region's subtree (grants there and below"
        " end; a shipped right is withdrawn where the role cannot be held above the region).",
        extensions=allow("permission", "grant"),
    )
    async def withdraw_permission(
        self, info: Info, input: PermissionChangeInput
    ) -> PermissionChangeResult:
        return await _change(info, input, grant=False)
