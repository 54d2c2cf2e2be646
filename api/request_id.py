"""One id per request, named in every masked error and in the log line of its cause, so an
operator can find what a user reports. A proxy's `X-Request-Id` is kept when it looks like one."""

from __future__ import annotations

import re
import uuid
from collections.abc import MutableMapping
from typing import Any

SCOPE_KEY = "gridgov.request_id"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id(scope: MutableMapping[str, Any]) -> str:
    """The request's id, made on first use and kept in its ASGI scope."""
    found = scope.get(SCOPE_KEY)
    if found is None:
        sent = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        found = sent if _ACCEPTED.fullmatch(sent) else uuid.uuid4().hex
        scope[SCOPE_KEY] = found
    return str(found)
