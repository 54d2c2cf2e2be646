"""Expected failures as GraphQL types, members of each mutation's result union."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info, get_object_definition
from strawberry.types.base import StrawberryOptional
from strawberry.types.union import StrawberryUnion

from api.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    ErrorCode,
    NotAllowed,
    NotFound,
    RateLimited,
)
from api.i18n import render

if TYPE_CHECKING:
    from strawberry.types.field import StrawberryField

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


# Each domain error's GraphQL member; an error class not listed takes its nearest listed base
# (so ValidationFailed, and a bare DomainError with a code of its own, become ValidationError).
RESULT_TYPES: Final[Mapping[type[DomainError], type[Error]]] = {
    RateLimited: RateLimitedError,
    NotAllowed: NotAllowedError,
    AuthenticationFailed: AuthenticationError,
    NotFound: NotFoundError,
    Conflict: ConflictError,
    DomainError: ValidationError,
}


def result_type(error_class: type[DomainError]) -> type[Error]:
    """The union member a domain error of this class becomes."""
    for base in error_class.__mro__:
        if base in RESULT_TYPES:
            return RESULT_TYPES[base]
    raise TypeError(f"{error_class.__name__} is not a DomainError")


def error_result(error: DomainError) -> Any:
    """The GraphQL member for a domain error (typed Any: it is one member of the caller's union)."""
    # in the request's language (api/i18n.py): codes never change, only messages
    code, message, field = error.code, render(error.message), error.field
    if isinstance(error, RateLimited):
        return RateLimitedError(
            code=code, message=message, field=field, retry_after_seconds=error.retry_after_seconds
        )
    return result_type(type(error))(code=code, message=message, field=field)


class UndeclaredErrorResult(TypeError):
    """A resolver raised a domain error whose member its field's union lacks: a bug, reported as
    an internal error rather than returned as a type the client was never told about."""


class DomainErrorResults(FieldExtension):
    """Return a `DomainError` raised by the resolver as the member of the field's result union
    (CONVENTIONS.md §8), so no resolver catches one itself.

    `raises` names what the field's service may raise beyond a plain `DomainError` (which every
    service may raise, as ValidationError); a union lacking the member of any of them is refused
    when the schema is built. An error raised at run time whose member the union lacks is re-raised
    as `UndeclaredErrorResult`. One instance per field: it keeps the field's union members.
    """

    def __init__(self, *, raises: Iterable[type[DomainError]] = ()):
        self.raises: tuple[type[DomainError], ...] = (DomainError, *raises)
        self.members: frozenset[type] = frozenset()
        self.field_name = ""

    def apply(self, field: StrawberryField) -> None:
        self.field_name = field.python_name
        union = _union_of(field.type)
        if union is None:
            raise TypeError(f"{self.field_name}: DomainErrorResults needs a union result type")
        members = frozenset(_members(union))
        missing = {result_type(error) for error in self.raises} - members
        if missing:
            names = ", ".join(sorted(member.__name__ for member in missing))
            raise TypeError(
                f"{self.field_name}: the union {union.graphql_name} lacks {names}, "
                "which its service can raise"
            )
        self.members = members

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except DomainError as error:
            return self._result(error)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as error:
            return self._result(error)

    def _result(self, error: DomainError) -> Any:
        if result_type(type(error)) not in self.members:
            raise UndeclaredErrorResult(
                f"{self.field_name} raised {type(error).__name__} ({error.code}), "
                "whose result type its union lacks"
            ) from error
        return error_result(error)


def map_domain_errors(*root_types: type) -> None:
    """Give every field of these types whose result union holds an Error member the
    DomainErrorResults extension (innermost, next to the resolver), unless it declares its own.
    Call it before the schema is built: strawberry applies field extensions then."""
    for root_type in root_types:
        definition = get_object_definition(root_type, strict=True)
        for field in definition.fields:
            union = _union_of(field.type)
            if union is None or not any(issubclass(m, Error) for m in _members(union)):
                continue
            if any(isinstance(e, DomainErrorResults) for e in field.extensions):
                continue
            # a new list: fields may share the one given to `extensions=` (allow(...) constants)
            field.extensions = [DomainErrorResults(), *field.extensions]


def _union_of(field_type: Any) -> StrawberryUnion | None:
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    return field_type if isinstance(field_type, StrawberryUnion) else None


def _members(union: StrawberryUnion) -> list[type]:
    return [member for member in union.types if isinstance(member, type)]
