"""Domain errors: what a service raises, what the API maps to typed results or top-level errors."""

from __future__ import annotations

from enum import StrEnum

from api.i18n import Message, _


class ErrorCode(StrEnum):
    """Stable codes clients may switch on; never renamed, only added to."""

    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    CONFLICT = "CONFLICT"
    INVALID_CODE = "INVALID_CODE"
    PARENT_MISMATCH = "PARENT_MISMATCH"
    HAS_ACTIVE_CHILDREN = "HAS_ACTIVE_CHILDREN"
    INACTIVE = "INACTIVE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    ROLE_NOT_AT_LEVEL = "ROLE_NOT_AT_LEVEL"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_ALLOWED = "NOT_ALLOWED"
    UNSUPPORTED_FILE = "UNSUPPORTED_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    OUTSIDE_AREA = "OUTSIDE_AREA"
    BOUNDARY_OVERLAP = "BOUNDARY_OVERLAP"  # a region's boundary overlaps a sibling's
    BOUNDARY_OUTSIDE_PARENT = "BOUNDARY_OUTSIDE_PARENT"  # ... or leaves its parent's
    # top-level only (extensions.code): not part of any union
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    FEED_INTERRUPTED = "FEED_INTERRUPTED"  # a live feed ended: resume with its lastSequence
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"  # a per-connection limit (subscriptions)
    IN_USE = "IN_USE"  # a code still used (open events, active codes below it) is not retired


class DomainError(Exception):
    """An expected failure with a stable code, the field it concerns and a readable message."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: ErrorCode | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    code = ErrorCode.INVALID


class NotFound(DomainError):
    """Also raised for objects outside the caller's scope: out of scope looks like absent."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, kind: str, key: object, *, field: str | None = None):
        # the kind ("event") is a msgid of its own, translated with the message
        super().__init__(_("{kind} {key} not found", kind=Message(kind), key=key), field=field)
        self.kind = kind


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class NotAllowed(DomainError):
    """A workflow step the caller's role may not take on this event (wrong role or level):
    a typed result, unlike the top-level FORBIDDEN of an operation the caller may never use."""

    code = ErrorCode.NOT_ALLOWED


class AuthenticationFailed(DomainError):
    code = ErrorCode.INVALID_CREDENTIALS


class RateLimited(DomainError):
    code = ErrorCode.TOO_MANY_ATTEMPTS

    def __init__(self, message: str, *, retry_after_seconds: int):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unauthenticated(Exception):
    """No valid credentials on a request that needs them: a top-level error, not a result."""

    code = ErrorCode.UNAUTHENTICATED


class PermissionDenied(Exception):
    """The caller's roles do not allow the action: a top-level error, not a result."""

    code = ErrorCode.FORBIDDEN

    def __init__(self, message: str = _("not allowed")):
        super().__init__(message)
