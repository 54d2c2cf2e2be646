"""Sign-in and account administration."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

import strawberry

from api.domains.accounts import service
from api.domains.accounts.enums import Role
from api.errors import AuthenticationFailed, NotFound, RateLimited
from schema.accounts.types import (
    ApiKeyType,
    AuthPayload,
    NewApiKeyPayload,
    RoleAssignmentType,
    UserType,
)
from schema.errors import (
    AuthenticationError,
    ConflictError,
    DomainErrorResults,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from schema.events.vocabulary import Language
from schema.permissions import allow, public, signed_in
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.input(description="A role to hold at a region.")
class RoleAssignmentInput:
    role: Role
    region_code: str
    department_id: strawberry.ID | None = None


@strawberry.input(description="A new account and its first roles.")
class CreateUserInput:
    username: str = strawberry.field(description="3–64 of a–z 0–9 _ . -")
    display_name: str
    password: str = strawberry.field(description="≥ 10 characters mixing three kinds.")
    roles: list[RoleAssignmentInput] = strawberry.field(description="1–20 role assignments.")
    phone: str | None = None


@strawberry.input(description="Changes to an account; omitted fields stay.")
class UpdateUserInput:
    display_name: str | None = None
    phone: str | None = None


@strawberry.type(description="The account after the change.")
class UserPayload:
    user: UserType


@strawberry.type(description="The role assignment made or revoked.")
class RoleAssignmentPayload:
    assignment: RoleAssignmentType


@strawberry.type(description="Sessions ended.")
class LogoutPayload:
    sessions_ended: int


@strawberry.type(description="The API key after the change.")
class ApiKeyPayload:
    api_key: ApiKeyType


LoginResult = Annotated[
    AuthPayload
    | ValidationError
    | NotFoundError
    | ConflictError
    | AuthenticationError
    | RateLimitedError,
    strawberry.union("LoginResult", description="Outcome of signing in."),
]
RefreshTokenResult = Annotated[
    AuthPayload | ValidationError | NotFoundError | ConflictError | AuthenticationError,
    strawberry.union("RefreshTokenResult", description="Outcome of a token refresh."),
]
LogoutResult = Annotated[
    LogoutPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("LogoutResult", description="Outcome of signing out."),
]
UserResult = Annotated[
    UserPayload
    | ValidationError
    | NotFoundError
    | ConflictError
    | AuthenticationError
    | RateLimitedError,
    strawberry.union("UserResult", description="Outcome of an account change."),
]
RoleAssignmentResult = Annotated[
    RoleAssignmentPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RoleAssignmentResult", description="Outcome of a role change."),
]
NewApiKeyResult = Annotated[
    NewApiKeyPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("NewApiKeyResult", description="Outcome of issuing an API key."),
]
ApiKeyResult = Annotated[
    ApiKeyPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ApiKeyResult", description="Outcome of an API key change."),
]


def _ttls(info: Info) -> dict[str, timedelta]:
    settings = info.context.settings
    return {
        "access_ttl": timedelta(minutes=settings.gridgov_access_token_minutes),
        "refresh_ttl": timedelta(days=settings.gridgov_refresh_token_days),
    }


def _auth_payload(tokens: service.TokenPair) -> AuthPayload:
    return AuthPayload(
        access_token=tokens.access_token,
        access_token_expires_at=tokens.access_token_expires_at,
        refresh_token=tokens.refresh_token,
        refresh_token_expires_at=tokens.refresh_token_expires_at,
        user=UserType.from_model(tokens.user),
    )


def _assignment(value: RoleAssignmentInput) -> service.AssignmentInput:
    department_id = None
    if value.department_id is not None:
        department_id = parse_uuid(value.department_id, "Department")
        if department_id is None:
            raise NotFound("department", value.department_id, field="departmentId")
    return service.AssignmentInput(
        role=value.role, region_code=value.region_code, department_id=department_id
    )


def _id(value: str, type_name: str) -> uuid.UUID:
    parsed = parse_uuid(value, type_name)
    if parsed is None:
        raise NotFound(type_name.lower(), value, field="id")
    return parsed


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(
        description="Sign in; failed attempts are throttled.",
        extensions=[DomainErrorResults(raises=(AuthenticationFailed, RateLimited)), *public()],
    )
    async def login(self, info: Info, username: str, password: str) -> LoginResult:
        context = info.context
        tokens = await service.login(
            username=username,
            password=password,
            throttle=context.throttle,
            secret=context.settings.secret_key(),
            ip=context.client_ip,
            user_agent=context.request.headers.get("user-agent"),
            **_ttls(info),
        )
        return _auth_payload(tokens)

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens (rotation).",
        extensions=[DomainErrorResults(raises=(AuthenticationFailed,)), *public()],
    )
    async def refresh_token(self, info: Info, refresh_token: str) -> RefreshTokenResult:
        tokens = await service.refresh(
            refresh_token=refresh_token,
            secret=info.context.settings.secret_key(),
            **_ttls(info),
        )
        return _auth_payload(tokens)

    @strawberry.mutation(description="End this session, or all of yours.", extensions=signed_in())
    async def logout(self, info: Info, everywhere: bool = False) -> LogoutResult:
        ended = await service.logout(actor=info.context.principal, everywhere=everywhere)
        return LogoutPayload(sessions_ended=ended)

    @strawberry.mutation(
        description="Change your own password; your other sessions end.", extensions=signed_in()
    )
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> UserResult:
        user = await service.change_password(
            actor=info.context.principal,
            current_password=current_password,
            new_password=new_password,
            throttle=info.context.throttle,
            ip=info.context.client_ip,
        )
        return UserPayload(user=UserType.from_model(user))

    @strawberry.mutation(
        description="Save the language of your messages and labels, used where a request's"
        " Accept-Language names none we serve; null returns to the deployment's default.",
        extensions=signed_in(),
    )
    async def set_my_language(self, info: Info, language: Language | None) -> UserResult:
        user = await service.set_my_language(
            actor=info.context.principal, language=language.value if language else None
        )
        return UserPayload(user=UserType.from_model(user))

    @strawberry.mutation(
        description="Create an account (admin).", extensions=allow("user", "create")
    )
    async def create_user(self, info: Info, input: CreateUserInput) -> UserResult:
        user = await service.create_user(
            actor=info.context.principal,
            username=input.username,
            display_name=input.display_name,
            password=input.password,
            phone=input.phone,
            assignments=[_assignment(role) for role in input.roles],
        )
        return UserPayload(user=UserType.from_model(user))

    @strawberry.mutation(
        description="Change an account (admin).", extensions=allow("user", "update")
    )
    async def update_user(
        self, info: Info, id: strawberry.ID, input: UpdateUserInput
    ) -> UserResult:
        user = await service.update_user(
            actor=info.context.principal,
            user_id=_id(id, "User"),
            display_name=input.display_name,
            phone=input.phone,
        )
        return UserPayload(user=UserType.from_model(user))

    @strawberry.mutation(
        description="Deactivate an account and end its sessions (admin).",
        extensions=allow("user", "deactivate"),
    )
    async def deactivate_user(self, info: Info, id: strawberry.ID) -> UserResult:
        return await _set_user_active(info, id, active=False)

    @strawberry.mutation(
        description="Reactivate an account (admin).", extensions=allow("user", "deactivate")
    )
    async def reactivate_user(self, info: Info, id: strawberry.ID) -> UserResult:
        return await _set_user_active(info, id, active=True)

    @strawberry.mutation(
        description="Set another user's password (admin who may create accounts where they "
        "work): an imported account's first password, or a forgotten one. Ends their sessions.",
        extensions=allow("user", "create"),
    )
    async def set_user_password(self, info: Info, id: strawberry.ID, password: str) -> UserResult:
        user = await service.set_user_password(
            actor=info.context.principal, user_id=_id(id, "User"), password=password
        )
        return UserPayload(user=UserType.from_model(user))

    @strawberry.mutation(
        description="Grant a role at a region (admin).", extensions=allow("user", "assign_role")
    )
    async def assign_role(
        self, info: Info, user_id: strawberry.ID, role: RoleAssignmentInput
    ) -> RoleAssignmentResult:
        assignment = await service.assign_role(
            actor=info.context.principal, user_id=_id(user_id, "User"), data=_assignment(role)
        )
        return RoleAssignmentPayload(assignment=RoleAssignmentType.from_model(assignment))

    @strawberry.mutation(
        description="Take a role assignment away (admin).", extensions=allow("user", "assign_role")
    )
    async def revoke_role(self, info: Info, assignment_id: strawberry.ID) -> RoleAssignmentResult:
        assignment = await service.revoke_role(
            actor=info.context.principal, assignment_id=_id(assignment_id, "RoleAssignment")
        )
        return RoleAssignmentPayload(assignment=RoleAssignmentType.from_model(assignment))

    @strawberry.mutation(
        description="Issue an API key for an integration (admin).",
        extensions=allow("api_key", "create"),
    )
    async def create_api_key(self, info: Info, name: str, region_code: str) -> NewApiKeyResult:
        created = await service.create_api_key(
            actor=info.context.principal, name=name, region_code=region_code
        )
        return NewApiKeyPayload(
            api_key=ApiKeyType.from_model(created.api_key), secret=created.secret
        )

    @strawberry.mutation(
        description="Revoke an API key at once (admin).", extensions=allow("api_key", "revoke")
    )
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKeyResult:
        api_key = await service.revoke_api_key(
            actor=info.context.principal, api_key_id=_id(id, "ApiKey")
        )
        return ApiKeyPayload(api_key=ApiKeyType.from_model(api_key))


async def _set_user_active(info: Info, id: str, *, active: bool) -> UserResult:
    user = await service.set_user_active(
        actor=info.context.principal, user_id=_id(id, "User"), active=active
    )
    return UserPayload(user=UserType.from_model(user))
