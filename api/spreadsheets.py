"""Cells written into files that people open in spreadsheet programs."""

from __future__ import annotations


def formula_safe(text: str | None) -> str:
    """A cell that cannot run as a formula (CSV injection, as OWASP describes it): one beginning
    with = + - @, a tab or a carriage return is prefixed with a single quote."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text or ""
