"""Account queries."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.websockets import WebSocket

from api.domains.accounts import service
from api.domains.accounts.enums import Role
from api.errors import NotFound
from api.pagination import page_request
from schema.accounts.types import ApiKeyType, UserType
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.type
class AccountsQuery:
    @strawberry.field(
        description="The signed-in user; null for an API key.", extensions=signed_in()
    )
    async def me(self, info: Info) -> UserType | None:
        principal = info.context.principal
        if principal.user_id is None:
            return None
        # Over HTTP the principal was looked up for this very request, user row and roles with
        # it; a websocket's is as old as its connection, so that reads them afresh.
        if principal.account is not None and not isinstance(info.context.request, WebSocket):
            return UserType.from_principal(principal, principal.account)
        return UserType.from_model(
            await service.get_user(actor=principal, user_id=principal.user_id)
        )

    @strawberry.field(
        description="A user in your scope; null otherwise.", extensions=allow("user", "read")
    )
    async def user(self, info: Info, id: strawberry.ID) -> UserType | None:
        user_id = parse_uuid(id, "User")
        if user_id is None:
            return None
        try:
            return UserType.from_model(
                await service.get_user(actor=info.context.principal, user_id=user_id)
            )
        except NotFound:
            return None

    @strawberry.field(
        description="Users with a role in your scope, by username.",
        extensions=allow("user", "read"),
    )
    async def users(
        self,
        info: Info,
        region_code: Annotated[
            str | None, strawberry.argument(description="Role held under this region.")
        ] = None,
        role: Role | None = None,
        search: str | None = None,
        include_inactive: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[UserType]:
        page, filtered = await service.list_users(
            actor=info.context.principal,
            page=page_request(first, after),
            region_code=region_code,
            role=role,
            search=search,
            include_inactive=include_inactive,
        )
        return connection(page, filtered, UserType.from_model)

    @strawberry.field(
        description="Integration API keys in your scope.", extensions=allow("api_key", "read")
    )
    async def api_keys(
        self,
        info: Info,
        include_revoked: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ApiKeyType]:
        page, filtered = await service.list_api_keys(
            actor=info.context.principal,
            page=page_request(first, after),
            include_revoked=include_revoked,
        )
        return connection(page, filtered, ApiKeyType.from_model)
