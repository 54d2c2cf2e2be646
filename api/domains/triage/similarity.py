"""Text similarity of two reports: the Dice coefficient of their character bigrams.

Character bigrams need no word segmentation (Chinese has no spaces) and ignore word order, so a
caller's "黄山路口井盖没了" and a grid worker's "井盖缺失，黄山路口" share most of theirs."""

from __future__ import annotations

import unicodedata


def normalised(text: str) -> str:
    """Letters and digits only, case-folded, full-width forms made half-width (NFKC)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def bigrams(text: str) -> frozenset[str]:
    """The distinct character bigrams of `text` (normalised); a set, so a title repeated as the
    first line of the description (a work order's) weighs no more than once."""
    plain = normalised(text)
    if len(plain) < 2:
        return frozenset([plain] if plain else [])
    return frozenset(plain[i : i + 2] for i in range(len(plain) - 1))


def dice(first: frozenset[str], second: frozenset[str]) -> float:
    """2·|A∩B| / (|A|+|B|) over bigram sets: 1 for the same text, 0 for nothing shared."""
    total = len(first) + len(second)
    return 2 * len(first & second) / total if total else 0.0
