"""Masking of personal data as every record shows it to a reader without the right to see it
whole: identifiers (ID numbers, phones, document numbers) and people's names."""

from __future__ import annotations


def mask(value: str) -> str:
    """Keep the first and last four characters of an identifier (4106**********1234); a phone
    keeps its prefix and last four digits (+86139****5678)."""
    if value.startswith("+86") and len(value) > 10:
        national = value[3:]
        return "+86" + national[:3] + "*" * (len(national) - 7) + national[-4:]
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    """Keep a name's first character, the surname of most Chinese names (张*, 欧**)."""
    name = value.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)
