"""What the edges (GraphQL, Open311) accept, in one place: column lengths read from the models,
the documented date range, and text that XML can carry."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from tortoise import fields
from tortoise.models import Model

# The documented range of every date a client sends (README, "Errors"): wide enough for any
# birth date or plan, inside what PostgreSQL and Python hold in any time zone.
EARLIEST: Final = dt.date(1900, 1, 1)
LATEST: Final = dt.date(2199, 12, 31)
RANGE_TEXT: Final = f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"


def column(model: type[Model], name: str) -> int:
    """The `max_length` of a model's character column."""
    field = model._meta.fields_map[name]
    assert isinstance(field, fields.CharField), f"{model.__name__}.{name} is not a CharField"
    return int(field.max_length)


def within_range(value: dt.date) -> bool:
    """The value's own calendar day lies in the documented range (for a datetime, in the
    offset it was written in: converting 1900-01-01T00:00+14:00 to UTC stays representable)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return EARLIEST <= day <= LATEST


# XML 1.0 allows tab, newline, carriage return and these ranges; anything else (other control
# characters, lone surrogates, U+FFFE/U+FFFF) makes a document that is not well-formed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", value)
