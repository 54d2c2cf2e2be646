"""Schema extensions: error codes on top-level errors, and masking of unexpected ones."""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.errors import DomainError, PermissionDenied, Unauthenticated
from api.realtime import FeedInterrupted

log = structlog.get_logger("gridgov.graphql")

INTERNAL_ERROR = "INTERNAL_SERVER_ERROR"


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
