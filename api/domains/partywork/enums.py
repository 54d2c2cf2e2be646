"""Vocabularies of party work."""

from __future__ import annotations

from enum import StrEnum


class Grade(StrEnum):
    """The grades of an appraisal, best first (民主评议党员 and 年终考评)."""

    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    BASICALLY_QUALIFIED = "basically_qualified"  # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格


class Basis(StrEnum):
    """How a member's grade was reached."""

    VOTE = "vote"  # the members' votes: the grade most voted for (ties: the lower grade)
    COMMITTEE = "committee"  # the branch committee's decision (支委会研究)


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
