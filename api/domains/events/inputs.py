"""Limits and cleaning of the free text a caller sends."""

from __future__ import annotations

from api.errors import (
    ValidationFailed,
)
from api.i18n import _

MAX_TITLE = 200


MAX_DESCRIPTION = 5000


MAX_NOTE = 2000


MAX_ADDRESS = 200


def clean(text: str | None, *, field: str, limit: int, required: bool = False) -> str:
    cleaned = (text or "").strip()
    if required and not cleaned:
        raise ValidationFailed(_("{field} is required", field=field), field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(
            _("{field} is at most {limit} characters", field=field, limit=limit), field=field
        )
    return cleaned
