"""Schema extensions: limits and caches of every request; error codes on top-level errors, and
masking of unexpected ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import structlog
from graphql import ASTValidationRule, GraphQLError, StringValueNode
from strawberry.extensions import SchemaExtension

from api.errors import DomainError, PermissionDenied, Unauthenticated
from api.observability import ObservedOperation
from api.realtime import FeedInterrupted
from schema.context import Context
from schema.dataloaders import Loaders

log = structlog.get_logger("gridgov.graphql")

INTERNAL_ERROR = "INTERNAL_SERVER_ERROR"


class LimitsAndCaches(SchemaExtension):
    """What strawberry's AddValidationRules, MaxTokensLimiter, ParserCache and ValidationCache
    do, in one extension: strawberry makes each extension anew for every request and wraps each
    of its hooks in a context manager of its own, which for those four cost more than their work.

    The caches are strawberry's own (shared across requests and instances), given by the caller.
    Each operation also gets dataloaders of its own: a websocket's context lives as long as the
    connection, and its loaders would otherwise answer every later query on it from what the
    first one read.
    """

    def __init__(
        self,
        *,
        validation_rules: Sequence[type[ASTValidationRule]],
        max_tokens: int,
        parse: Callable[..., Any],
        validate: Callable[..., Any],
    ):
        self.validation_rules = tuple(validation_rules)
        self.max_tokens = max_tokens
        self.parse = parse
        self.validate = validate

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if isinstance(context.context, Context):
            # a new object, not a cleared one: another operation on the same connection may
            # still be reading from the old loaders
            context.context.loaders = Loaders()
        context.validation_rules = context.validation_rules + self.validation_rules
        context.parse_options["max_tokens"] = self.max_tokens
        self.observed = ObservedOperation(context)
        try:
            yield
        finally:
            self.observed.finished()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = self.parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors = self.validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        if not errors and _holds_nul(context.variables):
            errors = [GraphQLError(NUL_MESSAGE)]  # a new list: the cached one is shared
        context.pre_execution_errors = errors
        if not errors:
            self.observed.validated()
        yield


# PostgreSQL stores no NUL character in text: one in an input would fail at the database, as an
# internal error, after part of the work was done. Refused up front, it is the client's error
# (BAD_USER_INPUT); in the document by a validation rule (cached with the document), in the
# variables by the check above.
NUL_MESSAGE = "Text must not contain the NUL character (U+0000)."


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


class NoNulInText(ASTValidationRule):
    """A string literal of the document holding NUL (written `\\u0000`)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node))


class ErrorCodes(SchemaExtension):
    """Give every top-level error a stable `extensions.code`; in production replace the message of
    an unexpected one (a bug) so nothing internal leaks, and log it with its trace."""

    def __init__(self, *, mask: bool):
        self.mask = mask

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._coded(error) for error in result.errors]

    def _coded(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if error.path is None:
            # Not from a resolver: the document or its variables are at fault (parse, validation,
            # variable coercion), so it is the client's error, never a masked bug.
            code = (error.extensions or {}).get("code", "BAD_USER_INPUT")
            return _with_code(error, str(code))
        if isinstance(original, DomainError):
            extensions = {"code": original.code.value}
            if original.field:
                extensions["field"] = original.field
            return _with_code(error, extensions)
        if isinstance(original, (Unauthenticated, PermissionDenied)):
            return _with_code(error, original.code.value)
        if isinstance(original, FeedInterrupted):
            return _with_code(error, "FEED_INTERRUPTED")
        log.error("unexpected error", path=error.path, exc_info=original)
        if self.mask:
            return GraphQLError(
                "Unexpected error.",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": INTERNAL_ERROR},
            )
        return _with_code(error, INTERNAL_ERROR)


def _with_code(error: GraphQLError, code: str | dict[str, str]) -> GraphQLError:
    extensions = dict(error.extensions or {})
    extensions.update({"code": code} if isinstance(code, str) else code)
    error.extensions = extensions
    return error
