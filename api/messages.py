"""Stored messages that follow their reader: what the system writes down (a notice's title and
body) kept as its msgid and parameters beside the text, and rendered again in the language of
whoever reads it (api/i18n.py renders messages that leave the API at once; these wait in rows).

Why this shape:

- The text column stays: rows written before messages were stored, and text typed by people
  (a staff notice, a rejection's reason), have nothing else and are never translated. The text
  written beside a message is the message in the deployment's language (`GRIDGOV_LANGUAGE`), so
  exports, SQL readers and old clients read what they read before.
- A parameter is stored as JSON, and rendered by what it is: a nested message
  (`{"msg": {...}}`, a msgid passed as `_()`) in the reader's language; a code of a vocabulary
  (`Term`, `{"term": name, "code": code}`) by its label there (api/vocabulary.py); anything
  else (an event's title, a case number, a person's note) verbatim. A plain string parameter is
  never looked up in the catalog, unlike api.i18n.render's: an event titled like a msgid stays
  as its reporter typed it.
- A stored message that no longer renders (a msgid since removed, a placeholder renamed) falls
  back to the stored text, not to an error on the reader's list.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from api import vocabulary
from api.i18n import Message
from api.settings import get_settings


class Term(str):
    """A code of a vocabulary list (an event's status) as a message parameter: its English label
    as a string, its label in the reader's language when the stored message is rendered."""

    vocabulary: str
    code: str

    def __new__(cls, name: str, code: str | Enum) -> Term:
        value = code.value if isinstance(code, Enum) else code
        term = super().__new__(cls, vocabulary.label(name, value, vocabulary.EN))
        term.vocabulary = name
        term.code = value
        return term


def labelled(code: object) -> Any:
    """A code as a message parameter: a `Term` if its enum has a vocabulary list (a flow's stage),
    else its value as it is."""
    if isinstance(code, Enum):
        for name, (enum, _labels) in vocabulary.LABELS.items():
            if enum is type(code):
                return Term(name, code)
        return code.value
    return "" if code is None else code


def encode(text: object) -> dict[str, Any] | None:
    """The JSON to store beside `text`: its msgid and parameters if it is a Message, else None
    (free text, stored as text only)."""
    if not isinstance(text, Message):
        return None
    stored: dict[str, Any] = {"id": text.msgid}
    if text.params:
        stored["params"] = {name: _param(value) for name, value in text.params.items()}
    if text.context is not None:
        stored["context"] = text.context
    return stored


def written(text: str) -> tuple[str, dict[str, Any] | None]:
    """What a row stores of `text`: the text in the deployment's language (`GRIDGOV_LANGUAGE`),
    and its message to render again for each reader (None: text typed by a person, stored as
    it is)."""
    stored = encode(text)
    if stored is None:
        return text, None
    return render(stored, text, get_settings().gridgov_language), stored


def _param(value: object) -> Any:
    if isinstance(value, Message):
        return {"msg": encode(value)}
    if isinstance(value, Term):
        return {"term": value.vocabulary, "code": value.code}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def render(stored: Mapping[str, Any] | None, text: str, language: str) -> str:
    """A stored message in `language`; `text` (what was written) where there is none, or it no
    longer renders."""
    if not stored:
        return text
    try:
        return _render(stored, language)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return text


def _render(stored: Mapping[str, Any], language: str) -> str:
    # the msgid alone renders as its translation's template (English where there is none)
    template = Message(stored["id"], None, stored.get("context")).render(language)
    params = stored.get("params")
    if not params:
        return template
    values = {name: _value(value, language) for name, value in params.items()}
    return template.format(**values)


def _value(value: Any, language: str) -> Any:
    if isinstance(value, dict):
        if "msg" in value:
            return _render(value["msg"], language)
        if "term" in value:
            return vocabulary.label(value["term"], value["code"], language)
    return value
