"""Expected failures as GraphQL types, members of each mutation's result union."""

from __future__ import annotations

from typing import Any

import strawberry

from api.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    ErrorCode,
    NotAllowed,
    NotFound,
    RateLimited,
)

strawberry.enum(ErrorCode, name="ErrorCode", description="Stable error codes.")


@strawberry.interface(description="An expected failure: a stable code, a message, the input field.")
class Error:
    code: ErrorCode = strawberry.field(description="Stable machine-readable code.")
    message: str = strawberry.field(description="Human-readable explanation.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


@strawberry.type(description="The input is malformed or breaks a rule; nothing was changed.")
class ValidationError(Error):
    pass


@strawberry.type(description="The object does not exist or lies outside your scope.")
class NotFoundError(Error):
    pass


@strawberry.type(description="The change conflicts with the current state; nothing was changed.")
class ConflictError(Error):
    pass


@strawberry.type(description="Your roles may not take this step on this object (role or level).")
class NotAllowedError(Error):
    pass


@strawberry.type(description="Credentials or tokens were not accepted.")
class AuthenticationError(Error):
    pass


@strawberry.type(description="Too many attempts; retry after the given delay.")
class RateLimitedError(Error):
    retry_after_seconds: int = strawberry.field(description="Seconds to wait before retrying.")


def error_result(error: DomainError) -> Any:
    """The GraphQL member for a domain error (typed Any: it is one member of the caller's union)."""
    code, message, field = error.code, error.message, error.field
    if isinstance(error, RateLimited):
        return RateLimitedError(
            code=code, message=message, field=field, retry_after_seconds=error.retry_after_seconds
        )
    if isinstance(error, NotAllowed):
        return NotAllowedError(code=code, message=message, field=field)
    if isinstance(error, AuthenticationFailed):
        return AuthenticationError(code=code, message=message, field=field)
    if isinstance(error, NotFound):
        return NotFoundError(code=code, message=message, field=field)
    if isinstance(error, Conflict):
        return ConflictError(code=code, message=message, field=field)
    return ValidationError(code=code, message=message, field=field)
