"""Schema extensions: limits and caches of every request; error codes on top-level errors, and
masking of unexpected ones."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any

import structlog
from graphql import ASTValidationRule, GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension

from api.errors import DomainError, PermissionDenied, Unauthenticated
from api.i18n import _, render
from api.observability import ObservedOperation
from api.realtime import FeedInterrupted
from api.request_id import request_id
from schema import bounds
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
        try:
            context.graphql_document = self.parse(context.query, **context.parse_options)
        except RecursionError:
            # values nested hundreds of levels deep in the document: the parser recurses per level
            raise GraphQLError(_("Document nested too deeply.")) from None
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors = self.validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        if not errors and context.variables and context.graphql_document is not None:
            # the document's literals were checked by bounds.BoundedLiterals (cached with it)
            problem = bounds.check_variables(
                context.schema._schema,
                context.graphql_document,
                context.query or "",
                context.operation_name,
                context.variables,
            )
            if problem is not None:
                errors = [problem]  # a new list: the cached one is shared
        context.pre_execution_errors = errors
        if not errors:
            self.observed.validated()
        yield


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
        context = self.execution_context.context
        scope = context.request.scope if isinstance(context, Context) else {}
        result.errors = [coded(error, mask=self.mask, scope=scope) for error in result.errors]


def coded(error: GraphQLError, *, mask: bool, scope: MutableMapping[str, Any]) -> GraphQLError:
    """The error with its `extensions.code`; an unexpected one masked in production, named by
    the request's id (also in the log line with its trace). Errors that have a code pass as
    they are, so the view can run every error through here again."""
    if error.extensions and "code" in error.extensions:
        return error
    # ours (api/i18n.py Messages, or a msgid) in the request's language; graphql-core's as they are
    error.message = render(error.message)
    original = error.original_error
    if isinstance(original, DomainError):
        extensions = {"code": original.code.value}
        if original.field:
            extensions["field"] = original.field
        return _with_code(error, extensions)
    if isinstance(original, (Unauthenticated, PermissionDenied)):
        return _with_code(error, original.code.value)
    if isinstance(original, FeedInterrupted):
        return _with_code(error, "FEED_INTERRUPTED")
    if error.path is None:
        # Not from a resolver: the document or its variables are at fault (parse, validation,
        # variable coercion), so it is the client's error, never a masked bug.
        if mask and original is not None and not isinstance(original, _CLIENT_ERRORS):
            # a parser's or a scalar's own exception: its text is Python's, not for clients
            log.warning("input refused", error=str(error), request_id=request_id(scope))
            error.message = render(_("Invalid input."))
        elif mask and "Did you mean" in error.message:
            # suggestions would spell out the schema that production hides from introspection
            error.message = _SUGGESTION.sub(".", error.message)
        return _with_code(error, "BAD_USER_INPUT")
    request = request_id(scope)
    log.error("unexpected error", path=error.path, request_id=request, exc_info=original)
    if mask:
        return GraphQLError(
            render(_("Unexpected error (request {request}).", request=request)),
            nodes=error.nodes,
            path=error.path,
            extensions={"code": INTERNAL_ERROR, "requestId": request},
        )
    return _with_code(error, {"code": INTERNAL_ERROR, "requestId": request})


_CLIENT_ERRORS = (GraphQLError, StrawberryInputCoercionError)
_SUGGESTION = re.compile(r"[.?]? Did you mean [^?]*\?")


def _with_code(error: GraphQLError, code: str | dict[str, str]) -> GraphQLError:
    extensions = dict(error.extensions or {})
    extensions.update({"code": code} if isinstance(code, str) else code)
    error.extensions = extensions
    return error
