"""Vocabularies of party work."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


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


register(
    "AppraisalGrade",
    Grade,
    {
        Grade.EXCELLENT: ("优秀", "Excellent"),
        Grade.QUALIFIED: ("合格", "Qualified"),
        Grade.BASICALLY_QUALIFIED: ("基本合格", "Basically qualified"),
        Grade.UNQUALIFIED: ("不合格", "Unqualified"),
    },
)
register(
    "AppraisalBasis",
    Basis,
    {Basis.VOTE: ("党员投票", "Members' votes"), Basis.COMMITTEE: ("支委会决定", "Committee")},
)
register(
    "AppraisalRoundStatus",
    RoundStatus,
    {RoundStatus.OPEN: ("进行中", "Open"), RoundStatus.CLOSED: ("已结束", "Closed")},
)
