"""Client-visible messages in the reader's language: one gettext catalog, translated at the edge.

Why this shape:

- A service writes `raise NotFound(...)` or `raise ValidationFailed(_("give {low} to {high}",
  low=1, high=9))` and knows no language. `_()` returns a `Message`: a `str` whose value is the
  English text, so every caller, log line and test that treats a message as a string reads what
  it read before, and which keeps its msgid and parameters so the edge can render it again in
  the reader's language. Translating inside the service instead would need the language passed
  through every service call (or read from ambient state deep in the domain), and logs would be
  in whatever language the caller happened to ask for.
- The edge picks the language once per request (`Accept-Language`, else the signed-in user's
  saved preference, else `GRIDGOV_LANGUAGE`) and keeps it in a context variable (`use`); the
  places where messages leave the API (the typed error members of `schema/errors.py`, the
  top-level error formatter) call `render`. Codes never change; only messages.
- The catalog is gettext's: `api/locale/gridgov.pot` extracted by Babel (keyword `_`; `_p:1c,2`,
  with a context; and `NotFound:1`, whose first argument is the kind of object), `api/locale/<lang>/LC_MESSAGES/
  gridgov.po` translated. The `.po` is read at run time (Babel's reader, cached), so there is no
  compiled `.mo` to drift from it. A msgid without a translation falls back to English;
  `tests/test_i18n.py` fails on every such msgid, so users never see the fallback.
- A parameter that is itself a msgid (NotFound's kind "event", a policy object "user") is
  translated with the message; policy actions are msgids in the context "action"
  (`policies/terms.py`).
- The msgid is the English text with `{name}` placeholders (str.format), formatted only when the
  message has parameters; a translation must use the same placeholders (tested).

This module imports nothing of ours: `api/errors.py` (which stands alone) builds its messages here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "gridgov"
ENGLISH = "en"
# a language code as clients send it → the catalog's directory
CATALOGS = {"zh-CN": "zh_CN"}

_language: ContextVar[str] = ContextVar("gridgov_language", default=ENGLISH)


class Message(str):
    """A message's English text (the `str` value), with the msgid and parameters it came from."""

    msgid: str
    params: Mapping[str, Any]
    context: str | None  # gettext's msgctxt: one English word, two meanings ("file")

    def __new__(
        cls, msgid: str, params: Mapping[str, Any] | None = None, context: str | None = None
    ) -> Message:
        params = dict(params or {})
        text = msgid.format(**params) if params else msgid
        message = super().__new__(cls, text)
        message.msgid = msgid
        message.params = params
        message.context = context
        return message

    def __str__(self) -> str:
        # `str(error)` of an exception raised with a Message keeps it a Message
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.msgid, self.params, self.context))

    def render(self, language: str) -> str:
        """The message in `language` (English where the catalog lacks it)."""
        if language not in CATALOGS:
            return str.__str__(self)
        template = _catalog(language).get((self.context, self.msgid))
        if not template:
            return str.__str__(self)
        if not self.params:
            return template
        values = {name: render(value, language) for name, value in self.params.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a translation with wrong placeholders
            return str.__str__(self)


def _(msgid: str, /, **params: Any) -> Message:
    """A client-visible message: `msgid` in English with `{name}` placeholders, and their values."""
    return Message(msgid, params)


def _p(context: str, msgid: str, /, **params: Any) -> Message:
    """`_()` with a gettext context: the same English word meaning another thing (the action
    "file" (立案), not the noun "file" (文件))."""
    return Message(msgid, params, context)


def render(text: object, language: str | None = None) -> Any:
    """`text` in `language` (default: the request's): a Message by its msgid, a plain string if
    it is itself a msgid; anything else (numbers, ids) as it is."""
    language = language or _language.get()
    if isinstance(text, Message):
        return text.render(language)
    if isinstance(text, str) and language in CATALOGS:
        return _catalog(language).get((None, text)) or text
    return text


def use(language: str) -> Token[str]:
    """Make `language` the current request's (the edge calls it once per request/connection)."""
    return _language.set(language)


def current() -> str:
    """The current request's language (English outside a request: logs, jobs, the CLI)."""
    return _language.get()


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / CATALOGS[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _catalog(language: str) -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) → translation of the language's .po; fuzzy and empty entries left out."""
    from babel.messages.pofile import read_po  # only when a translation is first needed

    path = catalog_path(language)
    if not path.exists():
        return {}
    with path.open("rb") as file:
        catalog = read_po(file, locale=CATALOGS[language])
    return {
        (entry.context, str(entry.id)): str(entry.string)
        for entry in catalog
        if entry.id and entry.string and not entry.fuzzy and isinstance(entry.id, str)
    }
