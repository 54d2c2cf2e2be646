"""Keyset pages: every list is bounded, ordered by a unique key, resumable by an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from api.errors import ValidationFailed
from api.i18n import _

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: str | None  # the sort key of the last row already seen


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next_page: bool
    # the sort key of a row, made only for the cursors a client asks for
    key_of: Callable[[T], object]

    def key(self, item: T) -> str:
        return str(self.key_of(item))


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed(_("malformed cursor"), field="after") from exc


def page_request(first: int | None, after: str | None) -> PageRequest:
    """Validate the client's paging arguments."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            _("first must be between 1 and {MAX_PAGE_SIZE}", MAX_PAGE_SIZE=MAX_PAGE_SIZE),
            field="first",
        )
    return PageRequest(first=size, after=decode_cursor(after) if after else None)


def make_page(rows: list[T], request: PageRequest, key_of: Callable[[T], object]) -> Page[T]:
    """Cut the rows fetched with limit first+1 into a page (the extra row only says 'more')."""
    return Page(items=rows[: request.first], has_next_page=len(rows) > request.first, key_of=key_of)


def split_cursor(key: str) -> tuple[datetime, uuid.UUID]:
    """The (time, id) of a `time|id` sort key (lists ordered by a timestamp, ties by id)."""
    time_text, _unused, id_text = key.partition("|")
    try:
        return datetime.fromisoformat(time_text), uuid.UUID(id_text)
    except ValueError as exc:
        raise ValidationFailed(_("malformed cursor"), field="after") from exc
