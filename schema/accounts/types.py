"""GraphQL types of accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from api.auth import Account, Principal
from api.domains.accounts import models
from api.domains.accounts.enums import Role
from schema.node import Node
from schema.types import Info

strawberry.enum(Role, name="Role", description="A role; where it may be held is policy.")


@strawberry.type(name="RoleAssignment", description="A role held at a region.")
class RoleAssignmentType:
    assignment_id: strawberry.Private[uuid.UUID]
    role: Role = strawberry.field(description="The role.")
    region_code: str = strawberry.field(description="Where it is held; its subtree is the scope.")
    department_id: strawberry.ID | None = strawberry.field(
        description="Department, for department staff."
    )

    @strawberry.field(description="Id of this assignment (for revokeRole).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.assignment_id))

    @classmethod
    def from_model(cls, assignment: models.RoleAssignment) -> RoleAssignmentType:
        return cls(
            assignment_id=assignment.id,
            role=assignment.role,
            region_code=assignment.region_code,
            department_id=strawberry.ID(str(assignment.department_id))
            if assignment.department_id
            else None,
        )


@strawberry.type(name="User", description="A staff or citizen account.")
class UserType(Node):
    user_id: strawberry.Private[uuid.UUID]
    username: str = strawberry.field(description="Sign-in name.")
    display_name: str = strawberry.field(description="Name shown to others.")
    phone: str | None = strawberry.field(description="Work phone.")
    is_active: bool = strawberry.field(description="False once deactivated.")
    created_at: datetime = strawberry.field(description="Created.")
    last_login_at: datetime | None = strawberry.field(description="Last successful sign-in.")
    language: str | None = strawberry.field(
        default=None,
        description="Saved language of messages and labels (zh-CN, en) where a request's"
        " Accept-Language names none; null: the deployment's default.",
    )
    # already read this request (the signed-in user's, by the sign-in lookup); else loaded
    known_roles: strawberry.Private[list[RoleAssignmentType] | None] = None

    def node_key(self) -> str:
        return str(self.user_id)

    @strawberry.field(description="Roles held and where.")
    async def roles(self, info: Info) -> list[RoleAssignmentType]:
        if self.known_roles is not None:
            return self.known_roles
        assignments = await info.context.loaders.assignments_by_user.load(self.user_id)
        return [RoleAssignmentType.from_model(a) for a in assignments]

    @classmethod
    def from_principal(cls, principal: Principal, account: Account) -> UserType:
        """The signed-in user as the sign-in lookup of this request read it."""
        assert principal.user_id is not None
        roles = []
        # in the order the loader gives them (assignments_of)
        for held in sorted(principal.assignments, key=lambda a: (a.region_code, a.role)):
            assert held.id is not None  # the sign-in lookup reads the ids with the account
            department = held.department_id
            roles.append(
                RoleAssignmentType(
                    assignment_id=held.id,
                    role=Role(held.role),
                    region_code=held.region_code,
                    department_id=strawberry.ID(str(department)) if department else None,
                )
            )
        return cls(
            user_id=principal.user_id,
            username=principal.username,
            display_name=principal.display_name,
            phone=account.phone,
            is_active=account.is_active,
            created_at=account.created_at,
            last_login_at=account.last_login_at,
            language=account.language,
            known_roles=roles,
        )

    @classmethod
    def from_model(cls, user: models.User) -> UserType:
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            phone=user.phone,
            is_active=user.is_active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            language=user.language,
        )


@strawberry.type(
    name="ApiKey", description="An integration's key; the secret is never shown again."
)
class ApiKeyType(Node):
    api_key_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="Which system uses it.")
    prefix: str = strawberry.field(description="Public part, to recognise the key in logs.")
    region_code: str = strawberry.field(description="Scope of the integration.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def node_key(self) -> str:
        return str(self.api_key_id)

    @classmethod
    def from_model(cls, api_key: models.ApiKey) -> ApiKeyType:
        return cls(
            api_key_id=api_key.id,
            name=api_key.name,
            prefix=api_key.prefix,
            region_code=api_key.region_code,
            created_at=api_key.created_at,
            last_used_at=api_key.last_used_at,
            revoked_at=api_key.revoked_at,
        )


@strawberry.type(description="Tokens of a session.")
class AuthPayload:
    access_token: str = strawberry.field(
        description="Send as `Authorization: Bearer …`; short-lived."
    )
    access_token_expires_at: datetime
    refresh_token: str = strawberry.field(description="Exchange with refreshToken; single use.")
    refresh_token_expires_at: datetime
    user: UserType


@strawberry.type(description="A new API key and its secret, shown only this once.")
class NewApiKeyPayload:
    api_key: ApiKeyType
    secret: str = strawberry.field(description="Send as `X-Api-Key` or `Authorization: Bearer`.")
